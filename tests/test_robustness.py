"""Robustness: stray query parameters, error pages that cannot fail, request ids, one retry."""

from __future__ import annotations

import sqlite3
from urllib.parse import parse_qsl, urlsplit

import pytest
from flask import Blueprint
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from portal import create_app, transactions
from portal.accounts.models import User
from portal.extensions import db
from portal.security import public
from portal.transactions import is_retryable
from tests.support import check_page, login, make_user


def _lang_links(response) -> list[str]:
    soup = check_page(response.get_data(as_text=True))
    return [a["href"] for a in soup.select("nav.lang-switch a")]


# `?endpoint=x` and friends ----------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "endpoint=x",
        "values=x",
        "_external=1",
        "endpoint=x&values=y&_external=1&_scheme=javascript&_anchor=a&_method=POST",
        "endpoint=%00%0D%0A&values=%E2%80%AE",
    ],
)
def test_a_stray_query_parameter_never_breaks_a_page(client, query):
    response = client.get(f"/?{query}")
    assert response.status_code == 200
    links = _lang_links(response)
    assert len(links) == 4
    for href in links:
        parts = urlsplit(href)
        assert (parts.scheme, parts.netloc, parts.path, parts.fragment) == ("", "", "/", "")
        args = dict(parse_qsl(parts.query))
        assert args["lang"] in {"nl", "fr", "de", "en"}
        assert not any(key.startswith("_") for key in args)


def test_the_language_links_keep_the_page_and_its_own_query(client):
    response = client.get("/?endpoint=x&values=y&lang=en")
    links = _lang_links(response)
    assert "/?endpoint=x&values=y&lang=fr" in links


def test_a_query_parameter_named_like_a_view_argument_is_harmless(client):
    # /account/verify/<token>: `?token=` used to reach url_for as a second `token`.
    response = client.get("/account/verify/not-a-real-token?token=other&dossier_id=1")
    assert response.status_code < 500
    if response.status_code == 200:
        for href in _lang_links(response):
            assert href.startswith(
                "/account/verify/not-a-real-token?token=other&dossier_id=1&lang="
            )


def test_a_view_argument_name_on_a_logged_in_page_with_view_args(client, db_session):
    make_user("emp-va@example.be")
    login(client, "emp-va@example.be")
    response = client.get("/helpdesk/tickets/abc?token=x&endpoint=y&_external=1")
    assert response.status_code < 500


# Error pages ------------------------------------------------------------------------------


@pytest.fixture
def failing_app(app, db_session):
    """The portal with a few views that fail, exceptions handled as in production."""
    failing = create_app(dict(app.config, TESTING=False, PROPAGATE_EXCEPTIONS=False))
    bp = Blueprint("failing", __name__)
    calls = {"n": 0}

    @bp.get("/boom")
    def boom():
        raise RuntimeError("secret detail")

    @bp.get("/api/v1/test-boom")
    def api_boom():
        raise RuntimeError("secret detail")

    @bp.get("/broken-session")
    @transactions.writes
    def broken_session():
        # A failed flush leaves the session needing a rollback (PendingRollbackError)
        # for every later query, the error page's included.
        db.session.add(User(email=None))
        db.session.flush()

    @bp.get("/locked-once")
    def locked_once():
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))
        return "second time lucky"

    @bp.post("/upload-locked-once")
    def upload_locked_once():
        from flask import flash, request

        calls["n"] += 1
        data = request.files["file"].read()
        flash("saved")
        if calls["n"] == 1:
            raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))
        calls["read"] = data
        return "ok"

    @bp.get("/locked-always")
    def locked_always():
        calls["n"] += 1
        raise OperationalError("UPDATE x", {}, sqlite3.OperationalError("database is locked"))

    @bp.get("/broken-sql")
    def broken_sql():
        calls["n"] += 1
        raise OperationalError("SELEC", {}, sqlite3.OperationalError("syntax error"))

    failing.register_blueprint(bp)
    for name in (
        "boom",
        "api_boom",
        "broken_session",
        "upload_locked_once",
        "locked_once",
        "locked_always",
        "broken_sql",
    ):
        failing.view_functions[f"failing.{name}"] = public(
            failing.view_functions[f"failing.{name}"]
        )
    failing.calls = calls
    return failing


def test_a_500_shows_and_sends_its_request_id(failing_app, caplog):
    response = failing_app.test_client().get("/boom?lang=en")
    assert response.status_code == 500
    rid = response.headers["X-Request-ID"]
    assert len(rid) == 32
    body = response.get_data(as_text=True)
    assert rid in body and "secret detail" not in body
    assert check_page(body).h1.get_text(strip=True) == "Something went wrong on our side"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert any(rid in record.getMessage() for record in caplog.records)


@pytest.mark.parametrize(
    ("incoming", "kept"),
    [
        ("proxy-1234.abcd_EF", True),
        ("short", False),
        ("x" * 65, False),
        ("abc def ghi jkl", False),
        ("abcdefgh\r\nSet-Cookie: x=1", False),
        ("<script>alert(1)</script>", False),
        ("-leading-dash-1234", False),
    ],
)
def test_only_a_plain_incoming_request_id_is_kept(failing_app, incoming, kept):
    response = failing_app.test_client().get(
        "/boom", environ_overrides={"HTTP_X_REQUEST_ID": incoming}
    )
    rid = response.headers["X-Request-ID"]
    assert (rid == incoming) is kept
    assert rid in response.get_data(as_text=True)


def test_every_response_carries_a_request_id(client):
    assert len(client.get("/").headers["X-Request-ID"]) == 32


def test_the_error_page_rolls_the_session_back_first(failing_app, db_session):
    make_user("emp-500@example.be")
    web = failing_app.test_client()
    login(web, "emp-500@example.be")
    response = web.get("/broken-session?lang=fr")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Un problème est survenu de notre côté" in body  # the real page, translated
    assert "emp-500@example.be" in body or check_page(body)  # base.html rendered
    assert db.session.scalar(select(User.email).where(User.email == "emp-500@example.be"))


def test_when_the_error_page_fails_a_static_page_answers(failing_app, monkeypatch):
    import portal.errors

    def broken(*_args, **_kwargs):
        raise RuntimeError("template broken")

    monkeypatch.setattr(portal.errors, "render_template", broken)
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "Something went wrong" in body and "Er ging iets mis" in body
    assert response.headers["X-Request-ID"] in body
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "template broken" not in body


def test_the_api_answers_errors_in_json(failing_app):
    response = failing_app.test_client().get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"
    response = failing_app.test_client().get("/api/v1/test-boom")
    assert response.status_code == 500 and response.is_json
    error = response.json["error"]
    assert error["code"] == "internal_error" and "secret" not in error["message"]
    assert error["request_id"] == response.headers["X-Request-ID"]


# One retry --------------------------------------------------------------------------------


def test_a_request_that_lost_a_lock_race_runs_once_more(failing_app):
    response = failing_app.test_client().get("/locked-once")
    assert response.status_code == 200 and failing_app.calls["n"] == 2


def test_a_retried_request_reads_its_upload_again_and_flashes_once(failing_app):
    import io

    web = failing_app.test_client()
    response = web.post(
        "/upload-locked-once",
        data={"file": (io.BytesIO(b"%PDF-1.4 the bytes"), "a.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 200 and failing_app.calls["n"] == 2
    assert failing_app.calls["read"] == b"%PDF-1.4 the bytes"
    with web.session_transaction() as session:
        assert session["_flashes"] == [("message", "saved")]


def test_the_retry_is_bounded_to_one(failing_app):
    response = failing_app.test_client().get("/locked-always")
    assert response.status_code == 500 and failing_app.calls["n"] == 2


def test_other_database_errors_are_not_retried(failing_app):
    response = failing_app.test_client().get("/broken-sql")
    assert response.status_code == 500 and failing_app.calls["n"] == 1


class _PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("orig", "retry"),
    [
        (_PgError("40001"), True),  # serialization_failure
        (_PgError("40P01"), True),  # deadlock_detected
        (_PgError("23505"), False),  # unique_violation: a real conflict, not a race to retry
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("no such table: x"), False),
    ],
)
def test_which_errors_are_retried(orig, retry):
    assert is_retryable(OperationalError("x", {}, orig)) is retry
    assert is_retryable(RuntimeError("database is locked")) is False
