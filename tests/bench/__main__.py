"""`make bench`: throughput of key pages, as ratios to a bare health check.

Then the HTTP benchmark (tests/bench/http_bench.py): the pages behind gunicorn with 2 sync
workers and wrk, as shares of a bare Flask app, at 10,000 and 100,000 files.

Run in one process on a fresh SQLite database with demo data. Absolute numbers depend on
the machine; the ratios (page time / health-check time) are what to compare over time.
"""

from __future__ import annotations

from flask_migrate import upgrade

from portal.demo import PASSWORD
from portal.demo import load as load_demo
from portal.dossiers import references
from portal.extensions import db
from tests.bench import http_bench, intake_bench, pdf_bench, stats_bench, tracking_bench
from tests.bench.common import bench_app, rate
from tests.bench.pdf_bench import make_dossier

ROUNDS = 5
DOSSIERS = 25
REQUESTS = 200


def main() -> None:
    # CSRF off to log in without scraping the token; on again below.
    app = bench_app("pages", WTF_CSRF_ENABLED=False)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        # A busy employer: the applications page lists 25 submitted files of ten documents.
        for number in range(DOSSIERS):
            make_dossier(f"SP-2026-BENCH{number % 10}-{references.ALPHABET[number]}")
    anonymous = app.test_client()
    employer = app.test_client()
    response = employer.post(
        "/account/login", data={"email": "employer@demo.example", "password": PASSWORD}
    )
    app.config["WTF_CSRF_ENABLED"] = True
    assert response.status_code == 302, "demo login failed"
    pages = {
        "healthz (baseline)": (anonymous, "/healthz"),
        "start page": (anonymous, "/?lang=fr"),
        "login page": (anonymous, "/account/login"),
        "employer registration (NACE list)": (anonymous, "/account/register/employer"),
        "dashboard (logged in)": (employer, "/dashboard"),
        f"my applications ({DOSSIERS} files)": (employer, "/applications/"),
    }
    rates = {name: rate(client, url, ROUNDS, REQUESTS) for name, (client, url) in pages.items()}
    baseline = rates["healthz (baseline)"]
    print(f"{'page':<36} {'req/s':>8} {'time vs healthz':>16}")
    for name, per_second in rates.items():
        print(f"{name:<36} {per_second:>8.0f} {baseline / per_second:>15.1f}x")
    print()
    for name, value in pdf_bench.run():
        print(f"{name:<36} {value:>8.2f}")
    print()
    for name, value in tracking_bench.run():
        print(f"{name:<36} {value:>10.1f}")
    print()
    for name, value in intake_bench.run():
        print(f"{name:<36} {value:>10.1f}")
    print()
    for name, value in stats_bench.run():
        print(f"{name:<36} {value:>10.2f}")
    print()
    # The pages behind gunicorn against a bare Flask app (BENCH_SCALES, BENCH_SECONDS).
    http_bench.main([])


if __name__ == "__main__":
    main()
