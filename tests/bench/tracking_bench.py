"""Tracking benchmark: the officer queue and a timeline with 100,000 dossiers in the database.

The dossiers are inserted in bulk (SQLite, one process). Reported as requests per second
and as ratios to the health check measured in the same run, since the machine is noisy.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal

from flask_migrate import upgrade
from sqlalchemy import insert, select

from portal.accounts.models import User
from portal.demo import PASSWORD
from portal.demo import load as load_demo
from portal.dossiers import rules
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Dossier, DossierStatus
from portal.extensions import db
from tests.bench.common import bench_app, random_file, rate

DOSSIERS = 100_000
BATCH = 10_000
ROUNDS = 5
REQUESTS = 40


def _rows(employer: User, rng: random.Random) -> list[dict]:
    categories = list(rules.categories())
    seen: set[str] = set()
    rows = []
    for _ in range(DOSSIERS):
        reference, submitted, state, decided = random_file(rng, seen)
        decision_day = submitted.date() + timedelta(days=rng.randrange(10, 60))
        rows.append(
            {
                "reference": reference,
                "status": state,
                "created_by_id": employer.id,
                "organisation_id": employer.organisation_id if rng.random() < 0.001 else None,
                "locale": "nl",
                "submitted_at": submitted,
                "category": rng.choice(categories),
                "isco_code": "2512",
                "nace_code": "49410",
                "annual_salary": Decimal("55000"),
                "worker_first_name": "Test",
                "worker_last_name": f"Worker {len(rows)}",
                "worker_nationality": rng.choice(["IN", "TR", "MA", "UA", "PH"]),
                "flemish_decision": "authorised" if decided else None,
                "flemish_decision_on": decision_day if decided else None,
                "deadline_on": None if decided else submitted.date() + timedelta(days=120),
                "sections_done": "",
                "is_posting": False,
                "thresholds_missing": False,
                "reduced_threshold": False,
            }
        )
    return rows


def run() -> list[tuple[str, float]]:
    app = bench_app("tracking", WTF_CSRF_ENABLED=False)
    rng = random.Random(2026)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        employer = db.session.scalar(select(User).where(User.email == "employer@demo.example"))
        started = time.perf_counter()
        rows = _rows(employer, rng)
        for offset in range(0, len(rows), BATCH):
            db.session.execute(insert(Dossier), rows[offset : offset + BATCH])
        db.session.commit()
        load_seconds = time.perf_counter() - started
        # As after any bulk load (the import command does the same): fresh planner statistics.
        db.session.execute(db.text("ANALYZE"))
        # One file of the demo employer with a full history, for its timeline.
        mine = db.session.scalar(
            select(Dossier).where(Dossier.organisation_id == employer.organisation_id).limit(1)
        )
        for old, new in [
            (DossierStatus.DRAFT, DossierStatus.SUBMITTED),
            (DossierStatus.SUBMITTED, DossierStatus.WORK_AUTHORISED),
        ]:
            db.session.add(StatusEvent(dossier_id=mine.id, from_status=old, to_status=new))
        db.session.commit()
        mine_id = mine.id
    officer, employer_client = app.test_client(), app.test_client()
    officer.post("/account/login", data={"email": "officer@demo.example", "password": PASSWORD})
    employer_client.post(
        "/account/login", data={"email": "employer@demo.example", "password": PASSWORD}
    )
    baseline = rate(officer, "/healthz", ROUNDS, REQUESTS)
    queue = rate(officer, "/backoffice/dossiers", ROUNDS, REQUESTS)
    filtered = rate(
        officer, "/backoffice/dossiers?category=highly_qualified&sort=deadline", ROUNDS, REQUESTS
    )
    timeline = rate(employer_client, f"/applications/{mine_id}/timeline", ROUNDS, REQUESTS)
    return [
        ("dossiers inserted", DOSSIERS),
        ("bulk insert (s)", load_seconds),
        ("healthz (req/s)", baseline),
        ("officer queue (req/s)", queue),
        ("officer queue / healthz time", baseline / queue),
        ("queue filtered by category (req/s)", filtered),
        ("timeline (req/s)", timeline),
        ("timeline / healthz time", baseline / timeline),
    ]


if __name__ == "__main__":
    for name, value in run():
        print(f"{name:<36} {value:>10.1f}")
