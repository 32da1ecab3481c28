"""What every benchmark shares: an app on a fresh SQLite file, and a request-rate timer."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from flask import Flask

from portal import create_app


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
