"""On PostgreSQL a read request runs its plain reads in autocommit (`portal.db`, issue 15).

That saves the BEGIN and the COMMIT psycopg would send around them, and must change nothing
else: whatever is not a plain read (a write, a row lock, a SET LOCAL, a server-side cursor)
runs in one transaction from that statement on, which the request commits or rolls back as
before, and the connection goes back to the pool making transactions again.

The suite's own session runs inside an outer transaction, where nothing of this applies;
these tests use a database of their own and an app that commits for real. They are about
PostgreSQL and skip on SQLite, except the rule that tells a plain read.
"""

from __future__ import annotations

import pytest
from flask import Blueprint, request
from flask_migrate import upgrade
from psycopg.pq import TransactionStatus
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import DBAPIError

from portal import create_app, transactions
from portal.accounts.models import Role, User
from portal.db import plain_read
from portal.extensions import db
from tests.bench import databases
from tests.support import own_settings, register_public, seeded_on_postgresql

IDLE, IN_TRANSACTION = TransactionStatus.IDLE, TransactionStatus.INTRANS


def _status() -> int:
    """The request's connection: is a transaction open on the server?"""
    return db.session.connection().connection.dbapi_connection.info.transaction_status


def _add(email: str) -> None:
    db.session.add(User(email=email, name="Autocommit", role=Role.EMPLOYER, locale="en"))
    db.session.flush()


def _count(email: str) -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.email == email))


@pytest.fixture(scope="module")
def ac_app(tmp_path_factory):
    server = databases.suite_server()
    if not server:
        pytest.skip("reads in autocommit are PostgreSQL's")
    base = tmp_path_factory.mktemp("autocommit")
    with databases.scratch(server, "portal_test_autocommit", base) as url:
        app = create_app(
            own_settings(base, url, WTF_CSRF_ENABLED=False, PROPAGATE_EXCEPTIONS=False)
        )
        bp = Blueprint("ac", __name__)

        @bp.get("/ac/read")
        def read():
            _count("nobody@ac.example")
            first = _status()
            _count("nobody@ac.example")
            return f"{first} {_status()}"

        @bp.get("/ac/write-then-fail")
        def write_then_fail():
            _count("nobody@ac.example")
            _add("first@ac.example")
            _add("second@ac.example")
            raise RuntimeError(f"half-way, in a transaction: {_status() == IN_TRANSACTION}")

        @bp.get("/ac/lock")
        def lock():
            row = select(User.id).where(User.email == "locked@ac.example")
            db.session.execute(row.with_for_update()).one()
            with db.engine.connect() as other:
                try:
                    other.execute(row.with_for_update(nowait=True)).one()
                except DBAPIError:
                    return "held"
                return "free"

        @bp.get("/ac/set-local")
        def set_local():
            _count("nobody@ac.example")
            # As the officers' search sets its plans: on the connection (not a write).
            db.session.connection().exec_driver_sql("SET LOCAL statement_timeout = '4711ms'")
            _count("nobody@ac.example")
            return db.session.connection().exec_driver_sql("SHOW statement_timeout").scalar()

        @bp.get("/ac/stream")
        def stream():
            emails = db.session.scalars(
                select(User.email).order_by(User.id).execution_options(yield_per=2)
            )
            return str(sum(1 for _ in emails))

        @bp.post("/ac/refused")
        def refused():
            _add(request.form["email"])
            return "refused", 422

        register_public(app, bp)
        with app.app_context():
            upgrade()
            for n in range(5):
                _add(f"user{n}@ac.example")
            _add("locked@ac.example")
            db.session.commit()
        try:
            yield app
        finally:
            with app.app_context():
                db.session.remove()
                db.engine.dispose()


def _stored(app, email: str) -> int:
    with app.app_context():
        try:
            return _count(email)
        finally:
            db.session.remove()


def test_a_read_request_holds_no_transaction_open(ac_app):
    """Between and after its reads nothing is open on the server: no BEGIN was sent."""
    client = ac_app.test_client()
    for _ in range(3):
        response = client.get("/ac/read")
        assert response.status_code == 200
        assert response.get_data(as_text=True) == f"{IDLE} {IDLE}"


@pytest.mark.undeclared_writes
def test_a_read_request_that_writes_and_fails_leaves_nothing(ac_app):
    """The writes of a read request run in one transaction, and a failure undoes them all,
    the first one too (in autocommit it would have been saved on its own)."""
    response = ac_app.test_client().get("/ac/write-then-fail")
    assert response.status_code == 500
    assert _stored(ac_app, "first@ac.example") == 0
    assert _stored(ac_app, "second@ac.example") == 0


def test_a_row_locked_by_a_read_request_stays_locked_until_it_ends(ac_app):
    """SELECT ... FOR UPDATE holds its lock for the rest of the request (in autocommit the
    lock would end with the statement, and another connection would take it at once)."""
    client = ac_app.test_client()
    assert client.get("/ac/lock").get_data(as_text=True) == "held"
    assert client.get("/ac/lock").get_data(as_text=True) == "held"  # released in between


def test_a_set_local_holds_for_the_rest_of_the_request(ac_app):
    """What a read request sets for its transaction (the officers' search sets the plan
    cache's mode) holds for the statements after it, and only for this request."""
    client = ac_app.test_client()
    assert client.get("/ac/set-local").get_data(as_text=True) == "4711ms"
    with ac_app.app_context():
        assert db.session.scalar(text("SHOW statement_timeout")) == "0"
        db.session.remove()


def test_a_server_side_cursor_gets_the_transaction_it_needs(ac_app):
    response = ac_app.test_client().get("/ac/stream")
    assert response.status_code == 200
    assert int(response.get_data(as_text=True)) >= 6


def test_after_a_read_the_connection_makes_transactions_again(ac_app):
    """A POST on the connection a GET read with: its refused write is undone."""
    with ac_app.app_context():
        assert db.engine.pool.size() >= 1
    checkouts = []

    def note(dbapi_connection, _record, _proxy):
        checkouts.append(dbapi_connection.autocommit)

    with ac_app.app_context():
        engine = db.engine
    event.listen(engine, "checkout", note)
    try:
        client = ac_app.test_client()
        for n in range(3):
            assert client.get("/ac/read").status_code == 200
            email = f"refused{n}@ac.example"
            assert client.post("/ac/refused", data={"email": email}).status_code == 422
            assert _stored(ac_app, email) == 0
    finally:
        event.remove(engine, "checkout", note)
    assert checkouts and not any(checkouts), checkouts


def test_the_real_pages_read_in_autocommit(tmp_path):
    """The dashboard and the officers' queue, as served: each of their statements finds no
    transaction open; a union search's SET LOCAL runs inside one."""
    from tests.bench import page_profile

    seen: list[tuple[str, int]] = []

    def after(conn, _cursor, statement, *_args):
        status = conn.connection.dbapi_connection.info.transaction_status
        seen.append((statement.split()[0].upper() + " " + statement.split()[1], status))

    why = "reads in autocommit are PostgreSQL's"
    with seeded_on_postgresql(tmp_path, "portal_test_autocommit_pages", why) as app:
        employer, officer = app.test_client(), app.test_client()
        page_profile.log_in(employer, "employer@demo.example")
        page_profile.log_in(officer, "officer@demo.example")
        with app.app_context():
            engine = db.engine
        event.listen(engine, "after_cursor_execute", after)
        assert employer.get("/dashboard").status_code == 200
        assert officer.get("/backoffice/dossiers").status_code == 200
        reads = list(seen)
        seen.clear()
        assert officer.get("/backoffice/dossiers?q=worker+9999").status_code == 200
        event.remove(engine, "after_cursor_execute", after)
    assert reads and all(kind.startswith("SELECT") for kind, _ in reads), reads
    assert all(status == IDLE for _, status in reads), reads
    settings = [status for kind, status in seen if kind.startswith("SET")]
    assert settings == [IN_TRANSACTION, IN_TRANSACTION], seen


@pytest.mark.parametrize(
    ("statement", "plain"),
    [
        ("SELECT user_account.id FROM user_account WHERE user_account.id = %(pk)s", True),
        ("\n  select 1", True),
        ("SELECT 'FOR UPDATE' AS words", False),  # may be a lock: a transaction, to be safe
        ("SELECT dossier.id FROM dossier FOR UPDATE OF dossier", False),
        ("select * from audit_entry order by id desc limit 1 for update skip locked", False),
        ("SELECT * FROM t FOR\nNO  KEY UPDATE", False),
        ("SELECT * FROM t FOR KEY SHARE", False),
        ("SELECT * FROM t FOR SHARE NOWAIT", False),
        ("WITH gone AS (DELETE FROM t RETURNING id) SELECT count(*) FROM gone", False),
        ("INSERT INTO t (id) VALUES (1)", False),
        ("UPDATE user_session SET last_seen = now()", False),
        ("SET LOCAL plan_cache_mode = force_generic_plan", False),
        ("SAVEPOINT sa_savepoint_1", False),
        ("", False),
    ],
)
def test_only_a_select_that_locks_nothing_is_a_plain_read(statement, plain):
    assert plain_read(statement) is plain


def test_the_mode_is_the_requests_own():
    """The mode follows the request: a GET that declared no writes reads, anything else
    (a POST, a GET that declared writes) begins its transaction at once."""
    from portal.db import READS_ONLY

    def view():
        return None

    token = transactions.enter_request("GET", view)
    assert READS_ONLY.get() is True
    transactions.leave_request(token)
    token = transactions.enter_request("POST", view)
    assert READS_ONLY.get() is False
    transactions.leave_request(token)
    token = transactions.enter_request("GET", transactions.writes(view))
    assert READS_ONLY.get() is False
    transactions.leave_request(token)
    assert READS_ONLY.get() is False
