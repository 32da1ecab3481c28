"""Periodic jobs: each runs once per period across every worker on every machine.

A job is registered on the app (`register()`), so a plug-in adds its own (the orange
carpet's reminders) without the portal importing it. A job has a period: every N seconds
(`every`), or daily at an hour of Brussels time (`daily_at`, read from a setting so that it
can be changed without code). The period's key is a string: the number of the N-second
slot since the epoch, or the Brussels date of the latest occurrence of the hour (a worker
started after the hour catches up at once; one started before runs it at the hour).

Once per period, across workers:

- **PostgreSQL**: a session-level advisory lock (`pg_try_advisory_lock`) on a connection of
  its own, held while the job runs. A second worker that asks for the same lock skips the
  job. If the holder dies (even SIGKILL), PostgreSQL drops its connection and the lock with
  it, and the next worker runs the job for that period again.
- **Every database**: the `scheduled_run` table records, per job, the last period that was
  run to its end (with the worker, the times and an error). A worker that gets the lock
  re-reads the row and skips a period already done, so a job never runs twice in a period
  even when two workers take the lock one after the other.
- **SQLite** has no advisory locks: it serves one worker (its row is still recorded, so a
  restart does not run a daily job twice).

A failing job is logged, its error recorded, and its period counted as done: it is tried
again next period (the jobs themselves retry per item, like the intake and the outbox).

Why not procrastinate (or another PostgreSQL queue)? It would be a second queue beside
`portal.jobs` (whose claims with leases and `SKIP LOCKED` the outboxes already share),
with its own schema and an asyncio worker, and it runs only on PostgreSQL: the SQLite
development set-up and test suite would lose the worker. The lock and the one-row-per-job
table are thirty lines that run on both.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock
from portal.db import UtcDateTime
from portal.extensions import db
from portal.jobs import safe_text

BRUSSELS = ZoneInfo("Europe/Brussels")
LOCK_NAMESPACE = 0x5C4E  # the high 16 bits of the portal's advisory lock keys


class ScheduledRun(db.Model):
    """The last period each periodic job ran in, to its end."""

    __tablename__ = "scheduled_run"
    job: Mapped[str] = mapped_column(String(80), primary_key=True)
    period: Mapped[str] = mapped_column(String(40))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime] = mapped_column(UtcDateTime())
    worker: Mapped[str] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)


@dataclass(frozen=True)
class Periodic:
    """A job that runs once per period. `run()` does the work and commits what it did."""

    name: str  # stable: the key in `scheduled_run` and in logs
    run: Callable[[], object]
    every: timedelta | None = None
    daily_at: str | None = None  # a setting holding the hour (0-23, Brussels time)
    default_hour: int = 3
    enabled: Callable[[], bool] = lambda: True

    def period(self, now: datetime) -> str:
        """The key of the period `now` falls in."""
        if self.every is not None:
            return f"s{int(now.timestamp() // self.every.total_seconds())}"
        hour = int(current_app.config.get(self.daily_at or "", self.default_hour))
        local = now.astimezone(BRUSSELS)
        day = local.date() if local.hour >= hour else local.date() - timedelta(days=1)
        return day.isoformat()


def register(app, job: Periodic) -> None:
    """Make a periodic job known to `flask worker`."""
    if job.every is None and job.daily_at is None:
        raise ValueError(f"periodic job {job.name} needs `every` or `daily_at`")
    app.extensions.setdefault("periodic_jobs", {})[job.name] = job


def jobs() -> dict[str, Periodic]:
    return current_app.extensions.get("periodic_jobs", {})


def lock_key(name: str) -> int:
    """A stable 64-bit advisory-lock key per job name (the same in every process)."""
    return (LOCK_NAMESPACE << 32) | zlib.crc32(name.encode())


def _done(job: Periodic, period: str) -> bool:
    row = db.session.get(ScheduledRun, job.name)
    done = row is not None and row.period >= period and len(row.period) == len(period)
    db.session.rollback()  # no transaction left open while the job runs or the loop waits
    return done


def run_if_due(job: Periodic, worker: str, now: datetime | None = None) -> bool | None:
    """Run `job` if its current period has not run yet and no other worker is running it.

    True when it ran (even if it failed), None when it was not due or another worker had it.
    """
    if not job.enabled():
        return None
    now = now or clock.now()
    period = job.period(now)
    known = current_app.extensions.setdefault("periodic_done", {})
    if known.get(job.name) == period:  # this process saw it done: no query each round
        return None
    if _done(job, period):
        known[job.name] = period
        return None
    engine = db.engine
    lock = None
    if engine.dialect.name == "postgresql":
        lock = engine.connect()
        got = lock.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": lock_key(job.name)})
        if not got.scalar():
            lock.rollback()
            lock.close()
            return None
        lock.commit()  # the session-level lock outlives the transaction
    try:
        if _done(job, period):  # another worker finished it while we asked for the lock
            return None
        started = clock.now()
        error = None
        try:
            job.run()
            db.session.commit()
        except Exception as failure:  # noqa: BLE001 - a job failing never stops the worker
            db.session.rollback()
            error = safe_text(f"{type(failure).__name__}: {failure}")[:2000]
            current_app.logger.exception("periodic job %s failed", job.name)
        _record(job.name, period, started, worker, error)
        known[job.name] = period
        return True
    finally:
        if lock is not None:
            try:
                lock.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": lock_key(job.name)})
                lock.commit()
            finally:
                lock.close()


def _record(name: str, period: str, started: datetime, worker: str, error: str | None) -> None:
    row = db.session.get(ScheduledRun, name)
    if row is None:
        row = ScheduledRun(job=name)
        db.session.add(row)
    row.period = period
    row.started_at = started
    row.finished_at = clock.now()
    row.worker = worker[:200]
    row.last_error = error
    db.session.commit()


def run_due(worker: str, should_stop: Callable[[], bool] = lambda: False) -> list[str]:
    """Run every registered job whose period is due; the names of those that ran."""
    ran = []
    for job in list(jobs().values()):
        if should_stop():
            break
        if run_if_due(job, worker):
            ran.append(job.name)
    return ran
