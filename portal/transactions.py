"""The request is the unit of work: it commits once, as a mechanism, and retries once.

Commit per request (like Warehouse's `pyramid_tm`): views and services never commit. When
the view has answered, `settle()` commits if the response's status is below 400 and rolls
back otherwise; a view that raised is answered by an error page, which rolls back first
(`portal.errors`), and `rollback_on_error` is the last net for an exception that no
handler turned into a page. So a redirect after a POST has been saved, a 4xx leaves
nothing, and a crash half-way leaves nothing.

Two named ways out, each used with a reason:
- `commit_now(why)`: save what is done so far, before the view goes on (a login stamp
  that must outlive a refused request, an answer's file kept although the answer itself
  was refused). The end of the request still settles what follows.
- `attempt()`: a savepoint around one service call whose domain error the view shows on
  the page (200) or in a flash after a redirect: the failed call leaves nothing, the rest
  of the request is kept.

Deferred work that must only happen once the data is saved (e-mail sent after the
response) asks `committed(obj)`.

One bounded retry for a unit of work that lost a race in the database: row locks
(PostgreSQL) and BEGIN IMMEDIATE with a busy timeout (SQLite) make most races *wait*
instead of fail. What is left are errors that waiting cannot cure: a deadlock or a
serialisation failure on PostgreSQL, and a SQLite lock still held after the busy timeout.
The database has then rolled the whole transaction back, so the only sound answer is to
run the whole unit again from the start, once. This happens in one place: around the
dispatch of every request and its commit (`PortalFlask.dispatch_request`). A second
failure is not retried: it means overload, and retrying again would only add to it; it
becomes a 500 with a request id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import TextClause, event, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from portal.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")

# serialization_failure, deadlock_detected, lock_not_available
RETRYABLE_PGCODES = {"40001", "40P01", "55P03"}
RETRYABLE_SQLITE = ("database is locked", "database is busy", "database table is locked")

# Below this status the request's work is saved; from it on, it is undone.
FIRST_FAILING_STATUS = 400


# Set on a session's `info` when it wrote (a flush, or an UPDATE/DELETE/INSERT statement),
# and when it committed.
WROTE = "portal.transactions.wrote"
COMMITTED = "portal.transactions.committed"


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
def _saved(session: Session) -> None:
    session.info[COMMITTED] = True


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    statement = state.statement
    reads = state.is_select or (
        isinstance(statement, TextClause) and statement.text.lstrip()[:6].upper() == "SELECT"
    )
    if not reads:
        state.session.info[WROTE] = True


def start() -> None:
    """At the start of a request: what the session wrote before is none of its business."""
    db.session.info.pop(WROTE, None)
    db.session.info.pop(COMMITTED, None)


def settle(status: int) -> None:
    """End the request's transaction: commit below 400, roll back from 400 on.

    A request that wrote nothing ends as before, when its session is closed: committing a
    read would only expire the loaded objects (the signed-in user) and cost a query more.
    """
    session = db.session
    wrote = session.info.pop(WROTE, False) or bool(session.new or session.dirty or session.deleted)
    if not wrote:
        return
    if status < FIRST_FAILING_STATUS:
        session.commit()
    else:
        session.rollback()


def commit_now(why: str) -> None:
    """Commit the work done so far, before the view goes on. Say `why` at each use."""
    log.debug("early commit: %s", why)
    db.session.commit()
    db.session.info.pop(WROTE, None)


@contextmanager
def attempt() -> Iterator[None]:
    """A savepoint: if the block raises, its writes are undone and the error goes on."""
    with db.session.begin_nested():
        yield


def committed(obj) -> bool:
    """Whether `obj` has been saved for good: its session committed since the request began,
    and `obj` is still in it (an object added in a rolled-back transaction is not)."""
    state = inspect(obj)
    return state.persistent and bool(state.session.info.get(COMMITTED))


def rollback_on_error(error: BaseException | None) -> None:
    """teardown_request: an exception no error page answered leaves nothing behind."""
    if error is not None:
        try:
            db.session.rollback()
        except Exception:  # noqa: BLE001 - a broken connection must not hide the error
            log.exception("rollback after an unhandled error failed")


def is_retryable(error: BaseException) -> bool:
    """Did the database give up on this transaction because of another one?"""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if code in RETRYABLE_PGCODES:
        return True
    return type(original).__module__.startswith("sqlite3") and any(
        text in str(original).lower() for text in RETRYABLE_SQLITE
    )


def once_more(unit: Callable[[], T], *, before_retry: Callable[[], None] | None = None) -> T:
    """Run `unit`; if the database rejected it for a concurrent one, roll back and run it again."""
    try:
        return unit()
    except DBAPIError as error:
        if not is_retryable(error):
            raise
        log.warning("transaction lost a race (%s); running it once more", error.orig)
        db.session.rollback()
        if before_retry is not None:
            before_retry()
        return unit()
