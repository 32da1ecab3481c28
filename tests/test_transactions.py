"""The request is the unit of work: it commits below 400 and rolls back otherwise.

Views never commit (tests/test_architecture.py checks that); these tests drive a few
throwaway views through the real mechanism (`portal.transactions`, wired in
`PortalFlask.dispatch_request`) and look at what reached the database afterwards.
"""

from __future__ import annotations

import pytest
from flask import Blueprint, redirect, render_template_string
from sqlalchemy import event, func, select

from portal import create_app, mail, transactions
from portal.accounts.models import Role, User
from portal.errors import Invalid
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.support import register_public


def _user(email: str) -> User:
    user = User(email=email, name="Unit of work", role=Role.EMPLOYER, locale="en")
    db.session.add(user)
    db.session.flush()
    return user


@pytest.fixture
def tx_app(app, db_session):
    """The portal with views that write and then answer in different ways."""
    tx = create_app(dict(app.config, TESTING=False, PROPAGATE_EXCEPTIONS=False))
    bp = Blueprint("tx", __name__)

    @bp.post("/tx/redirect")
    def write_and_redirect():
        _user("redirect@tx.example")
        return redirect("/")

    @bp.post("/tx/page")
    def write_and_render():
        _user("page@tx.example")
        return render_template_string("<p>saved</p>")

    @bp.post("/tx/refused")
    def write_and_refuse():
        _user("refused@tx.example")
        return "refused", 422

    @bp.post("/tx/boom")
    def write_and_raise():
        _user("boom@tx.example")
        raise RuntimeError("half-way")

    @bp.post("/tx/early")
    def commit_early_then_refuse():
        _user("early@tx.example")
        transactions.commit_now("the test's first write must outlive the refusal")
        _user("late@tx.example")
        return "refused", 400

    @bp.post("/tx/attempt")
    def failed_attempt_on_a_page():
        _user("kept@tx.example")
        try:
            with transactions.attempt():
                _user("attempted@tx.example")
                raise Invalid({"": ["no"]})
        except Invalid:
            pass
        return "shown again with its errors"

    @bp.post("/tx/mail-refused")
    def queue_mail_and_refuse():
        mail.queue("refused-mail@tx.example", "no_account", "en", register_link="https://x.test")
        return "refused", 400

    @bp.post("/tx/mail-deferred")
    def queue_deferred_mail_and_redirect():
        mail.queue(
            "deferred@tx.example", "no_account", "en", defer=True, register_link="https://x.test"
        )
        return redirect("/")

    register_public(tx, bp)
    return tx


def users(email: str) -> int:
    return db.session.scalar(select(func.count(User.id)).where(User.email == email))


def test_a_redirect_commits(tx_app):
    assert tx_app.test_client().post("/tx/redirect").status_code == 302
    assert users("redirect@tx.example") == 1


def test_a_page_below_400_commits(tx_app):
    assert tx_app.test_client().post("/tx/page").status_code == 200
    assert users("page@tx.example") == 1


def test_a_4xx_rolls_back(tx_app):
    assert tx_app.test_client().post("/tx/refused").status_code == 422
    assert users("refused@tx.example") == 0


def test_a_view_raising_after_a_write_leaves_nothing(tx_app):
    assert tx_app.test_client().post("/tx/boom").status_code == 500
    assert users("boom@tx.example") == 0


def test_commit_now_keeps_what_came_before_it(tx_app):
    assert tx_app.test_client().post("/tx/early").status_code == 400
    assert users("early@tx.example") == 1
    assert users("late@tx.example") == 0


def test_a_failed_attempt_leaves_nothing_and_the_rest_is_kept(tx_app):
    assert tx_app.test_client().post("/tx/attempt").status_code == 200
    assert users("kept@tx.example") == 1
    assert users("attempted@tx.example") == 0


def test_a_refused_request_sends_no_e_mail(tx_app, mailbox):
    assert tx_app.test_client().post("/tx/mail-refused").status_code == 400
    outbox = select(func.count(OutboxMessage.id)).where(
        OutboxMessage.recipient == "refused-mail@tx.example"
    )
    assert db.session.scalar(outbox) == 0
    assert not [m for m in mailbox.messages if m["To"] == "refused-mail@tx.example"]


def test_deferred_mail_leaves_after_the_commit_when_the_response_closes(tx_app, mailbox):
    response = tx_app.test_client().post("/tx/mail-deferred")
    assert response.status_code == 302
    assert not [m for m in mailbox.messages if m["To"] == "deferred@tx.example"]
    stored = db.session.scalar(
        select(OutboxMessage).where(OutboxMessage.recipient == "deferred@tx.example")
    )
    assert stored is not None and stored.sent_at is None  # committed, not yet sent
    response.close()  # the server closes the response: now it is sent
    assert [m for m in mailbox.messages if m["To"] == "deferred@tx.example"]


def test_a_read_only_request_writes_nothing_and_commits_only_on_postgresql(client):
    """A read ends without writing. On SQLite its transaction is rolled back when the session
    closes; on PostgreSQL it is committed (`transactions._end_read`), which keeps the
    statements psycopg prepared (see the test below). In the suite's rolled-back session
    that commit is the release of a savepoint."""
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement.split()[0].upper())

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get("/healthz").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert "SELECT" in statements  # the health check asked the database
    assert not {"INSERT", "UPDATE", "DELETE"} & set(statements)
    committed = {"COMMIT", "RELEASE"} & set(statements)
    assert committed if db.engine.dialect.name == "postgresql" else not committed, statements


def test_on_postgresql_a_page_asked_again_runs_its_statements_prepared(tmp_path):
    """psycopg has PostgreSQL keep a statement prepared from its fifth run on a connection,
    and forgets them all when that connection rolls back. A read request ends with a commit
    there, so the pages' statements are parsed and planned once per connection, not on
    every request: the user's loader and the queue's rows, asked by one officer ten times,
    are each prepared once and run prepared from then on. A refusal in between (a file
    that does not exist: 404) wrote nothing and ends the same way: they stay prepared."""
    from sqlalchemy import text

    from tests.bench import page_profile
    from tests.support import seeded_on_postgresql

    why = "psycopg's prepared statements are PostgreSQL's"
    with seeded_on_postgresql(tmp_path, "portal_test_prepared", why) as app:
        client = app.test_client()
        page_profile.log_in(client, "officer@demo.example")
        for _ in range(10):
            assert client.get("/backoffice/dossiers").status_code == 200
        assert client.get("/backoffice/dossiers/2147483000").status_code == 404
        assert client.get("/backoffice/dossiers").status_code == 200
        with app.app_context():
            assert db.engine.pool.checkedin() == 1  # the one every request used
        with app.app_context(), db.engine.connect() as connection:
            prepared = connection.execute(
                text(
                    "SELECT statement, generic_plans + custom_plans AS runs"
                    " FROM pg_prepared_statements"
                )
            ).all()
    runs = {row.statement.split("FROM")[1].split()[0]: row.runs for row in prepared}
    # Prepared at the fifth run: the loader ran 7 times since (12 requests), the rows 6.
    assert runs.get("user_account", 0) >= 7, prepared  # the loader
    assert runs.get("dossier", 0) >= 6, prepared  # the queue's rows


# The staff's lists, each by a piece of its page statement's SQL.
STAFF_LISTS = {
    "the officers' queue": "WHERE dossier.id IN (SELECT dossier.id",
    "the mandates to verify": "mandate.foreign_employer_id JOIN mandatary",
    "the latest decisions on mandates": "ORDER BY mandate.decided_at DESC",
    "the helpdesk's tickets": "FROM helpdesk_ticket WHERE helpdesk_ticket.status =",
    "the helpdesk's counts": "(SELECT count(*) AS count_1 FROM (SELECT helpdesk_ticket.id",
    "the helpdesk's proofs": "FROM fallback_proof JOIN helpdesk_ticket",
    "the proofs still usable": "fallback_proof.expires_on >= '",  # the day written in
    "the proofs expired unused": "fallback_proof.expires_on < '",
    "the mail intake": "FROM intake_message LEFT OUTER JOIN dossier",
}


def test_on_postgresql_the_first_page_of_each_staff_list_is_planned_once(tmp_path):
    """PostgreSQL plans a prepared statement with parameters again on every run, unless it
    judges the plan it would keep no dearer than those made for the values; a LIMIT it
    cannot see, it judges dear. So it planned each staff list's page on every view: 2.2 ms
    for the helpdesk's proofs (seven tables joined), against 0.2 ms to run it. The first
    pages have their sizes and statuses written in (`db.constant`): once psycopg prepares
    one, it runs with the plan PostgreSQL keeps, and is never planned for its values."""
    from sqlalchemy import text

    from tests.bench import page_profile
    from tests.support import seeded_on_postgresql

    why = "the plans kept for prepared statements are PostgreSQL's"
    pages = {
        "officer@demo.example": ("/backoffice/dossiers", "/backoffice/mandates"),
        "helpdesk@demo.example": (
            "/helpdesk/desk",
            "/helpdesk/desk/proofs",
            "/helpdesk/desk/proofs?state=unused",
            "/helpdesk/desk/proofs?state=expired",
            "/helpdesk/desk/intake",
        ),
    }
    with seeded_on_postgresql(tmp_path, "portal_test_planned", why) as app:
        for email, urls in pages.items():
            client = app.test_client()
            page_profile.log_in(client, email)
            for _ in range(8):  # prepared from the fifth run on
                for url in urls:
                    assert client.get(url).status_code == 200
        with app.app_context():
            assert db.engine.pool.checkedin() == 1  # the one every request used
        with app.app_context(), db.engine.connect() as connection:
            prepared = connection.execute(
                text("SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements")
            ).all()
    for name, piece in STAFF_LISTS.items():
        found = [row for row in prepared if piece in " ".join(row.statement.split())]
        assert found, (name, prepared)
        for row in found:
            assert row.generic_plans >= 1 and row.custom_plans == 0, (name, row)


def test_a_write_apart_keeps_loaded_only_what_it_is_told_to(app, db_session):
    """The officer's view of a file is written apart and the page goes on showing the file
    and the officer as read: those two stay loaded through both commits (no second read of
    a hundred columns), and every other loaded object is expired, so nothing else is read
    stale afterwards; the kept object may be given as a proxy (`current_user`)."""
    from sqlalchemy import inspect
    from werkzeug.local import LocalProxy

    with app.test_request_context():
        kept, other = _user("kept@tx.example"), _user("other@tx.example")
        db.session.commit()
        kept.name, other.name = kept.name, other.name  # both loaded
        transactions.write_apart(
            lambda: _user("written@tx.example"), "test", keep=(LocalProxy(lambda: kept),)
        )
        assert not inspect(kept).expired_attributes
        assert "name" in inspect(other).expired_attributes
        written = select(func.count()).select_from(User).where(User.email == "written@tx.example")
        assert db.session.scalar(written) == 1
