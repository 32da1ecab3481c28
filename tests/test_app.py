"""The application core: health, configuration, error pages, headers, CSRF."""

from __future__ import annotations

import secrets

import pytest

from portal import create_app
from portal.config import ConfigError
from tests.support import check_page


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_reports_a_broken_database(app, db_session, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(db_session, "execute", broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["status"] == "error"


@pytest.mark.parametrize("secret", ["dev-only-not-secret", "short", ""])
def test_production_refuses_to_start_without_a_real_secret(monkeypatch, secret):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError):
        create_app()


def test_production_starts_with_a_real_secret_and_secure_cookies(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


@pytest.mark.parametrize(
    ("lang", "title"),
    [
        ("nl", "Pagina niet gevonden"),
        ("fr", "Page introuvable"),
        ("de", "Seite nicht gefunden"),
        ("en", "Page not found"),
    ],
)
def test_404_page_is_translated(client, lang, title):
    response = client.get(f"/does-not-exist?lang={lang}")
    assert response.status_code == 404
    soup = check_page(response.get_data(as_text=True))
    assert soup.h1.get_text(strip=True) == title


def test_403_page_for_the_wrong_role(client, db_session):
    from tests.support import login, make_user

    make_user("emp@example.be")
    login(client, "emp@example.be")
    response = client.get("/backoffice/mandates?lang=en")
    assert response.status_code == 403
    assert check_page(response.get_data(as_text=True)).h1.get_text(strip=True) == (
        "You do not have access to this page"
    )


def test_500_page_is_translated_and_hides_details(app, db_session):
    from flask import Blueprint

    app_500 = create_app(dict(app.config, TESTING=False, PROPAGATE_EXCEPTIONS=False))
    boom = Blueprint("boom", __name__)

    @boom.get("/boom")
    def explode():
        raise RuntimeError("secret detail")

    from portal.security import public

    app_500.view_functions  # noqa: B018
    app_500.register_blueprint(boom)
    app_500.view_functions["boom.explode"] = public(explode)
    response = app_500.test_client().get("/boom?lang=fr")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret detail" not in body
    assert "Un problème est survenu de notre côté" in body


def test_security_headers(client):
    response = client.get("/")
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    for name in ("X-Frame-Options", "Content-Security-Policy", "X-Content-Type-Options"):
        assert len(response.headers.getlist(name)) == 1, name


def test_a_security_header_a_view_set_itself_is_kept(app):
    from flask import Response

    (hook,) = [
        f for f in app.after_request_funcs[None] if getattr(f, "__name__", "") == "security_headers"
    ]
    response = Response("embeddable")
    response.headers["x-frame-options"] = "SAMEORIGIN"  # any spelling of the name
    with app.test_request_context("/"):
        response = hook(response)
    assert response.headers.getlist("X-Frame-Options") == ["SAMEORIGIN"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_a_changed_secret_key_is_used_at_once_by_the_session_cookie(app):
    # The session's signing serializer is built once per key set (not twice a request), so
    # a rotated key, with or without the old one as a fallback, must give a new one.
    from itsdangerous import BadSignature

    interface = app.session_interface
    signer = interface.get_signing_serializer(app)
    assert interface.get_signing_serializer(app) is signer
    cookie = signer.dumps({"lang": "de"})
    old_key = app.secret_key
    try:
        app.secret_key = "a-rotated-secret-key-of-sufficient-length"
        with pytest.raises(BadSignature):
            interface.get_signing_serializer(app).loads(cookie)
        app.config["SECRET_KEY_FALLBACKS"] = [old_key]
        assert interface.get_signing_serializer(app).loads(cookie) == {"lang": "de"}
    finally:
        app.secret_key = old_key
        app.config["SECRET_KEY_FALLBACKS"] = []
    assert interface.get_signing_serializer(app).loads(cookie) == {"lang": "de"}


def test_hooks_and_views_run_as_they_are_unless_they_are_coroutines(app):
    def plain():
        return "sync"

    async def coroutine():
        return "async"

    assert app.ensure_sync(plain) is plain
    assert app.ensure_sync(app.full_dispatch_request) == app.full_dispatch_request
    try:
        wrapped = app.ensure_sync(coroutine)
    except RuntimeError:
        return  # Flask's own answer without asgiref installed: not run as a plain function
    assert wrapped is not coroutine
    assert wrapped() == "async"


@pytest.fixture
def csrf_client(app, db_session):
    app.config["WTF_CSRF_ENABLED"] = True
    yield app.test_client()
    app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.csrf
def test_a_form_without_its_csrf_token_is_refused_with_a_clear_page(csrf_client):
    response = csrf_client.post(
        "/account/login?lang=en", data={"email": "a@example.be", "password": "x" * 12}
    )
    assert response.status_code == 400
    soup = check_page(response.get_data(as_text=True))
    assert soup.h1.get_text(strip=True) == "This form has expired"


@pytest.mark.csrf
def test_a_form_with_its_csrf_token_is_accepted(csrf_client):
    page = csrf_client.get("/account/login?lang=en").get_data(as_text=True)
    token = check_page(page).find("input", {"name": "csrf_token"})["value"]
    response = csrf_client.post(
        "/account/login", data={"csrf_token": token, "email": "a@example.be", "password": "x" * 12}
    )
    assert response.status_code == 200
    assert "The e-mail address or password is not correct." in response.get_data(as_text=True)
