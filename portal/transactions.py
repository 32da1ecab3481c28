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

Reads in parallel on SQLite (issue 15): a GET or HEAD begins a *deferred* transaction
(`portal.db.READS_ONLY`), so workers rendering pages no longer take turns on the write
lock; everything else stays BEGIN IMMEDIATE. A deferred transaction that reads and then
writes can fail at once with SQLITE_BUSY_SNAPSHOT when another one committed in between, so:
- a GET view that writes (the audit entry of a download) declares it with `@writes` and
  begins immediate, as before;
- the one retry always runs immediate (`once_more`): it waits on the busy timeout and
  cannot meet a stale snapshot, so a late undeclared write costs a retry, never an error;
- an undeclared write on a read request is logged and counted (`UNDECLARED_WRITES`, on
  /metrics), and the tests fail on it (tests/conftest.py), so a new writing GET is found
  by its first test rather than by a retry in production;
- `write_apart` saves a small write known only once the request has read (the session's
  "last seen", the officer's view of a file) in a short immediate transaction of its own.
On PostgreSQL the same mode lets a read request skip its BEGIN and COMMIT: its statements run
in autocommit until the first one that is not a plain read, from which on the request has
its transaction as before (`portal.db._read_in_autocommit`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import Token
from typing import TypeVar

from prometheus_client import Counter
from sqlalchemy import Connection, TextClause, event, inspect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from portal.db import READS_ONLY
from portal.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")

# serialization_failure, deadlock_detected, lock_not_available
RETRYABLE_PGCODES = {"40001", "40P01", "55P03"}
RETRYABLE_SQLITE = ("database is locked", "database is busy", "database table is locked")
# Python 3.11+ names the (extended) result code: SQLITE_BUSY_SNAPSHOT, SQLITE_BUSY_RECOVERY,
# SQLITE_LOCKED_SHAREDCACHE... all say "another connection has the database".
RETRYABLE_SQLITE_CODES = ("SQLITE_BUSY", "SQLITE_LOCKED")

# The methods whose requests only read unless their view declares otherwise (`writes`).
READ_METHODS = frozenset({"GET", "HEAD"})
WRITES_ON_READ = "_portal_writes_on_read"

UNDECLARED_WRITES = Counter(
    "portal_undeclared_read_writes",
    "Writes by a GET/HEAD view that did not declare them (transactions.writes).",
    ["endpoint"],
)

# Below this status the request's work is saved; from it on, it is undone.
FIRST_FAILING_STATUS = 400


# Set on a session's `info` when it wrote (a flush, or an UPDATE/DELETE/INSERT statement),
# and when it committed; UNCOMMITTED from a write until the next commit (a rollback leaves
# it: asking a little more than needed is safe, less is not).
WROTE = "portal.transactions.wrote"
COMMITTED = "portal.transactions.committed"
UNCOMMITTED = "portal.transactions.uncommitted"
# Set once this request's undeclared write was reported, so it is counted once.
REPORTED = "portal.transactions.reported"


def _report_undeclared(session: Session) -> None:
    """Before a write on a read request: count and log it once if the view did not declare it.

    Not an error (the write goes through, or the retry runs immediate), but a view that
    forgot `@writes`: on SQLite its late write may cost a retry under load. Before the
    write, not after: a write that lost the race never reaches after_flush.
    """
    if READS_ONLY.get() and not session.info.get(REPORTED):
        session.info[REPORTED] = True
        endpoint = _endpoint()
        UNDECLARED_WRITES.labels(endpoint).inc()
        log.warning("read request %s wrote without declaring it (transactions.writes)", endpoint)


def _endpoint() -> str:
    from flask import has_request_context, request  # the kernel module stays usable offline

    return (request.endpoint or "unmatched") if has_request_context() else "none"


@event.listens_for(Session, "before_flush")
def _flushing(session: Session, _context, _instances) -> None:
    _report_undeclared(session)


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    session.info[WROTE] = session.info[UNCOMMITTED] = True


@event.listens_for(Session, "after_commit")
def _saved(session: Session) -> None:
    session.info[COMMITTED] = True
    session.info.pop(UNCOMMITTED, None)


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    statement = state.statement
    reads = state.is_select or (
        isinstance(statement, TextClause) and statement.text.lstrip()[:6].upper() == "SELECT"
    )
    if not reads:
        _writing(state.session)


def _writing(session: Session) -> None:
    """A statement that writes is about to run: report it on an undeclared read request,
    and mark the session written (so the request commits it) and not yet committed."""
    _report_undeclared(session)
    session.info[WROTE] = session.info[UNCOMMITTED] = True


def start() -> None:
    """At the start of a request: what the session wrote before is none of its business."""
    if not db.session.registry.has():
        return  # no session yet in this context: it will start empty (and need not be made)
    db.session.info.pop(WROTE, None)
    db.session.info.pop(COMMITTED, None)
    # Changes pending before the request began are not its view's writes (a test's setup
    # shares the session with its requests; in production the session starts empty).
    session = db.session
    if session.new or session.dirty or session.deleted:
        session.info[REPORTED] = True
    else:
        session.info.pop(REPORTED, None)


def may_hold_changes() -> bool:
    """Whether the session may hold changes that are not committed: written since its last
    commit, or pending. What it reads then may be its own, not yet everyone's: a value kept
    for all must not be made from it."""
    session = db.session
    return bool(session.info.get(UNCOMMITTED) or session.new or session.dirty or session.deleted)


def undeclared_writes() -> dict[str, float]:
    """{endpoint: count} of the read requests that wrote without declaring it, so far."""
    return {
        sample.labels["endpoint"]: sample.value
        for metric in UNDECLARED_WRITES.collect()
        for sample in metric.samples
        if sample.name.endswith("_total")
    }


def writes(view: Callable[..., T]) -> Callable[..., T]:
    """Declare that a GET view writes (e.g. audits the read): its transaction begins
    immediate on SQLite, as a POST's does. Put it under the route decorator; decorators
    built with functools.wraps carry the mark outwards."""
    setattr(view, WRITES_ON_READ, True)
    return view


def declares_writes(view: Callable | None) -> bool:
    return bool(getattr(view, WRITES_ON_READ, False))


def enter_request(method: str, view: Callable | None) -> Token:
    """At the start of a request, before any query: reads begin deferred, writes immediate.
    Returns the token `leave_request` needs to restore the mode of what runs after."""
    return READS_ONLY.set(method in READ_METHODS and not declares_writes(view))


def leave_request(token: Token) -> None:
    """At the end of a request: what runs next in this thread (a test, a CLI command)
    begins immediate again."""
    READS_ONLY.reset(token)


def write_mode() -> None:
    """From the next transaction of this request on, begin immediate (SQLite)."""
    READS_ONLY.set(False)


def _deferred_sqlite() -> bool:
    return READS_ONLY.get() and db.session.get_bind().dialect.name == "sqlite"


def write_apart(write: Callable[[], object], why: str, *, keep: tuple = ()) -> None:
    """Run `write` and commit it now; on a read request on SQLite, in a short immediate
    transaction of its own.

    For a write that the request's reads decide (the session's "last seen") or that must be
    on record before a page is shown (an officer's view of a file): writing it in the
    deferred transaction that read could meet a stale snapshot, so that transaction ends
    first (a change it holds is rolled back) and `write` runs under the write lock, on
    fresh rows: it must decide again, from what it reads. The rest of the request reads
    deferred as before.

    `keep`: loaded objects whose values the rest of the request may go on showing as read
    (the officer and the file of an audited view, which the write only names by id). The
    two commits leave them loaded instead of expiring them, which would read each again
    in full (a file has a hundred columns) once in `write` and once more after it. Every
    other object is expired as usual, so nothing else is read stale.
    """
    if _deferred_sqlite():
        session = db.session
        if session.new or session.dirty or session.deleted:
            # A change decided on the reads (the touch): dropped with the stale snapshot,
            # and decided again by `write` on fresh rows under the lock.
            session.rollback()
        else:
            # Only reads (an audited read): ending the transaction is all that is needed,
            # and a commit keeps what was flushed before it (a test's own setup, which
            # shares the session; in production a read request has flushed nothing).
            _commit_keeping(keep)
    # On every database a sanctioned write, not an undeclared one (`_report_undeclared`).
    token = READS_ONLY.set(False)
    try:
        write()
        log.debug("early commit: %s", why)
        _commit_keeping(keep)
        db.session.info.pop(WROTE, None)
    finally:
        READS_ONLY.reset(token)


def abandon(status: int) -> None:
    """End a refused request's transaction before its error page: what it wrote is undone.

    A refusal that wrote nothing (a 404, a 403: most error pages) ends as a read does
    (`_end_read`) on PostgreSQL, so that a run of refusals (a crawler's 404s) does not
    make the connection forget its prepared statements. Everything else rolls back, as
    every error page did: a write, a server error (its transaction may have failed in
    the database), or a commit that does not go through.
    """
    session = db.session()
    if status < 500 and not _holds_writes(session):
        try:
            if _end_read(session):
                return
        except DBAPIError:
            log.warning("ending a refused read failed; rolling back", exc_info=True)
    session.rollback()


def _holds_writes(session: Session) -> bool:
    """Whether the session wrote in this request (`WROTE`) or holds unsaved changes."""
    return bool(session.info.get(WROTE) or session.new or session.dirty or session.deleted)


def _end_read(session: Session) -> bool:
    """End a transaction that only read: on PostgreSQL with a commit that keeps the loaded
    objects loaded; elsewhere it is left to the session's close, which rolls it back.
    True when it ended one.

    psycopg forgets every statement it prepared on a connection when that connection rolls
    back (a rollback may undo a schema change they depend on), and closing a session that
    only read rolls back. So no statement of a read request ever reached the five runs
    after which psycopg has PostgreSQL keep it prepared, and PostgreSQL parsed and planned
    every statement of every page anew: 0.5 ms for the user's loader, 1 to 1.6 ms for the
    queue's rows (issue 15). A commit ends a read all the same, and keeps them.
    """
    if not session.in_transaction() or session.get_bind().dialect.name != "postgresql":
        return False
    _commit_unexpired(session)
    return True


def _commit_unexpired(session: Session) -> None:
    """Commit, leaving the loaded objects as they were read."""
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring


def _commit_keeping(keep: tuple) -> None:
    """Commit; expire every loaded object but those in `keep` (all of them when empty)."""
    session = db.session()
    if not keep:
        session.commit()
        return
    _commit_unexpired(session)
    # A view passes `current_user`, a proxy: what is kept is the object behind it.
    kept = {id(obj._get_current_object() if isinstance(obj, LocalProxy) else obj) for obj in keep}
    for obj in list(session.identity_map.values()):
        if id(obj) not in kept:
            session.expire(obj)


def settle(status: int) -> None:
    """End the request's transaction: commit below 400, roll back from 400 on.

    A request that wrote nothing is left to `end_request`: committing a read here would
    expire the loaded objects (the signed-in user), and reading one again would cost a
    query more.
    """
    session = db.session
    wrote = _holds_writes(session())
    session.info.pop(WROTE, None)
    if not wrote:
        return
    if status < FIRST_FAILING_STATUS:
        session.commit()
    else:
        session.rollback()


def plain_reads() -> Connection:
    """The request's transaction, for reads of plain columns (lists of many rows): the
    ORM's result handling and its statement events (which only watch writes) are skipped.
    What the session holds unsaved is saved first, as the ORM's own reads would."""
    session = db.session()
    if session.autoflush:
        session.flush()
    return session.connection()


def plain_writes() -> Connection:
    """The request's transaction, for writes of plain rows nobody reads back as objects (an
    audited read's entry): the ORM's statement handling is skipped, about a third of such a
    statement's time (issue 15). The session is marked as an ORM write marks it, first: so
    the request commits it (`settle`), and a read request that did not declare it is
    reported. What the session holds unsaved is saved first, as before any write."""
    session = db.session()
    if session.new or session.dirty or session.deleted:
        session.flush()
    _writing(session)
    return session.connection()


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


def end_request(error: BaseException | None) -> None:
    """teardown_request: the request's transaction ends here at the latest.

    After an exception no error page answered: a rollback (`rollback_on_error`). Else a
    transaction still open that only read (the view's, when it wrote nothing, or one an
    error page or an after-request hook began) ends as a read does (`_end_read`), before
    the session's close would roll it back. A transaction holding an unsettled write is
    left to that close.
    """
    if error is not None:
        rollback_on_error(error)
        return
    if not db.session.registry.has():
        return  # no session in this request: nothing to end (a kept public page)
    session = db.session()
    if _holds_writes(session):
        return
    try:
        _end_read(session)
    except DBAPIError:
        log.warning("ending a read failed; the session's close rolls it back", exc_info=True)


def is_retryable(error: BaseException) -> bool:
    """Did the database give up on this transaction because of another one?"""
    if not isinstance(error, DBAPIError):
        return False
    original = error.orig
    code = getattr(original, "sqlstate", None) or getattr(original, "pgcode", None)
    if code in RETRYABLE_PGCODES:
        return True
    if not type(original).__module__.startswith("sqlite3"):
        return False
    # SQLITE_BUSY_SNAPSHOT (a deferred transaction's write after another one committed)
    # reads "database is locked" too; the code name says it without parsing the message.
    name = getattr(original, "sqlite_errorname", None) or ""
    return name.startswith(RETRYABLE_SQLITE_CODES) or any(
        text in str(original).lower() for text in RETRYABLE_SQLITE
    )


def once_more(unit: Callable[[], T], *, before_retry: Callable[[], None] | None = None) -> T:
    """Run `unit`; if the database rejected it for a concurrent one, roll back and run it again.

    The second run begins immediate on SQLite, whatever the request's mode: a read request
    that lost a race with a late write would lose it again with a deferred BEGIN, while an
    immediate one waits for the lock on the busy timeout and reads a fresh snapshot.
    """
    try:
        return unit()
    except DBAPIError as error:
        if not is_retryable(error):
            raise
        log.warning("transaction lost a race (%s); running it once more", error.orig)
        db.session.rollback()
        write_mode()
        if before_retry is not None:
            before_retry()
        return unit()
