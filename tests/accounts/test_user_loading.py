"""The Flask-Login loader runs on every signed-in request: one statement finds the user,
their live session and their organisation, and it still refuses every cookie it refused."""

from __future__ import annotations

import pytest
from flask import session as cookie_session
from sqlalchemy import event

from portal.accounts import sessions
from portal.extensions import db
from tests.factories import EmployerFactory, OfficerFactory


class Statements:
    def __init__(self) -> None:
        self.seen: list[str] = []

    def __call__(self, _conn, _cursor, statement, *_args) -> None:
        if not statement.startswith(("SAVEPOINT", "RELEASE", "ROLLBACK TO")):  # the tests'
            self.seen.append(statement)

    def __enter__(self):
        event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc) -> None:
        event.remove(db.engine, "before_cursor_execute", self)


@pytest.fixture
def signed_in(app, db_session):
    """An employer with a session, and the cookie values the loader reads."""
    user = EmployerFactory()
    db.session.flush()
    _record, token = sessions.start(user, ip="127.0.0.1", user_agent="pytest")
    db.session.flush()
    return user, f"{user.id}:{user.session_token}", token


def test_one_statement_loads_the_user_the_session_and_the_organisation(app, signed_in):
    user, user_cookie, token = signed_in
    user_id, organisation_id = user.id, user.organisation_id
    db.session.expunge_all()  # as in a new request: nothing in the identity map
    with app.app_context(), app.test_request_context("/dashboard"):
        cookie_session[sessions.COOKIE_KEY] = token
        with Statements() as statements:
            loaded = sessions.load_user(user_cookie)
            assert loaded is not None and loaded.id == user_id
            assert loaded.organisation.id == organisation_id
            loaded.organisation.claim  # noqa: B018 - the dashboard reads it
        assert len(statements.seen) == 1, statements.seen
        assert sessions.current() is not None and sessions.current().user_id == user_id


@pytest.mark.parametrize(
    "user_cookie",
    [
        "",
        ":",
        "abc:x",
        "-1:x",
        "1" * 5000 + ":x",
        "١٢:x",
        "9" * 18 + ":x",
        str(2**31) + ":x",
        "²:x",
        "99999999999:x",
        None,
    ],
)
def test_hostile_user_cookies_load_nobody(app, signed_in, user_cookie):
    _user, _good, token = signed_in
    with app.app_context(), app.test_request_context("/dashboard"):
        cookie_session[sessions.COOKIE_KEY] = token
        assert sessions.load_user(user_cookie) is None


def test_a_cookie_loads_nobody_without_its_own_live_session(app, signed_in):
    user, user_cookie, token = signed_in
    other = OfficerFactory()
    db.session.flush()
    _record, other_token = sessions.start(other, ip="127.0.0.1", user_agent="pytest")
    db.session.flush()
    wrong_secret = f"{user.id}:{'x' * len(user.session_token)}"
    for session_token, cookie in [
        (None, user_cookie),  # no session cookie
        ("not-a-token", user_cookie),  # a session that does not exist
        ("t" * 101, user_cookie),  # longer than any token
        (other_token, user_cookie),  # someone else's live session
        (token, wrong_secret),  # the user's session, not the user's cookie secret
    ]:
        with app.app_context(), app.test_request_context("/dashboard"):
            if session_token is not None:
                cookie_session[sessions.COOKIE_KEY] = session_token
            assert sessions.load_user(cookie) is None, (session_token, cookie)
    # An ended session loads nobody, though both cookies are right.
    sessions.end(sessions.find(token))
    db.session.flush()
    with app.app_context(), app.test_request_context("/dashboard"):
        cookie_session[sessions.COOKIE_KEY] = token
        assert sessions.load_user(user_cookie) is None
