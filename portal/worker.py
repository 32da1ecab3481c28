"""`flask --app wsgi worker`: all background work, until SIGTERM; several may run at once.

Each round the worker

1. delivers every registered queue (`portal.jobs`: e-mail, DVZ messages, the plug-ins'
   webhooks), one claimed item at a time: `SKIP LOCKED` and a lease, so another worker
   never takes the same item and a worker killed mid-item leaves only that item to be
   done again once its lease has run out;
2. runs the periodic jobs that are due (`portal.scheduler`: once per period across all
   workers): the intake poll, the audit seal, the upload sweep, the plug-ins' reminders;
3. writes its heartbeat (`worker_heartbeat`), which `/readyz` reads.

It waits `WORKER_IDLE_SECONDS` only when a round found nothing to do. SIGTERM (or Ctrl-C)
lets the item in hand finish and its outcome be committed, then the worker says goodbye
(removes its heartbeat) and exits 0. A database outage is logged and waited out: the
heartbeat goes stale meanwhile, so the readiness check tells.
"""

from __future__ import annotations

import os
import signal
import socket
import threading
import time
from datetime import datetime, timedelta

import click
from flask import Flask, current_app
from sqlalchemy import String, delete
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock, jobs, scheduler
from portal.db import UtcDateTime
from portal.extensions import db

HEARTBEAT_SECONDS = 15
HEARTBEAT_MAX_AGE = 60  # /readyz: a worker is alive if it wrote within this many seconds
FORGET_AFTER = timedelta(days=1)  # heartbeats of workers gone this long are removed
OUTAGE_PAUSE = 5.0


class WorkerHeartbeat(db.Model):
    """One row per running worker: who it is, since when, and when it was last seen."""

    __tablename__ = "worker_heartbeat"
    name: Mapped[str] = mapped_column(String(200), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    last_seen: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def beat(name: str, started: datetime) -> None:
    """Record that worker `name` is alive; forget workers long gone. Commits."""
    now = clock.now()
    row = db.session.get(WorkerHeartbeat, name)
    if row is None:
        db.session.add(WorkerHeartbeat(name=name, started_at=started, last_seen=now))
    else:
        row.last_seen = now
    db.session.execute(
        delete(WorkerHeartbeat).where(WorkerHeartbeat.last_seen < now - FORGET_AFTER)
    )
    db.session.commit()


def last_heartbeat() -> datetime | None:
    """When the most recent worker was last seen (None: never)."""
    return db.session.scalar(
        db.select(WorkerHeartbeat.last_seen).order_by(WorkerHeartbeat.last_seen.desc()).limit(1)
    )


def heartbeat_max_age() -> float:
    return float(current_app.config.get("WORKER_HEARTBEAT_MAX_AGE", HEARTBEAT_MAX_AGE))


class Worker:
    """The loop of one worker process. `stop` ends it after the item in hand."""

    def __init__(self, *, idle: float = 1.0, batch: int = 50, name: str | None = None) -> None:
        self.name = name or worker_name()
        self.idle, self.batch = idle, batch
        self.stop = threading.Event()
        self.started = clock.now()
        self.delivered = 0
        self.failed = 0
        self.next_beat = 0.0

    def beat_if_due(self) -> None:
        """The heartbeat, every WORKER_HEARTBEAT_SECONDS, also in the middle of a long round."""
        if time.monotonic() >= self.next_beat:
            beat(self.name, self.started)
            every = float(current_app.config.get("WORKER_HEARTBEAT_SECONDS", HEARTBEAT_SECONDS))
            self.next_beat = time.monotonic() + every

    def deliver_round(self) -> int:
        """Up to `batch` items of each queue, each claimed on its own; how many were done."""
        worked = 0
        for queue in list(jobs.queues().values()):
            report = jobs.Report()
            for _ in range(self.batch):
                if self.stop.is_set():
                    break
                item_id = jobs.claim(queue)
                if item_id is None:
                    break
                jobs.process_claimed(queue, item_id, report)
                worked += 1
                self.beat_if_due()
            self.delivered += report.sent
            self.failed += report.failed
        return worked

    def run(self, *, rounds: int | None = None) -> None:
        """Loop until stopped (or for `rounds` rounds, for tests)."""
        done = 0
        while not self.stop.is_set() and (rounds is None or done < rounds):
            done += 1
            try:
                self.beat_if_due()
                worked = self.deliver_round()
                if not self.stop.is_set():
                    scheduler.run_due(self.name, self.stop.is_set)
            except (OperationalError, InterfaceError):
                current_app.logger.exception("worker %s: database unavailable", self.name)
                _quiet_rollback()
                self.stop.wait(OUTAGE_PAUSE)
                continue
            if not worked and rounds is None:
                self.stop.wait(self.idle)
        self.goodbye()

    def goodbye(self) -> None:
        try:
            db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.name == self.name))
            db.session.commit()
        except Exception:  # noqa: BLE001 - leaving; the row ages out
            _quiet_rollback()


def _quiet_rollback() -> None:
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001
        current_app.logger.exception("rollback failed")


def register_periodic(app: Flask) -> None:
    """The kernel's own periodic jobs (domains and plug-ins register theirs)."""
    from portal import audit, uploads_sweep

    def seal() -> None:
        audit.seal()
        db.session.commit()

    def sweep() -> None:
        result = uploads_sweep.sweep()
        current_app.logger.info("upload sweep: %s leftovers removed", result.removed)

    scheduler.register(app, scheduler.Periodic("audit.seal", seal, every=timedelta(hours=1)))
    scheduler.register(
        app, scheduler.Periodic("uploads.sweep", sweep, daily_at="UPLOADS_SWEEP_HOUR")
    )


def register_cli(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--idle", type=float, help="Seconds to wait when idle (WORKER_IDLE_SECONDS).")
    @click.option("--batch", default=50, show_default=True, help="Items per queue per round.")
    def worker_command(idle: float | None, batch: int) -> None:
        """All background work until SIGTERM: queues, periodic jobs, heartbeat."""
        if idle is None:
            idle = float(current_app.config.get("WORKER_IDLE_SECONDS", 1.0))
        worker = Worker(idle=idle, batch=batch)

        def stop(signum, _frame) -> None:
            worker.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        names = ", ".join(jobs.queues()) or "none"
        periodic = ", ".join(scheduler.jobs()) or "none"
        click.echo(f"worker {worker.name}: queues {names}; periodic {periodic}")
        worker.run()
        click.echo(
            f"worker {worker.name}: stopped; sent {worker.delivered}, failed {worker.failed}"
        )
