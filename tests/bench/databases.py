"""Databases made for one run and dropped after it: the benchmarks' and the tests' own.

A SQLite file needs nothing but a name in a folder. On a PostgreSQL server a database is
made anew (one an interrupted run left behind is dropped first) and dropped at the end,
even while a connection is still open on it. The URL given is only where to connect to
make and drop it.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from sqlalchemy import Engine, create_engine, make_url, text
from sqlalchemy.pool import NullPool

# A name is written into CREATE and DROP DATABASE: lower case, digits and underscores, a
# letter first, at most 63 characters (PostgreSQL's limit).
NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


def suite_server() -> str:
    """The PostgreSQL server the test suite runs on (DATABASE_URL), else "" (SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith("postgresql") else ""


def fresh(server: str, name: str, folder: Path) -> tuple[str, Callable[[], None]]:
    """(the URL of a new, empty database `name`, the function that drops it).

    `server` empty: the SQLite file `name`.sqlite in `folder`, gone with the folder.
    `server` a PostgreSQL URL: the database `name` on that server.
    """
    if not NAME.fullmatch(name):
        raise ValueError(f"not a database name the benchmark makes: {name!r}")
    if not server:
        return f"sqlite:///{folder / f'{name}.sqlite'}", lambda: None
    url = make_url(server)
    if url.get_backend_name() != "postgresql":
        raise ValueError(f"not a PostgreSQL URL: {url.get_backend_name()!r}")
    # CREATE and DROP DATABASE cannot run inside a transaction.
    admin = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)

    def drop() -> None:
        # WITH (FORCE): a server of the run that did not stop may still hold connections.
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    return url.set(database=name).render_as_string(hide_password=False), drop


@contextlib.contextmanager
def scratch(server: str, name: str, folder: Path) -> Iterator[str]:
    """`fresh` as a block: the database's URL inside, dropped when the block ends."""
    url, drop = fresh(server, name, folder)
    try:
        yield url
    finally:
        drop()


def settle(engine: Engine) -> None:
    """What an operator does after a bulk load, before anyone is timed: fresh planner
    statistics (ANALYZE) and, on PostgreSQL, the new rows vacuumed as well.

    Without the VACUUM, PostgreSQL's autovacuum comes for the freshly inserted tables on its
    own (their inserts pass its threshold) while the pages are measured: polled during a run
    at a million files, it vacuumed the files' table for about 5 s during the first rows and
    the side lists' tables during the helpdesk's and the partner's pages, on the same two
    cores as the servers. VACUUM also sets the visibility map, so index-only scans need not
    visit the table, as on a database that has been running.
    """
    if engine.dialect.name == "postgresql":
        # VACUUM cannot run inside a transaction.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
    else:
        # A transaction that commits: the portal's engine begins one on SQLite whatever the
        # isolation level asked (portal.db), and an ANALYZE rolled back leaves no statistics.
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
