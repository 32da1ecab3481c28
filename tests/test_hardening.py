"""Transport and cache headers, trusted proxies, and the strength of the secret key."""

from __future__ import annotations

import secrets

import pytest
from flask import Response, request

from portal import create_app, hardening
from portal.config import DEV_SECRET, ConfigError, secret_problem
from portal.extensions import db
from tests.support import login, make_user

YEAR = 365 * 24 * 3600


@pytest.fixture
def fresh_app(app):
    """Another portal on the tests' database (a fresh one is needed for ProxyFix)."""
    made = []

    def make(**config):
        portal = create_app(
            {
                "TESTING": True,
                "SECRET_KEY": app.config["SECRET_KEY"],
                "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                "UPLOAD_DIR": app.config["UPLOAD_DIR"],
                "MAIL_DIR": app.config["MAIL_DIR"],
                **config,
            }
        )
        made.append(portal)
        return portal

    yield make
    for portal in made:
        with portal.app_context():
            db.engine.dispose()


# --- The secret key -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "secret",
    [
        "x" * 40,
        "ab" * 20,
        "0123456789" * 4,
        "changeme-" * 4,
        "passwordpasswordpasswordpassword!",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaabcdefgh",
        DEV_SECRET,
        "short-but-random-Zq8",
    ],
)
def test_production_refuses_a_weak_secret_key(monkeypatch, secret):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_a_weak_secret_is_fine_outside_production(monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "development")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    assert create_app().config["SECRET_KEY"] == "x" * 40


def test_generated_secrets_are_accepted():
    for _ in range(500):
        assert secret_problem(secrets.token_hex(16)) is None
        assert secret_problem(secrets.token_urlsafe(32)) is None


# --- HSTS and caching ---------------------------------------------------------------------


def test_production_sends_hsts_for_at_least_a_year(fresh_app, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(48))
    production = fresh_app(ENV_NAME="production")
    response = production.test_client().get("/healthz")
    assert response.status_code == 200
    header = response.headers["Strict-Transport-Security"]
    max_age = int(header.split("max-age=")[1].split(";")[0])
    assert max_age >= YEAR and "includeSubDomains" in header
    # The existing policy is left alone.
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]


def test_development_sends_no_hsts(client):
    assert "Strict-Transport-Security" not in client.get("/healthz").headers


def test_private_pages_are_not_stored_and_public_ones_may_be(client):
    anonymous = client.get("/")
    assert anonymous.status_code == 200
    assert "no-store" not in anonymous.headers.get("Cache-Control", "")
    user = make_user("hr@acme.example")
    login(client, user.email)
    dashboard = client.get("/dashboard")
    assert dashboard.status_code == 200 and dashboard.headers["Cache-Control"] == "no-store"
    assert client.get("/").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/portal.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_api_answers_are_not_stored(client):
    response = client.get("/api/v1/forwarded", headers={"Authorization": "Bearer nonsense"})
    assert response.status_code == 401 and response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize(
    ("mimetype", "headers"),
    [
        ("application/pdf", {}),
        ("text/calendar", {"Content-Disposition": 'attachment; filename="a.ics"'}),
    ],
)
def test_every_pdf_and_attachment_is_not_stored(app, mimetype, headers):
    with app.test_request_context("/anything"):
        response = Response(b"%PDF-1.4", mimetype=mimetype, headers=headers)
        assert hardening.private(response)
        assert not hardening.private(Response("<p>public</p>", mimetype="text/html"))


def test_a_receipt_pdf_is_not_stored(client):
    from tests.applications_support import fill, start, submit

    user = make_user("hr@acme.example")
    login(client, user.email)
    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    response = client.get(f"/applications/{dossier.id}/receipt.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"


# --- Trusted proxies ----------------------------------------------------------------------


def seen_by(portal, headers):
    seen = {}

    @portal.before_request
    def look():
        seen.update(addr=request.remote_addr, scheme=request.scheme, host=request.host)

    portal.test_client().get("/healthz", headers=headers)
    return seen


FORWARDED = {
    "X-Forwarded-For": "198.51.100.7, 203.0.113.9",
    "X-Forwarded-Proto": "https",
    "X-Forwarded-Host": "portal.example.be",
}


def test_forwarded_headers_are_ignored_without_trusted_proxies(fresh_app):
    seen = seen_by(fresh_app(), FORWARDED)
    assert seen == {"addr": "127.0.0.1", "scheme": "http", "host": "localhost"}


def test_one_trusted_proxy_is_believed_for_its_own_hop_only(fresh_app):
    seen = seen_by(fresh_app(TRUSTED_PROXIES=1), FORWARDED)
    # The client prepended 198.51.100.7 itself; our proxy appended the real 203.0.113.9.
    assert seen == {"addr": "203.0.113.9", "scheme": "https", "host": "portal.example.be"}


def test_trusted_proxies_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    from portal.config import from_environment

    assert from_environment()["TRUSTED_PROXIES"] == 2


def test_a_response_naming_a_user_it_never_loaded_is_not_stored(app):
    """A view that never asked for the user (a redirect, a plain answer) still answers a
    signed-in person, or one who may become one by a remember cookie: no cache keeps it,
    and the user is not loaded for the header."""
    from flask import g, session

    with app.test_request_context("/anything"):
        session["_user_id"] = "1"
        assert hardening.private(Response("<p>mine</p>", mimetype="text/html"))
        assert g.get("_login_user") is None  # decided without the loader
    with app.test_request_context("/anything", headers={"Cookie": "remember_token=1|x"}):
        assert hardening.private(Response("<p>mine</p>", mimetype="text/html"))
    with app.test_request_context("/anything", headers={"Cookie": "remember_token_x=1"}):
        assert not hardening.private(Response("<p>public</p>", mimetype="text/html"))
    with app.test_request_context("/anything", headers={"Authorization": "Bearer \x00"}):
        assert hardening.private(Response("{}", mimetype="application/json"))
