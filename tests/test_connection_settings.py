"""Each new database connection is set up as the portal needs (`portal.db`): SQLite enforces
foreign keys in the test app too, also on the pooled connection that ran the migrations
(their `PRAGMA foreign_keys=OFF` must not leak into the pool), and keeps more pages than
its default; PostgreSQL compiles no query to machine code."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from portal.db import SQLITE_CACHE_KIB
from portal.extensions import db


def test_every_pooled_connection_enforces_foreign_keys(app):
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            pytest.skip("PostgreSQL always enforces foreign keys")
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_every_pooled_connection_keeps_more_pages_than_sqlites_default(app):
    """At a million files a search walks more index pages than SQLite's 2,000 KiB hold."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's buffers are the server's")
        assert SQLITE_CACHE_KIB >= 8192
        assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -SQLITE_CACHE_KIB


def test_postgresql_connections_compile_no_query_to_machine_code(app):
    """JIT compilation is for long analytical queries: a search estimated at a million rows
    that found none spent 31 of its 48 ms compiling. Kept off after the transaction that
    set it (a rolled-back SET would be undone)."""
    with app.app_context(), db.engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            pytest.skip("SQLite has no JIT")
        connection.rollback()
        assert connection.exec_driver_sql("SHOW jit").scalar() == "off"


def test_a_dangling_foreign_key_is_refused(db_session):
    # An invitation to a file that does not exist, for a user who does not: refused on
    # SQLite as on PostgreSQL.
    with pytest.raises(IntegrityError), db_session.begin_nested():
        db_session.execute(
            db.text("INSERT INTO dossier_viewer (dossier_id, user_id) VALUES (:d, :u)"),
            {"d": 2_000_000_001, "u": 2_000_000_002},
        )
