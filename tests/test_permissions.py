"""Every route declares who may use it; undeclared routes are refused."""

from __future__ import annotations

from flask import url_for

from portal import create_app
from portal.security import BUILTIN_PUBLIC, access_of

# The routes open to everyone, on purpose. A new public route must be added here.
EXPECTED_PUBLIC = {
    "home.index",
    "home.healthz",
    "health.readyz",
    "health.metrics",  # token or loopback, checked in the view (tests/test_health.py)
    "home.security_txt",
    "home.favicon",
    "accounts.register",
    "accounts.register_employer",
    "accounts.register_entrepreneur",
    "accounts.register_mandatary",
    "accounts.check_email",
    "accounts.verify",
    "accounts.resend_verification",
    "accounts.login",
    "accounts.forgot_password",
    "accounts.reset_password",
    "accounts.accept_invitation",
    "claims.contest",
    "claims.contest_sent",
    "public.eligibility",
    "public.detachment_guide",
    "public.fee_guide",
    "card_public.exemption_check",
    "card_public.info",
    "privacy_page.index",
    "privacy_page.record",
    "stats.public_page",
    "api.openapi",
    "helpdesk.report",
    "helpdesk.ticket",
    "helpdesk.blank_form",
}


def test_every_endpoint_declares_its_permission(app):
    undeclared = [
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in BUILTIN_PUBLIC
        and access_of(app.view_functions[rule.endpoint]) is None
    ]
    assert undeclared == []


def test_public_endpoints_are_the_expected_ones(app):
    public = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if access_of(app.view_functions[rule.endpoint]) == "public"
    }
    assert public == EXPECTED_PUBLIC


SAMPLE_ARGUMENTS = {"section": "worker", "fmt": "json", "reference": "SP-2026-2345AB-C"}


def _anonymous_responses(app, client, api: bool):
    """(endpoint, response) for every protected route, of the API or of the pages."""
    for rule in app.url_map.iter_rules():
        access = access_of(app.view_functions.get(rule.endpoint))
        if access in (None, "public") or rule.endpoint in BUILTIN_PUBLIC:
            continue
        if (isinstance(access, tuple) and access[0] == "api") != api:
            continue
        with app.test_request_context():
            url = url_for(
                rule.endpoint,
                **{arg: SAMPLE_ARGUMENTS.get(arg, 1) for arg in rule.arguments},
            )
        method = "GET" if "GET" in rule.methods else "POST"
        yield rule, client.open(url, method=method)


def test_api_endpoints_refuse_calls_without_a_key(app, client):
    seen = 0
    for rule, response in _anonymous_responses(app, client, api=True):
        seen += 1
        assert response.status_code == 401, rule.endpoint
        assert response.headers["WWW-Authenticate"].startswith("Bearer"), rule.endpoint
        assert response.json["error"]["code"], rule.endpoint
    assert seen >= 3


def test_protected_endpoints_send_anonymous_users_to_login(app, client):
    for rule, response in _anonymous_responses(app, client, api=False):
        assert response.status_code == 302, (rule.endpoint, response.status_code)
        assert response.headers["Location"].startswith("/account/login"), rule.endpoint


def test_an_undeclared_route_is_refused(app, db_session):
    fresh = create_app(dict(app.config))
    fresh.add_url_rule("/__undeclared_probe", "undeclared_probe", lambda: "secret")
    response = fresh.test_client().get("/__undeclared_probe")
    assert response.status_code == 403
    assert b"secret" not in response.data
