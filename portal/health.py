"""Readiness (`/readyz`) and metrics (`/metrics`, Prometheus text format).

`/readyz` answers 200 only when the database answers, its migrations are at the head of
the code's (Alembic `current` == `heads`), and a worker wrote its heartbeat within
`WORKER_HEARTBEAT_MAX_AGE` seconds; otherwise 503 with a small JSON saying which check
failed. `/healthz` (portal/home.py) stays the plain liveness check.

`/metrics` is for the monitoring only: with `METRICS_TOKEN` set it wants
`Authorization: Bearer <token>`; without one it answers loopback clients only. It gives

- per endpoint, the request count (by method and status) and the latency histogram,
  counted in each process; under gunicorn set `PROMETHEUS_MULTIPROC_DIR` (the repo's
  gunicorn.conf.py does) and every worker process's counts are added up;
- read from the database at scrape time, so any instance gives the same answer: per queue
  the items waiting, the age of the oldest waiting item and the parked (dead-lettered)
  items; the age of the freshest worker heartbeat; and whatever the domains add through
  `add_source()` (the e-mail intake adds its outcomes).
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
import os
import time
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask, Response, current_app, g, jsonify, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from portal import clock, jobs, scheduler
from portal.extensions import db
from portal.security import public

bp = Blueprint("health", __name__)
# Labels stay few whatever a client sends: unknown methods count as "other", unknown paths
# as the endpoint "unmatched".
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUESTS_REGISTRY = CollectorRegistry(auto_describe=True)
REQUESTS = Counter(
    "portal_http_requests",
    "HTTP requests answered, by endpoint, method and status.",
    ["endpoint", "method", "status"],
    registry=REQUESTS_REGISTRY,
)
LATENCY = Histogram(
    "portal_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint.",
    ["endpoint"],
    registry=REQUESTS_REGISTRY,
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


def add_source(app: Flask, source: Callable[[], Iterable]) -> None:
    """A domain adds metric families read at scrape time (it must not write anything)."""
    app.extensions.setdefault("metrics_sources", []).append(source)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR")


# --- readiness ---------------------------------------------------------------------------


def _migration_heads() -> set[str]:
    cached = current_app.extensions.get("migration_heads")
    if cached is None:
        from alembic.script import ScriptDirectory

        config = current_app.extensions["migrate"].migrate.get_config()
        cached = set(ScriptDirectory.from_config(config).get_heads())
        current_app.extensions["migration_heads"] = cached
    return cached


def _current_revisions() -> set[str]:
    from alembic.runtime.migration import MigrationContext

    return set(MigrationContext.configure(db.session.connection()).get_current_heads())


def readiness() -> dict[str, str]:
    """Each check's outcome: "ok", or a word saying what is wrong."""
    from portal.worker import heartbeat_max_age, last_heartbeat

    checks = {"database": "ok", "migrations": "unknown", "worker": "unknown"}
    try:
        db.session.execute(text("SELECT 1"))
    except Exception as error:  # noqa: BLE001 - any failure of the database: not ready
        current_app.logger.warning("readyz: database: %s", type(error).__name__)
        checks["database"] = "unavailable"
        return checks
    try:
        checks["migrations"] = "ok" if _current_revisions() == _migration_heads() else "not at head"
        seen = last_heartbeat()
        if seen is None:
            checks["worker"] = "no heartbeat"
        elif (clock.now() - seen).total_seconds() > heartbeat_max_age():
            checks["worker"] = "heartbeat too old"
        else:
            checks["worker"] = "ok"
    except Exception as error:  # noqa: BLE001 - a missing table (not migrated) is "not ready"
        current_app.logger.warning("readyz: %s", type(error).__name__)
        if checks["migrations"] == "unknown":
            checks["migrations"] = "unreadable"
        checks["worker"] = "unreadable" if checks["worker"] == "unknown" else checks["worker"]
    return checks


@bp.get("/readyz")
@public
def readyz():
    checks = readiness()
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        checks["database"] = "unavailable"
    ready = all(value == "ok" for value in checks.values())
    failed = sorted(name for name, value in checks.items() if value != "ok")
    body = {"status": "ok" if ready else "unavailable", "checks": checks}
    if failed:
        body["failed"] = failed
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    response.headers["Cache-Control"] = "no-store"
    return response


# --- metrics -----------------------------------------------------------------------------


def _allowed() -> bool:
    token = current_app.config.get("METRICS_TOKEN") or ""
    if token:
        given = request.headers.get("Authorization", "")
        scheme, _, value = given.partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(
            value.strip().encode(), token.encode()
        )
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


class _DatabaseCollector:
    """Queue depths, parked items, heartbeat age and the domains' sources, read now."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self):
        waiting = GaugeMetricFamily(
            "portal_queue_waiting",
            "Items not yet delivered (due or backing off).",
            labels=["queue"],
        )
        oldest = GaugeMetricFamily(
            "portal_queue_oldest_waiting_seconds",
            "Age of the oldest item not yet delivered (0 when none).",
            labels=["queue"],
        )
        parked = GaugeMetricFamily(
            "portal_queue_parked", "Items parked after too many failures.", labels=["queue"]
        )
        for name, queue in jobs.queues().items():
            depth = jobs.depth(queue)
            waiting.add_metric([name], depth.waiting)
            oldest.add_metric([name], depth.oldest_waiting_seconds or 0.0)
            parked.add_metric([name], depth.parked)
        yield from (waiting, oldest, parked)
        from portal.worker import last_heartbeat

        seen = last_heartbeat()
        age = GaugeMetricFamily(
            "portal_worker_heartbeat_age_seconds",
            "Seconds since the freshest worker heartbeat (-1: none).",
        )
        age.add_metric([], (clock.now() - seen).total_seconds() if seen else -1)
        yield age
        runs = GaugeMetricFamily(
            "portal_periodic_last_run_timestamp_seconds",
            "When each periodic job last finished (Unix time).",
            labels=["job", "failed"],
        )
        for row in db.session.scalars(db.select(scheduler.ScheduledRun)):
            runs.add_metric([row.job, "1" if row.last_error else "0"], row.finished_at.timestamp())
        yield runs
        for source in self.app.extensions.get("metrics_sources", []):
            yield from source()


class _ProcessCollector:
    def collect(self):
        yield from REQUESTS_REGISTRY.collect()


@bp.get("/metrics")
@public
def metrics():
    if not _allowed():
        return Response("metrics: not allowed\n", status=403, mimetype="text/plain")
    registry = CollectorRegistry()
    folder = multiprocess_dir()
    if folder:
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry, path=folder)
    else:
        registry.register(_ProcessCollector())
    registry.register(_DatabaseCollector(current_app._get_current_object()))
    try:
        body = generate_latest(registry)
    finally:
        db.session.rollback()
    response = Response(body, mimetype=CONTENT_TYPE_LATEST)
    response.headers["Cache-Control"] = "no-store"
    return response


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.before_request
    def start_timer() -> None:
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count(response):
        started = g.pop("metrics_started", None)
        req = request._get_current_object()  # one context lookup, not four
        endpoint = req.endpoint or "unmatched"
        try:
            method = req.method if req.method in METHODS else "other"
            counter, latency = _series(endpoint, method, response.status_code)
            counter.inc()
            if started is not None:
                latency.observe(time.perf_counter() - started)
        except Exception:  # noqa: BLE001 - metrics never break an answer
            current_app.logger.exception("metrics: counting failed")
        return response


@functools.cache
def _series(endpoint: str, method: str, status: int) -> tuple:
    """The counter and the histogram of one (endpoint, method, status), found once.

    `labels()` checks, formats and looks up the labels under a lock on every call, a tenth
    of a cached page's time; the set is bounded as the labels are (the app's endpoints,
    METHODS and "other", the statuses a response can have).
    """
    return REQUESTS.labels(endpoint, method, str(status)), LATENCY.labels(endpoint)
