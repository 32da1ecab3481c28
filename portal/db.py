"""Declarative base with a naming convention, and shared column mixins."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import ColumnElement, DateTime, Enum, MetaData, TypeDecorator, event, literal
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

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


def among(column: ColumnElement, values: Iterable) -> ColumnElement[bool]:
    """`column IN (…)` for values fixed when a kept statement is built (a set of statuses),
    one bound parameter each. SQLAlchemy's `in_(list)` is an "expanding" parameter instead:
    the list may differ from one run to the next, so the statement's SQL is rewritten on
    every execution, about 12 µs each, twice on every page of the officers' queue (issue
    15). Never for values a user gives: their number would make a statement per length."""
    return column.in_([literal(value, column.type) for value in values])


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


# How the next SQLite transaction begins, set per request by `portal.transactions`:
# False (the default: CLI, jobs, tests, POSTs) is BEGIN IMMEDIATE, True a deferred BEGIN.
# A ContextVar because the engine's "begin" event has no request to ask, and each thread
# (gunicorn worker, test thread) has its own.
SQLITE_DEFERRED: ContextVar[bool] = ContextVar("portal_sqlite_deferred", default=False)


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn) -> None:
    # By default a transaction on SQLite takes the write lock up front (BEGIN IMMEDIATE);
    # a read request (GET/HEAD that declared no writes) begins deferred.
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
    # download, the officer's file page, every API call) declare it
    # (`transactions.writes`) and stay immediate; an undeclared one is counted and logged
    # (`transactions.UNDECLARED_WRITES`, and the tests fail on it), and if its late write
    # loses the race, the request's one retry runs immediate (`transactions.once_more`).
    # The flip side of immediate: an open transaction holds the database, so code that
    # reads and then waits (a stream, a subprocess) commits first.
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN" if SQLITE_DEFERRED.get() else "BEGIN IMMEDIATE")
