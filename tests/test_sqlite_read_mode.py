"""Read requests begin deferred on SQLite, everything else immediate (issue 15).

On an app of its own, on a database file of its own (the rolled-back test session is one
connection that begins once, so it cannot show how a request's transaction begins). The BEGIN
statements are captured as SQLAlchemy sends them.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from flask import Blueprint
from flask_migrate import upgrade
from sqlalchemy import event, func, insert, select
from sqlalchemy.exc import OperationalError

from portal import create_app, transactions
from portal.accounts.models import Role, User
from portal.accounts.sessions import UserSession
from portal.extensions import db
from tests.support import login, make_user, register_public


@pytest.fixture(scope="module")
def mode_app(tmp_path_factory):
    base = tmp_path_factory.mktemp("read-mode")
    path = base / "read-mode.sqlite"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key-of-sufficient-length-000",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}",
            "UPLOAD_DIR": str(base / "uploads"),
            "MAIL_DIR": str(base / "mail"),
            "MAIL_SERVER": "",
            "OUTBOX_SEND_AFTER_REQUEST": False,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    bp = Blueprint("rm", __name__)

    def count() -> int:
        return db.session.scalar(select(func.count(User.id)))

    def add(email: str) -> None:
        db.session.add(User(email=email, name="Read mode", role=Role.EMPLOYER, locale="en"))

    @bp.get("/rm/read")
    def read():
        return str(count())

    @bp.get("/rm/declared")
    @transactions.writes
    def declared():
        add(f"declared-{count()}@rm.example")
        return "written"

    @bp.post("/rm/write")
    def write():
        add(f"posted-{count()}@rm.example")
        return "written"

    @bp.get("/rm/late-write")
    def late_write():
        # Reads (the deferred transaction takes its snapshot), then, on the first attempt
        # only, another connection commits, then the view writes: a real SQLITE_BUSY_SNAPSHOT.
        app.attempts += 1
        seen = count()
        if app.attempts == 1:
            other = sqlite3.connect(path, isolation_level=None)
            other.execute("UPDATE user_account SET name = 'changed' WHERE id = 1")
            other.close()
        add(f"late-{seen}@rm.example")
        return "written"

    def plain_add(email: str) -> None:
        # The nastiest name: quotes and SQL that a statement glued together would run.
        row = {"email": email, "name": "'); DROP TABLE user_account; --", "locale": "en"}
        transactions.plain_writes().execute(insert(User), dict(row, role=Role.EMPLOYER))

    @bp.get("/rm/plain/<int:status>")
    @transactions.writes
    def plain(status: int):
        plain_add(f"plain-{status}@rm.example")
        return "written", status

    @bp.get("/rm/plain-undeclared")
    def plain_undeclared():
        plain_add("plain-undeclared@rm.example")
        return "written"

    app.holding, app.released = threading.Event(), threading.Event()

    @bp.get("/rm/hold")
    def hold():
        # Reads, then keeps its transaction open until another read has finished (or 10 s).
        seen = count()
        app.holding.set()
        return "released" if app.released.wait(10) else f"waited alone ({seen})"

    register_public(app, bp)
    with app.app_context():
        upgrade()
        db.session.add(User(email="first@rm.example", name="First", role=Role.EMPLOYER))
        db.session.commit()
    app.attempts = 0
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def begins(mode_app):
    """The BEGIN statements sent to the database during the test, in order."""
    seen: list[str] = []

    def capture(_conn, _cursor, statement, *_args) -> None:
        if statement.upper().startswith("BEGIN"):
            seen.append(statement.upper())

    with mode_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", capture)
    yield seen
    event.remove(engine, "before_cursor_execute", capture)


def test_a_get_reads_deferred_and_a_post_writes_immediate(mode_app, begins):
    web = mode_app.test_client()
    assert web.get("/rm/read").status_code == 200
    assert begins == ["BEGIN"]
    begins.clear()
    assert web.head("/rm/read").status_code == 200
    assert begins == ["BEGIN"]
    begins.clear()
    assert web.post("/rm/write").status_code == 200
    assert begins == ["BEGIN IMMEDIATE"]
    begins.clear()
    assert web.get("/rm/declared").status_code == 200
    assert begins == ["BEGIN IMMEDIATE"]


def test_outside_a_request_transactions_stay_immediate(mode_app, begins):
    mode_app.test_client().get("/rm/read")
    begins.clear()
    with mode_app.app_context():
        db.session.scalar(select(func.count(User.id)))
        db.session.rollback()
    assert begins == ["BEGIN IMMEDIATE"]


@pytest.mark.undeclared_writes
def test_a_late_write_that_lost_the_race_runs_again_immediate_and_is_reported(
    mode_app, begins, caplog
):
    mode_app.attempts = 0
    before = transactions.undeclared_writes().get("rm.late_write", 0)
    response = mode_app.test_client().get("/rm/late-write")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert mode_app.attempts == 2
    assert begins == ["BEGIN", "BEGIN IMMEDIATE"]
    with mode_app.app_context():
        assert (
            db.session.scalar(
                select(func.count(User.id)).where(User.email.like("late-%@rm.example"))
            )
            == 1
        )
    # Counted (on /metrics) and logged, so that the view gets its @transactions.writes.
    assert transactions.undeclared_writes()["rm.late_write"] > before
    assert "rm.late_write" in caplog.text


def test_a_stale_snapshot_is_a_retryable_error(tmp_path):
    """SQLITE_BUSY_SNAPSHOT, as pysqlite raises it, is caught by the retry."""
    path = tmp_path / "snapshot.sqlite"
    reader = sqlite3.connect(path, isolation_level=None)
    reader.execute("PRAGMA journal_mode=WAL")
    reader.execute("CREATE TABLE t (x INTEGER)")
    writer = sqlite3.connect(path, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    writer.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError) as raised:
        reader.execute("INSERT INTO t VALUES (2)")
    reader.close()
    writer.close()
    assert raised.value.sqlite_errorname == "SQLITE_BUSY_SNAPSHOT"
    assert transactions.is_retryable(OperationalError("INSERT", {}, raised.value))


def test_a_due_last_seen_is_written_apart_under_the_write_lock(mode_app, begins):
    """The session loader reads deferred; a due "last seen" is saved in an immediate
    transaction of its own, and the view reads deferred again."""
    web = mode_app.test_client()
    with mode_app.app_context():
        make_user("touched@rm.example")
        db.session.commit()
        login(web, "touched@rm.example")
        session = db.session.scalar(
            select(UserSession).join(User).where(User.email == "touched@rm.example")
        )
        seen_before = session.last_seen_at
    interval = mode_app.config["SESSION_TOUCH_INTERVAL"]
    mode_app.config["SESSION_TOUCH_INTERVAL"] = 0
    begins.clear()
    try:
        assert web.get("/rm/read").status_code == 200
    finally:
        mode_app.config["SESSION_TOUCH_INTERVAL"] = interval
    assert begins == ["BEGIN", "BEGIN IMMEDIATE", "BEGIN"]
    with mode_app.app_context():
        touched = db.session.scalar(
            select(UserSession.last_seen_at).where(UserSession.id == session.id)
        )
    assert touched > seen_before


def test_a_read_does_not_wait_for_another_reads_open_transaction(mode_app):
    """The point of issue 15: with BEGIN IMMEDIATE the second read waited (up to the busy
    timeout) for the first one's transaction to end, so workers took turns on every page."""
    mode_app.holding.clear()
    mode_app.released.clear()
    answers: list[str] = []
    first = threading.Thread(
        target=lambda: answers.append(mode_app.test_client().get("/rm/hold").get_data(True))
    )
    first.start()
    try:
        assert mode_app.holding.wait(10)
        assert mode_app.test_client().get("/rm/read").status_code == 200
        mode_app.released.set()
    finally:
        mode_app.released.set()
        first.join()
    assert answers == ["released"]


def _names(app, email: str) -> list[str]:
    with app.app_context():
        names = db.session.scalars(select(User.name).where(User.email == email)).all()
        db.session.remove()
    return list(names)


def test_a_plain_write_is_saved_with_its_request_or_undone_with_it(mode_app, begins):
    """`transactions.plain_writes` (an audited read's entry): the statement skips the ORM,
    yet the request commits it below 400 and rolls it back from 400 on, like any write."""
    web = mode_app.test_client()
    assert web.get("/rm/plain/200").status_code == 200
    assert begins == ["BEGIN IMMEDIATE"]
    assert _names(mode_app, "plain-200@rm.example") == ["'); DROP TABLE user_account; --"]
    assert web.get("/rm/plain/422").status_code == 422
    assert _names(mode_app, "plain-422@rm.example") == []


@pytest.mark.undeclared_writes
def test_a_plain_write_on_a_read_request_is_reported_and_saved(mode_app, begins, caplog):
    before = transactions.undeclared_writes().get("rm.plain_undeclared", 0)
    assert mode_app.test_client().get("/rm/plain-undeclared").status_code == 200
    assert begins[0] == "BEGIN"  # undeclared: read deferred
    assert transactions.undeclared_writes()["rm.plain_undeclared"] == before + 1
    assert "rm.plain_undeclared" in caplog.text
    assert len(_names(mode_app, "plain-undeclared@rm.example")) == 1
