"""Fixtures: the app on a migrated database, a rolled-back session per test, an SMTP sink."""

from __future__ import annotations

import os
import time

# The portal's calendar is Brussels' (portal.clock.today); the tests write `date.today()`
# for "today" in many places. On a machine kept in UTC the two differ for an hour or two
# each night, and a date the tests send as today is then tomorrow's eve for the portal
# (a decision "before" the file was forwarded). The tests run on Brussels time, as the
# service's users live.
os.environ["TZ"] = "Europe/Brussels"
time.tzset()

import pytest
from argon2 import PasswordHasher, profiles
from flask import g, has_app_context
from flask.testing import FlaskClient
from flask_migrate import downgrade, upgrade
from flask_sqlalchemy.session import Session as FlaskSQLAlchemySession

from portal import create_app, transactions
from portal.accounts import services
from portal.backoffice import queue
from portal.extensions import db, limiter
from tests.support import SmtpSink

# Production-strength argon2 costs ~50 ms a hash; the tests hash hundreds of passwords.
services._hasher = PasswordHasher.from_parameters(profiles.CHEAPEST)


class _ConnectionSession(FlaskSQLAlchemySession):
    """Flask-SQLAlchemy picks the engine itself; the tests need the open connection."""

    def get_bind(self, *args, **kwargs):
        return self.bind


class _FreshGClient(FlaskClient):
    """Each request gets an empty `g`, as in production.

    The tests keep an app context open (for the database), and Flask reuses an open app
    context for requests, so without this `g` (and the cached login) would leak between
    requests and between clients.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _no_kept_search_readings():
    """Each test's searches ask its own database how to read them: a reading kept by the
    queue (`queue.PLAN_SECONDS`) from another test's files would skip the statements a
    test counts."""
    queue._search.cache_clear()
    yield


@pytest.fixture(autouse=True)
def _no_kept_capped_counts(request):
    """Each test's queue counts its own files: a "1,000+" kept (`queue.CAPPED_STORE`) from
    another test's files, rolled back since without a change of generation, would be shown."""
    if "app" in request.fixturenames:
        request.getfixturevalue("app").extensions.pop(queue.CAPPED_STORE, None)
    yield


@pytest.fixture(autouse=True)
def _reads_declare_their_writes(request):
    """A GET/HEAD view that writes must say so (`transactions.writes`): on SQLite its
    transaction then begins immediate. Undeclared, it reads deferred and its late write can
    lose a race (costing a retry); this makes the first test that exercises it fail."""
    if request.node.get_closest_marker("undeclared_writes"):
        yield
        return
    before = transactions.undeclared_writes()
    yield
    after = transactions.undeclared_writes()
    new = {endpoint: n - before.get(endpoint, 0) for endpoint, n in after.items()}
    undeclared = sorted(endpoint for endpoint, n in new.items() if n)
    assert not undeclared, f"read requests wrote without @transactions.writes: {undeclared}"


@pytest.fixture(scope="session")
def smtp_sink():
    sink = SmtpSink()
    controller = sink.start()
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def app(tmp_path_factory, smtp_sink):
    base = tmp_path_factory.mktemp("portal")
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{base / 'test.sqlite'}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-of-sufficient-length-000",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "UPLOAD_DIR": str(base / "uploads"),
            "MAIL_DIR": str(base / "mail"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_sink.port,
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "PORTAL_BASE_URL": "http://portal.test",
            "ONBOARDING_WEBHOOK_ALLOW_PRIVATE": True,  # local test receivers over http
            # One app serves the whole session and tests change its config, rules and
            # clock behind it: the page cache is tested on its own (tests/test_pagecache.py).
            "PUBLIC_PAGE_CACHE": False,
        }
    )
    with app.app_context():
        if database_url.startswith("postgresql"):
            db.session.execute(db.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            db.session.commit()
        upgrade()  # the real migrations, so a missing one fails the suite
    app.test_client_class = _FreshGClient
    yield app
    with app.app_context():
        db.session.remove()
        downgrade(revision="base")
        db.engine.dispose()


@pytest.fixture
def db_session(app):
    """Each test runs in a transaction that is rolled back; commits become savepoints."""
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        original = db.session
        db.session = db._make_scoped_session(
            {
                "class_": _ConnectionSession,
                "bind": connection,
                "join_transaction_mode": "create_savepoint",
            }
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            transaction.rollback()
            connection.close()


@pytest.fixture
def client(app, db_session):
    # Flask-Limiter's extension is one object for every app of the process: an app of a
    # test's own made with RATELIMIT_ENABLED=False turns it off for the suite's app too,
    # and the rate-limit tests then passed or failed by the order the files ran in.
    limiter.enabled = app.config["RATELIMIT_ENABLED"]
    limiter.reset()
    return app.test_client()


@pytest.fixture
def csrf_app(app, db_session):
    """The suite's app with CSRF protection on, as in production (the suite's default is
    off, so that tests post forms plainly)."""
    app.config["WTF_CSRF_ENABLED"] = True
    yield app
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.fixture
def mailbox(smtp_sink):
    smtp_sink.clear()
    return smtp_sink
