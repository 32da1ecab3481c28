"""The Flask-Login loader runs on every signed-in request: one statement finds the user,
their live session and (on a view that reads it, such as the dashboard) their organisation,
and it still refuses every cookie it refused. Which views get the organisation joined:
tests/test_query_counts.py."""

from __future__ import annotations

import pytest
from flask import session as cookie_session

from portal.accounts import sessions
from portal.extensions import db
from tests.factories import EmployerFactory, OfficerFactory
from tests.support import statements_sent


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
        with statements_sent() as seen:
            loaded = sessions.load_user(user_cookie)
            assert loaded is not None and loaded.id == user_id
            assert loaded.organisation.id == organisation_id
            loaded.organisation.claim  # noqa: B018 - the dashboard reads it
        assert len(seen) == 1, seen
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
        "0:x",
        "007:x",  # no id is written with a leading zero
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


def _load(app, user_cookie: str, token: str, hint) -> tuple:
    """Run the loader as a new request would, with the organisation hint `hint` (missing
    when None): (the user, the statements sent, the hint the cookie holds after)."""
    db.session.expunge_all()
    with app.app_context(), app.test_request_context("/dashboard"):
        cookie_session[sessions.COOKIE_KEY] = token
        if hint is not None:
            cookie_session[sessions.ORGANISATION_KEY] = hint
        with statements_sent() as seen:
            loaded = sessions.load_user(user_cookie)
            organisation = loaded.organisation  # what an employer's page reads
            claim = organisation.claim if organisation is not None else None
        return loaded, organisation, claim, seen, cookie_session.get("org")


def test_a_user_without_an_organisation_is_loaded_without_its_joins(app, db_session):
    """An officer (no organisation, as the login's hint says): one statement, which joins
    no organisation, and asking for the organisation sends nothing more."""
    officer = OfficerFactory()
    db.session.flush()
    _record, token = sessions.start(officer, ip="127.0.0.1", user_agent="pytest")
    db.session.flush()
    loaded, organisation, _claim, seen, hint = _load(
        app, f"{officer.id}:{officer.session_token}", token, False
    )
    assert loaded.id == officer.id and organisation is None
    assert len(seen) == 1 and "JOIN organisation" not in seen[0], seen
    assert hint is False


@pytest.mark.parametrize("hint", [True, None])
def test_an_employer_is_loaded_with_the_organisation_in_one_statement(app, signed_in, hint):
    """The login's hint (True), or a cookie from before the hint (None): one statement."""
    user, user_cookie, token = signed_in
    loaded, organisation, claim, seen, _hint = _load(app, user_cookie, token, hint)
    assert organisation.id == user.organisation_id and claim is not None
    assert len(seen) == 1 and "JOIN organisation_claim" in seen[0], seen


def test_a_wrong_hint_still_loads_the_truth_and_is_corrected(app, signed_in):
    """An organisation registered (or left) since the login: the page still sees the
    truth, through a lazy load, and the cookie's hint is put right for the next request."""
    user, user_cookie, token = signed_in
    loaded, organisation, claim, seen, hint = _load(app, user_cookie, token, False)
    assert organisation.id == user.organisation_id and claim is not None
    assert len(seen) > 1  # the lazy loads the hint cost, this once
    assert hint is True
    _loaded, _organisation, _claim, seen, hint = _load(app, user_cookie, token, hint)
    assert len(seen) == 1 and hint is True
    # The other way: the employer left the organisation.
    user = db.session.get(type(user), user.id)
    user.organisation_id = None
    db.session.flush()
    loaded, organisation, _claim, seen, hint = _load(app, user_cookie, token, True)
    assert organisation is None and hint is False


def test_the_login_sets_the_hint(client, db_session):
    from tests.support import PASSWORD, login

    for user, has in [(EmployerFactory(), True), (OfficerFactory(), False)]:
        db.session.commit()
        login(client, user.email, PASSWORD)
        with client.session_transaction() as stored:
            assert stored[sessions.ORGANISATION_KEY] is has
        client.post("/account/logout", data={})
