"""Claims, leases and retries: the one mechanism behind every outbox worker.

A queue is a table of items, each with `next_attempt_at`, `attempts`, `last_error`,
`sent_at`, and the two columns of `Claimable`: `claimed_until` (the lease) and `parked_at`
(the dead letter). `run()` takes the due items one at a time:

1. **Claim** in a short transaction: on PostgreSQL `SELECT … FOR UPDATE SKIP LOCKED`,
   elsewhere a conditional `UPDATE`; either way the item gets a lease (`claimed_until`).
   A second worker skips it; a worker killed mid-item leaves it to be taken again once the
   lease has run out. So at most the item in flight is ever done twice.
2. **Process** it with the queue's function, then record the outcome in its own
   transaction: `sent_at` on success; on *any* exception the attempt, the error and the
   next attempt with capped exponential backoff (`MAX_BACKOFF`). After `JOBS_MAX_ATTEMPTS`
   attempts the item is **parked**: staff see it on /admin/parked and may retry it.
3. Go on with the next item. Only the database itself failing stops a run (the command
   then exits non-zero).

Queues register themselves on the app (`register()`), so a plug-in adds its own without
the portal importing it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import Index, String, and_, func, or_, select, text, update
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.orm import Mapped, mapped_column

from portal import clock, logs
from portal.db import UtcDateTime
from portal.extensions import db

FIRST_RETRY = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
DEFAULT_MAX_ATTEMPTS = 20
DEFAULT_LEASE = timedelta(minutes=5)
ERROR_CHARS = 2000
_log = logging.getLogger(logs.JOBS)
# Errors of the database itself: not the item's fault, so they stop the run.
INFRASTRUCTURE = (OperationalError, InterfaceError)


class Claimable:
    """The lease and the dead letter of a queue item (beside its attempts and errors).

    A model using it also declares `due_index(tablename)` in its `__table_args__`.
    """

    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    parked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The request (or job) that queued the item, for the worker's log lines about it.
    request_id: Mapped[str | None] = mapped_column(String(64), default=logs.current_request_id)

    @property
    def parked(self) -> bool:
        return self.parked_at is not None


def due_index(table: str) -> Index:
    """Only the items still waiting, by due time: "due and unclaimed" stays cheap."""
    waiting = text("sent_at IS NULL AND parked_at IS NULL")
    return Index(
        f"ix_{table}_waiting", "next_attempt_at", sqlite_where=waiting, postgresql_where=waiting
    )


@dataclass(frozen=True)
class Queue:
    """What a worker needs to know about one outbox table."""

    name: str  # stable: in URLs and logs
    model: type
    process: Callable[[object], None]  # does the work or raises
    title: object = ""  # lazily translated, for the back-office page
    describe: Callable[[object], str] = str  # one line about an item, for staff
    pending: Callable[[], Iterable] = lambda: ()  # extra conditions (e.g. not cancelled)


@dataclass
class Report:
    sent: int = 0
    failed: int = 0
    parked: int = 0
    errors: list[tuple[int, str]] = field(default_factory=list)

    def __iter__(self):  # `sent, failed = run(...)`, as the old loops returned
        return iter((self.sent, self.failed))


def register(app, queue: Queue) -> None:
    """Make a queue known to the worker and to the page of parked items."""
    app.extensions.setdefault("job_queues", {})[queue.name] = queue


def queues() -> dict[str, Queue]:
    return current_app.extensions.get("job_queues", {})


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … after the 1st, 2nd, 3rd failure; never more than MAX_BACKOFF."""
    exponent = min(max(attempts - 1, 0), 20)
    return min(FIRST_RETRY * 2**exponent, MAX_BACKOFF)


def max_attempts() -> int:
    return int(current_app.config.get("JOBS_MAX_ATTEMPTS", DEFAULT_MAX_ATTEMPTS))


def lease() -> timedelta:
    seconds = current_app.config.get("JOBS_LEASE_SECONDS")
    return timedelta(seconds=float(seconds)) if seconds is not None else DEFAULT_LEASE


def _due(queue: Queue, now: datetime):
    model = queue.model
    return and_(
        model.sent_at.is_(None),
        model.parked_at.is_(None),
        model.next_attempt_at <= now,
        or_(model.claimed_until.is_(None), model.claimed_until <= now),
        *queue.pending(),
    )


def claim(queue: Queue, ids: Iterable[int] | None = None) -> int | None:
    """Lease the next due item to this worker and commit; its id, or None when none is due."""
    model = queue.model
    now = clock.now()
    query = select(model.id).where(_due(queue, now)).order_by(model.id).limit(1)
    if ids is not None:
        query = query.where(model.id.in_(list(ids)))
    if db.session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    for _ in range(5):  # another worker may take the candidate first (SQLite)
        item_id = db.session.scalar(query)
        if item_id is None:
            db.session.commit()
            return None
        taken = db.session.execute(
            update(model)
            .where(model.id == item_id, _due(queue, now))
            .values(claimed_until=now + lease())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        if taken.rowcount == 1:
            return item_id
    return None


def run(queue: Queue, *, limit: int = 100, ids: Iterable[int] | None = None) -> Report:
    """Process up to `limit` due items of `queue`, each claimed and committed on its own."""
    report = Report()
    ids = None if ids is None else list(ids)
    for _ in range(limit):
        item_id = claim(queue, ids)
        if item_id is None:
            break
        process_claimed(queue, item_id, report)
    return report


def process_claimed(queue: Queue, item_id: int, report: Report | None = None) -> bool:
    """Do one claimed item and record its outcome; True when it is done."""
    report = report if report is not None else Report()
    item = db.session.get(queue.model, item_id)
    if item is None:
        return False
    # Log lines (and items queued) while doing it carry the id of the request that queued it.
    with logs.job_context(getattr(item, "request_id", None)):
        try:
            queue.process(item)
            item.attempts = (item.attempts or 0) + 1
            item.sent_at = clock.now()
            item.claimed_until = None
            attempts = item.attempts
            db.session.commit()
        except INFRASTRUCTURE as error:
            if _is_infrastructure(error):
                db.session.rollback()
                raise
            _record_failure(queue, item_id, error, report)
            return False
        except Exception as error:  # noqa: BLE001 - any failure of the item is recorded on it
            _record_failure(queue, item_id, error, report)
            return False
        _log.info(
            "%s item %s delivered",
            queue.name,
            item_id,
            extra={"queue": queue.name, "item_id": item_id, "attempts": attempts},
        )
    report.sent += 1
    return True


def _is_infrastructure(error: DBAPIError) -> bool:
    """The database is gone (not a bad value): stop, and let the command exit non-zero."""
    if getattr(error, "connection_invalidated", False):
        return True
    try:
        db.session.rollback()
        db.session.execute(select(1))
        db.session.rollback()
    except Exception:  # noqa: BLE001
        return True
    return False


def _record_failure(queue: Queue, item_id: int, error: BaseException, report: Report) -> None:
    db.session.rollback()
    text = f"{type(error).__name__}: {error}"
    current_app.logger.warning("%s item %s failed: %s", queue.name, item_id, text[:500])
    item = db.session.get(queue.model, item_id)
    if item is None:
        return
    item.attempts = (item.attempts or 0) + 1
    item.last_error = safe_text(text)[:ERROR_CHARS]
    item.claimed_until = None
    now = clock.now()
    item.next_attempt_at = now + backoff(item.attempts)
    parked_now = item.attempts >= max_attempts()
    if parked_now:
        item.parked_at = now
        report.parked += 1
    report.failed += 1
    report.errors.append((item_id, item.last_error))
    attempts = item.attempts
    db.session.commit()
    if parked_now:
        _log.error(
            "%s item %s parked after %s attempts",
            queue.name,
            item_id,
            attempts,
            extra={"queue": queue.name, "item_id": item_id, "attempts": attempts},
        )


def safe_text(text: str) -> str:
    """No lone surrogates and no NUL bytes: any database can store it."""
    return (
        text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "\N{REPLACEMENT CHARACTER}")
    )


@dataclass(frozen=True)
class Depth:
    waiting: int  # not sent, not parked (due or not yet)
    parked: int
    oldest_waiting_seconds: float | None  # age of the oldest item still waiting


def depth(queue: Queue) -> Depth:
    """How full a queue is: for metrics and readiness checks."""
    model = queue.model
    waiting_clause = and_(model.sent_at.is_(None), model.parked_at.is_(None), *queue.pending())
    waiting, oldest = db.session.execute(
        select(func.count(model.id), func.min(model.created_at)).where(waiting_clause)
    ).one()
    parked_count = db.session.scalar(
        select(func.count(model.id)).where(model.parked_at.is_not(None))
    )
    if oldest is not None and oldest.tzinfo is None:
        oldest = oldest.replace(tzinfo=UTC)
    age = (clock.now() - oldest).total_seconds() if oldest is not None else None
    return Depth(waiting, parked_count, age)


def parked(queue: Queue, limit: int = 200) -> list:
    model = queue.model
    return list(
        db.session.scalars(
            select(model).where(model.parked_at.is_not(None)).order_by(model.id.desc()).limit(limit)
        )
    )


def retry(queue: Queue, item_id: int):
    """Put a parked item back in the queue, due now, with a fresh count; the caller commits."""
    item = db.session.get(queue.model, item_id)
    if item is None or item.parked_at is None:
        return None
    item.parked_at = None
    item.claimed_until = None
    item.attempts = 0
    item.next_attempt_at = clock.now()
    return item


def _queue_for(actor, name: str) -> Queue:
    from portal.errors import NotAllowed, NotFound

    if actor is None or getattr(actor.role, "value", None) != "admin":
        raise NotAllowed
    found = queues().get(name)
    if found is None:
        raise NotFound
    return found


def parked_items(actor) -> list[tuple[Queue, list]]:
    """Every registered queue with its parked items, for an administrator."""
    return [(queue, parked(_queue_for(actor, name))) for name, queue in queues().items()]


def retry_parked(actor, name: str, item_id: int):
    """An administrator sends a parked item again; recorded in the audit trail."""
    from portal import audit
    from portal.errors import NotFound

    queue = _queue_for(actor, name)
    item = retry(queue, item_id)
    if item is None:
        raise NotFound
    audit.record("jobs:parked_retried", actor_id=actor.id, detail=f"{name} {item_id}")
    return item
