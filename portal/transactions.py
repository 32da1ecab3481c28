"""One bounded retry for a unit of work that lost a race in the database.

Row locks (PostgreSQL) and BEGIN IMMEDIATE with a busy timeout (SQLite) make most races
*wait* instead of fail. What is left are errors that waiting cannot cure: a deadlock or a
serialisation failure on PostgreSQL, and a SQLite lock still held after the busy timeout.
The database has then rolled the whole transaction back, so the only sound answer is to
run the whole unit again from the start, once. This happens in one place: around the
dispatch of every request (`PortalFlask.dispatch_request`), because a request is the unit
of work here (views commit once, at their end). A second failure is not retried: it means
overload, and retrying again would only add to it; it becomes a 500 with a request id.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from sqlalchemy.exc import DBAPIError

from portal.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")

# serialization_failure, deadlock_detected, lock_not_available
RETRYABLE_PGCODES = {"40001", "40P01", "55P03"}
RETRYABLE_SQLITE = ("database is locked", "database is busy", "database table is locked")


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
