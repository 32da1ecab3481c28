"""Declarative base with a naming convention, and shared column mixins."""

from __future__ import annotations

import enum
import functools
import re
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, date, datetime
from typing import Any

from psycopg.pq import TransactionStatus
from sqlalchemy import (
    ColumnElement,
    DateTime,
    Enum,
    MetaData,
    TypeDecorator,
    event,
    literal_column,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import Pool

from portal import clock

# Stable constraint names make Alembic migrations identical on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UtcDateTime(TypeDecorator):
    """A moment in UTC, aware on every database (SQLite forgets the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


def str_enum(cls: type[enum.Enum]) -> Enum:
    """Store an enum by its value (stable, lowercase), as a string on every database."""
    return Enum(cls, values_callable=lambda e: [m.value for m in e], native_enum=False, length=20)


# What `constant` writes into a statement: a 64-bit integer, or a word of the code's own
# vocabulary (quoted).
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_INTEGERS = range(-(2**63), 2**63)


def constant(value: int | str | date | enum.Enum, type_: Any = None) -> ColumnElement:
    """`value` written into the statement's SQL, where a bound parameter would send it apart:
    for values fixed in the code (a status, a page's size), never for what a user gives.

    Why: PostgreSQL plans a statement that has parameters again on every execution unless
    the plan it would keep is estimated no dearer than the plans made for the values, and
    a LIMIT it cannot see is estimated dear. So it planned the pages of the staff's lists
    on every view, and planning the helpdesk's proofs (seven tables joined) took 2.2 ms
    against 0.2 ms to run them. A statement without parameters is planned once per
    connection (psycopg prepares it after its fifth run) and its plan kept (issue 15).
    Only 64-bit integers, days (written 2026-12-06) and words of letters, digits, `_`, `.`
    and `-`: nothing to quote, so nothing a value holds can change the statement.
    """
    if isinstance(value, enum.Enum):
        value = value.value
    if isinstance(value, date) and not isinstance(value, datetime):
        value = value.isoformat()
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise TypeError(f"not a constant for a statement: {value!r}")
    if isinstance(value, int):
        if value not in _INTEGERS:
            raise ValueError(f"not a constant for a statement: {value!r}")
        return literal_column(str(value), type_)
    if not _WORD.fullmatch(value):
        raise ValueError(f"not a constant for a statement: {value!r}")
    return literal_column(f"'{value}'", type_)


def equals(column: ColumnElement, value: int | str | date | enum.Enum) -> ColumnElement[bool]:
    """`column = value` for a value fixed when a kept statement is built (a status), written
    into the statement (`constant`) in the column's type. Never for values a user gives."""
    return column == constant(value, column.type)


def among(column: ColumnElement, values: Iterable) -> ColumnElement[bool]:
    """`column IN (…)` for values fixed when a kept statement is built (a set of statuses),
    written into the statement (`constant`). SQLAlchemy's `in_(list)` is an "expanding"
    parameter instead: the list may differ from one run to the next, so the statement's SQL
    is rewritten on every execution, about 12 µs each, twice on every page of the officers'
    queue (issue 15). Never for values a user gives."""
    return column.in_([constant(value, column.type) for value in values])


class TimestampMixin:
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    updated_at: Mapped[datetime] = mapped_column(
        UtcDateTime(), default=clock.now, onupdate=clock.now
    )


# How long a SQLite connection waits for the write lock before it gives up.
SQLITE_BUSY_TIMEOUT_MS = 30_000
# The pages of the database each SQLite connection keeps in memory, in KiB (SQLite's own
# default is 2,000). At a million files the index pages one search walks outgrow the
# default, and every miss reads a page again from the OS: a common name's search page took
# 5.0 ms with the default and 4.3 ms with 8 MiB (16 and 32 MiB: the same). The memory is
# only taken by pages read, and another connection's commit empties it.
SQLITE_CACHE_KIB = 16_384


@event.listens_for(Engine, "connect")
def _connection_settings(dbapi_connection, _record) -> None:
    # pysqlite's own transaction handling breaks SAVEPOINTs (used by the tests'
    # rolled-back sessions): let SQLAlchemy emit BEGIN itself, and enforce foreign keys.
    # WAL lets readers go on while one writer works; the busy timeout makes a writer
    # wait for the lock instead of failing at once with "database is locked".
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")  # stays 'memory' for :memory: databases
        # NORMAL is safe with WAL: no corruption, only the last commits may be lost on a
        # power cut.
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")  # negative: KiB, not pages
        cursor.close()
    elif type(dbapi_connection).__module__.startswith("psycopg"):
        # No JIT compilation: it pays off for long analytical queries, and the planner
        # starts it on a cost estimate. A search whose estimate was a million rows (it found
        # none) spent 31 of its 48 ms compiling (PostgreSQL 15, a million files). Committed,
        # since a SET inside a transaction that rolls back is undone.
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SET jit = off")
        dbapi_connection.commit()


# Whether this request only reads (a GET or HEAD whose view declared no writes), set per
# request by `portal.transactions`: False is the default (CLI, jobs, tests, POSTs). How a
# transaction begins follows from it: on SQLite deferred or immediate, on PostgreSQL in
# autocommit until its first write (see `_begin`). A ContextVar because the engine's events
# have no request to ask, and each thread (gunicorn worker, test thread) has its own.
READS_ONLY: ContextVar[bool] = ContextVar("portal_reads_only", default=False)
# On a pooled connection's `info` while it reads in autocommit (PostgreSQL).
_AUTOCOMMIT_READ = "portal.autocommit_read"


@event.listens_for(Engine, "begin")
def _begin(conn) -> None:
    # SQLite: by default a transaction takes the write lock up front (BEGIN IMMEDIATE); a
    # read request (GET/HEAD that declared no writes) begins deferred.
    #
    # Why immediate by default? A deferred transaction that starts reading and later writes
    # must upgrade its lock; in WAL mode, if another connection committed in between,
    # SQLite answers SQLITE_BUSY_SNAPSHOT at once, and no busy timeout can wait that out
    # (the snapshot is stale for good). Measured with tests/test_concurrency.py (60
    # requests at once: receipt, document and file-page reads, double submissions, ten
    # officers deciding one file): deferred BEGIN everywhere without WAL gave 55 ×
    # "database is locked"; WAL, a 30 s busy timeout, deferred BEGIN and one retry still
    # gave 56; BEGIN IMMEDIATE gave 0. An immediate transaction waits on the busy timeout
    # instead, and cannot hit BUSY_SNAPSHOT.
    #
    # Why deferred for reads, then? With every transaction immediate, gunicorn's workers
    # took turns on every page that queries, template rendering included (issue 15). Under
    # WAL, readers never block each other nor the writer. The GETs that write (an audited
    # download, every API call) declare it (`transactions.writes`) and stay immediate; an
    # undeclared one is counted and logged (`transactions.UNDECLARED_WRITES`, and the tests
    # fail on it), and if its late write loses the race, the request's one retry runs
    # immediate (`transactions.once_more`). The flip side of immediate: an open transaction
    # holds the database, so code that reads and then waits (a stream, a subprocess)
    # commits first.
    name = conn.dialect.name
    if name == "sqlite":
        conn.exec_driver_sql("BEGIN" if READS_ONLY.get() else "BEGIN IMMEDIATE")
    elif name == "postgresql" and READS_ONLY.get():
        _read_in_autocommit(conn)


def _read_in_autocommit(conn) -> None:
    """PostgreSQL, a read request: its statements run in autocommit until one may write.

    psycopg begins a transaction with a BEGIN of its own before the first statement and
    ends it with a COMMIT: two round trips to the server, each waited for. A page that
    reads with one statement (the dashboard: the signed-in user and the organisation) sent
    three. Measured in-process at 10,000 files, a signed-in page took 8-14% less time
    without them (issue 15).

    Reading in autocommit sees what a read transaction sees under READ COMMITTED,
    PostgreSQL's default and the portal's: each statement reads its own snapshot there
    either way, and a plain SELECT holds no lock for the rest of the transaction. Anything
    else (a write, a SELECT ... FOR UPDATE, a SET LOCAL, a savepoint) is not a plain read:
    the connection leaves autocommit just before it (`_transaction_before_a_write`), so it
    and everything after it run in one transaction that the request commits or rolls back
    as before. The pool puts the connection back in transactions when it comes back
    (`_transactions_again`).

    Only a connection with no transaction open: the tests' sessions run inside an outer
    transaction, and stay in it.
    """
    raw = conn.connection.dbapi_connection
    if raw.autocommit or raw.info.transaction_status != TransactionStatus.IDLE:
        return
    raw.autocommit = True
    conn.info[_AUTOCOMMIT_READ] = True


# A row lock taken by a SELECT, which lasts until the end of its transaction.
_LOCKING = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|KEY\s+SHARE|SHARE)\b", re.IGNORECASE)


@functools.lru_cache(maxsize=2048)
def plain_read(statement: str) -> bool:
    """Whether a statement only reads and holds nothing for its transaction: a SELECT that
    locks no row. Cached: the compiled statements of the pages are few, and reused."""
    return statement.lstrip()[:6].upper() == "SELECT" and _LOCKING.search(statement) is None


@event.listens_for(Engine, "before_cursor_execute")
def _transaction_before_a_write(conn, _cursor, statement, _parameters, context, _many) -> None:
    info = conn.info
    if not info.get(_AUTOCOMMIT_READ):
        return
    # A server-side cursor (yield_per) needs a transaction to live in.
    streams = context is not None and context.execution_options.get("stream_results")
    if streams or not plain_read(statement):
        # In autocommit the connection is always idle between statements: psycopg lets it
        # leave autocommit, and sends BEGIN before this statement.
        conn.connection.dbapi_connection.autocommit = False
        del info[_AUTOCOMMIT_READ]


@event.listens_for(Pool, "checkin")
def _transactions_again(dbapi_connection, record) -> None:
    # The next user of the connection (a POST, a job, the CLI) begins transactions again.
    if record.info.pop(_AUTOCOMMIT_READ, False) and dbapi_connection is not None:
        try:
            dbapi_connection.autocommit = False
        except Exception as error:  # noqa: BLE001 - a broken connection is not reused
            record.invalidate(error)
