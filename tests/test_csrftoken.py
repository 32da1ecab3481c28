"""A visitor's CSRF token is signed once a minute, not on every page (portal/csrftoken.py)."""

from __future__ import annotations

import flask_wtf.csrf
import pytest
from flask import session
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from portal import csrftoken
from tests.support import check_page, csrf_login, make_user

LOGOUT = "header form[action='/account/logout'] input[name=csrf_token]"


@pytest.fixture
def signings(monkeypatch) -> list[str]:
    """Every token Flask-WTF signs from now on (it makes a serializer per signing)."""
    made: list[str] = []
    original = flask_wtf.csrf.URLSafeTimedSerializer

    class Counting(original):
        def dumps(self, obj, salt=None):
            token = super().dumps(obj, salt)
            made.append(token)
            return token

    monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", Counting)
    return made


def _token(client, path: str = "/dashboard", selector: str = LOGOUT) -> str:
    return check_page(client.get(path).get_data(as_text=True)).select_one(selector)["value"]


@pytest.mark.csrf
def test_pages_within_a_minute_reuse_the_signed_token_and_it_is_accepted(
    csrf_app, db_session, signings, monkeypatch
):
    make_user("csrf-reuse@example.be")
    db_session.commit()
    client = csrf_app.test_client()
    csrf_login(client, "csrf-reuse@example.be")
    clock = [1000.0]
    monkeypatch.setattr(csrftoken.time, "monotonic", lambda: clock[0])

    signings.clear()
    first = _token(client)
    assert len(signings) == 1  # the first page after the login signs the new secret
    clock[0] += csrftoken.REUSE_SECONDS - 1
    assert _token(client) == first
    assert _token(client, "/account/") == first
    assert len(signings) == 1  # two more pages, no signing

    clock[0] += 2  # past the minute: signed anew, and the new token is kept in its turn
    renewed = _token(client)
    assert len(signings) == 2 and signings[-1] == renewed
    assert _token(client) == renewed and len(signings) == 2

    # The kept token is a real one: the session logs out with it.
    assert client.post("/account/logout", data={"csrf_token": renewed}).status_code == 302
    assert client.get("/dashboard").status_code == 302


@pytest.mark.csrf
def test_a_new_session_never_gets_the_token_of_the_one_it_replaced(csrf_app, db_session):
    make_user("csrf-one@example.be")
    make_user("csrf-two@example.be")
    db_session.commit()
    client = csrf_app.test_client()
    csrf_login(client, "csrf-one@example.be")
    old = _token(client)
    assert client.post("/account/logout", data={"csrf_token": old}).status_code == 302
    csrf_login(client, "csrf-two@example.be")  # login and logout each start a fresh secret
    new = _token(client)
    assert new != old
    assert client.post("/account/logout", data={"csrf_token": old}).status_code == 400
    assert client.post("/account/logout", data={"csrf_token": new}).status_code == 302


def test_a_token_of_a_secret_replaced_during_the_request_is_never_kept_for_the_new_one(app):
    """A login clears the session after its form had its token: Flask-WTF keeps that token
    (of the old secret) for the rest of the request. It must never be kept under the new
    secret, or every page of the new session would carry a token its forms refuse."""
    with app.test_request_context("/"):
        session["csrf_token"] = "a" * 40
        old = csrftoken.signed()
        assert csrftoken.kept("a" * 40)[0] == old  # kept right after signing, under its secret
        session.clear()
        session["csrf_token"] = "b" * 40
        assert csrftoken.signed() == old  # Flask-WTF's own for this request
        assert csrftoken.kept("b" * 40) is None
    with app.test_request_context("/"):
        session["csrf_token"] = "b" * 40
        new = csrftoken.signed()
        assert new != old
        validate_csrf(new)  # raises when the token is not one of this session's secret
        with pytest.raises(ValidationError):
            validate_csrf(old)


def test_without_a_time_limit_nothing_is_kept(app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_TIME_LIMIT", None)
    with app.test_request_context("/"):
        session["csrf_token"] = "d" * 40
        csrftoken.signed()
        assert csrftoken.kept("d" * 40) is None


@pytest.mark.csrf
def test_a_page_with_two_forms_gives_no_two_fields_one_id(csrf_app, db_session):
    """The account page's language and password forms each carry a CSRF field: rendered
    with an id each, both were `csrf_token` (a duplicate id on the page)."""
    make_user("csrf-ids@example.be")
    db_session.commit()
    client = csrf_app.test_client()
    csrf_login(client, "csrf-ids@example.be")
    page = check_page(client.get("/account/?lang=en").get_data(as_text=True))  # no duplicate id
    fields = page.select("main input[name=csrf_token]")
    assert len(fields) >= 2
    assert all(not field.has_attr("id") for field in fields)
    assert len({field["value"] for field in fields}) == 1  # one token, signed once
