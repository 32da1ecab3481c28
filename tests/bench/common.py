"""What every benchmark shares: an app on a fresh SQLite file, and a request-rate timer."""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from flask import Flask

from portal import create_app
from portal.dossiers import references
from portal.dossiers.models import DossierStatus

# The mix of statuses of a bench's files: mostly granted, some still with Flanders.
STATUSES = [
    (DossierStatus.SUBMITTED, 0.15),
    (DossierStatus.INFO_REQUESTED, 0.05),
    (DossierStatus.FORWARDED, 0.10),
    (DossierStatus.RESIDENCE_GRANTED, 0.55),
    (DossierStatus.RESIDENCE_REFUSED, 0.05),
    (DossierStatus.WORK_REFUSED, 0.05),
    (DossierStatus.INADMISSIBLE, 0.05),
]


def bench_app(name: str, **settings) -> Flask:
    """The portal on a new SQLite database in a temporary folder, rate limits off."""
    folder = Path(tempfile.mkdtemp(prefix=f"portal-{name}-bench-"))
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}",
            "UPLOAD_DIR": str(folder / "uploads"),
            "MAIL_DIR": str(folder / "mail"),
            "SECRET_KEY": "bench-secret-key-of-sufficient-length",
            "RATELIMIT_ENABLED": False,
            **settings,
        }
    )


def rate(client, url: str, rounds: int, requests: int) -> float:
    """Median requests per second over `rounds` rounds of `requests` GETs of `url`."""
    rates = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(requests):
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        rates.append(requests / (time.perf_counter() - start))
    return statistics.median(rates)


def random_file(rng: random.Random, seen: set[str]) -> tuple[str, datetime, DossierStatus, bool]:
    """A new reference (not in `seen`), a submission moment in 2023-2025, a status drawn
    from STATUSES, and whether Flanders has decided: what every bench file starts from."""
    reference = references.new_reference(2025)
    while reference in seen:
        reference = references.new_reference(2025)
    seen.add(reference)
    submitted = datetime(2023, 1, 1, 9, tzinfo=UTC) + timedelta(
        minutes=rng.randrange(0, 3 * 365 * 24 * 60)
    )
    states, weights = zip(*STATUSES, strict=True)
    state = rng.choices(states, weights)[0]
    decided = state not in (DossierStatus.SUBMITTED, DossierStatus.INFO_REQUESTED)
    return reference, submitted, state, decided
