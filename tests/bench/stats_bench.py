"""Figures benchmark: a one-year report over 1,000,000 historical dossiers (SQLite).

Reported as the time of the whole report and as a ratio to a plain
`SELECT count(*) … GROUP BY month` over the same table, measured in the same run.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from datetime import date, timedelta

from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from portal.dossiers import rules
from portal.dossiers.models import Channel, Dossier, DossierStatus
from portal.extensions import db
from portal.stats.report import report
from tests.bench.common import bench_app

DOSSIERS = int(os.environ.get("BENCH_DOSSIERS", "1000000"))
BATCH = 50_000
RUNS = 3
YEARS = (2019, 2026)  # submissions spread over seven years


def _rows(rng: random.Random, start: int, count: int) -> list[dict]:
    categories = list(rules.categories())
    nationalities = ["IN", "TR", "MA", "UA", "PH", "BR", "CN", "US", "NG", "RS"]
    isco = ["2512", "8332", "2221", "7212", "3313", "5120", "2141", "9329"]
    nace = ["62010", "49410", "86101", "45200", "10110", "43210", "55100", "71121"]
    refnis = ["44021", "11002", "21004", "62063", "24062", "31005"]
    first = date(YEARS[0], 1, 1)
    span = (date(YEARS[1], 1, 1) - first).days
    rows = []
    for number in range(start, start + count):
        submitted = first + timedelta(days=rng.randrange(span))
        decided = submitted + timedelta(days=rng.randrange(5, 70)) if rng.random() < 0.9 else None
        decision = (
            rng.choices(["authorised", "refused", "inadmissible"], [0.85, 0.08, 0.07])[0]
            if decided
            else None
        )
        forwarded = (
            decided + timedelta(days=rng.randrange(0, 3)) if decision == "authorised" else None
        )
        rows.append(
            {
                "reference": f"H-{number:07d}",
                "status": DossierStatus.SUBMITTED,
                "locale": "nl",
                "channel": Channel.ONLINE if rng.random() < 0.97 else Channel.EMAIL,
                "category": rng.choice(categories),
                "worker_nationality": rng.choice(nationalities),
                "isco_code": rng.choice(isco),
                "nace_code": rng.choice(nace),
                "workplace_refnis": rng.choice(refnis),
                "submitted_on": submitted,
                "flemish_decision_on": decided,
                "flemish_decision": decision,
                "forwarded_on": forwarded,
                "sections_done": "",
                "is_posting": False,
                "thresholds_missing": False,
                "reduced_threshold": False,
            }
        )
    return rows


def _median(call) -> float:
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run() -> list[tuple[str, float]]:
    app = bench_app("stats")
    rng = random.Random(1_000_000)
    with app.app_context():
        upgrade()
        started = time.perf_counter()
        for offset in range(0, DOSSIERS, BATCH):
            db.session.execute(insert(Dossier), _rows(rng, offset, BATCH))
            db.session.commit()
        load = time.perf_counter() - started
        db.session.execute(db.text("ANALYZE"))
        year = (date(2021, 1, 1), date(2021, 12, 31))
        baseline_query = (
            select(func.strftime("%Y-%m", Dossier.submitted_on), func.count())
            .where(Dossier.submitted_on >= year[0], Dossier.submitted_on <= year[1])
            .group_by(func.strftime("%Y-%m", Dossier.submitted_on))
        )
        baseline = _median(lambda: db.session.execute(baseline_query).all())
        full = _median(lambda: report(*year, "en"))
        db.session.remove()
        db.engine.dispose()
    return [
        ("historical dossiers", DOSSIERS),
        ("bulk insert (s)", load),
        ("count per month, one year (s)", baseline),
        ("full one-year report (s)", full),
        ("report / count per month", full / baseline),
    ]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name:<36} {value:>10.2f}")
