"""The portal without the orange carpet: PORTAL_PLUGINS empty leaves no trace of it.

The plug-in is made unimportable for the whole test, so any import of it from the portal
fails loudly. Migrations run on a fresh SQLite database, the demo data loads, and every
page without parameters is fetched anonymously and as each demo account.
"""

from __future__ import annotations

import sys

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from jinja2 import TemplateNotFound

from portal import create_app, demo
from portal.extensions import db, limiter
from portal.security import access_of

# What the orange carpet shows or names; none of it may appear without the plug-in.
TRACES = (
    "onboarding",
    "/welcome",
    "/partner",
    "orange carpet",
    "Partner services",
    "Referrals to answer",
    "My welcome checklist",
    "municipality@demo.example",
    "talent@demo.example",
)
PLUGIN_BLUEPRINTS = {"welcome", "partner_inbox", "partner_admin", "welcome_employer"}


@pytest.fixture
def bare(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "onboarding", None)  # `import onboarding` now fails
    app = create_app(
        {
            "TESTING": True,
            "PLUGINS": (),
            "SECRET_KEY": "test-secret-key-of-sufficient-length-000",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'bare.sqlite'}",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
            "MAIL_DIR": str(tmp_path / "mail"),
            "MAIL_SERVER": "",
            "WTF_CSRF_ENABLED": False,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "PORTAL_BASE_URL": "http://portal.test",
        }
    )
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def _tables() -> set[str]:
    return set(sa.inspect(db.session.connection()).get_table_names())


def _walkable(app) -> list[str]:
    """Every GET route without parameters (the login and logout routes aside)."""
    return sorted(
        rule.rule
        for rule in app.url_map.iter_rules()
        if "GET" in rule.methods
        and not rule.arguments
        and rule.endpoint != "static"
        and not rule.rule.startswith("/account/log")
    )


def test_a_fresh_database_without_the_plugin_has_none_of_its_tables(bare):
    assert "user_account" in _tables()
    assert not {name for name in _tables() if name.startswith("onboarding")}
    versions = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).all()
    db.session.rollback()
    assert len(versions) == 1  # the portal's head, no plug-in branch


def test_no_route_template_link_or_queue_of_the_plugin(bare):
    assert not PLUGIN_BLUEPRINTS & set(bare.blueprints)
    for rule in bare.url_map.iter_rules():
        view = bare.view_functions[rule.endpoint]
        assert not view.__module__.startswith("onboarding"), rule
        assert not rule.rule.startswith(("/welcome", "/partner", "/admin/partners")), rule
        access = access_of(view)
        if isinstance(access, tuple) and access[0] == "roles":
            assert "partner" not in access[1], rule  # the plug-in's role
    for name in ("onboarding/checklist.html", "emails/onboarding_invitation.txt"):
        with pytest.raises(TemplateNotFound):
            bare.jinja_env.get_template(name)
    links = bare.extensions.get("dashboard_links", {})
    assert "talent" not in links and "partner" not in links
    assert [endpoint for endpoint, _label in links["admin"]] == ["parked.index"]
    # the portal's own link (a card's renewal) stays; the carpet's welcome link does not
    assert [f.__module__ for f in bare.extensions.get("dossier_links", [])] == [
        "portal.dossiers.wizard.card_renewal"
    ]
    assert not bare.extensions.get("plugin_migrations")
    assert "onboarding" not in bare.cli.commands


def test_demo_data_and_every_page_without_a_trace(bare):
    result = bare.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code == 0, result.output
    for email, _name, _role in demo.ACCOUNTS:
        assert email in result.output
    for trace in TRACES:
        assert trace not in result.output
    roles = {row[0] for row in db.session.execute(sa.text("SELECT role FROM user_account"))}
    assert roles == {role.value for _email, _name, role in demo.ACCOUNTS}
    assert not {name for name in _tables() if name.startswith("onboarding")}
    db.session.rollback()

    pages = _walkable(bare)
    assert "/dashboard" in pages
    visitors = [None, *(email for email, _name, _role in demo.ACCOUNTS)]
    for email in visitors:
        limiter.reset()
        client = bare.test_client()
        if email:
            response = client.post(
                "/account/login", data={"email": email, "password": demo.PASSWORD}
            )
            assert response.status_code == 302, email
            assert client.get("/dashboard").status_code == 200, email
        for page in pages:
            response = client.get(page)
            # /readyz answers 503 by design here: no worker has sent a heartbeat.
            assert response.status_code < 500 or page == "/readyz", (email, page)
            if not response.mimetype.startswith(("text/", "application/json")):
                continue  # a PDF or a spreadsheet
            body = response.get_data(as_text=True)
            for trace in TRACES:
                assert trace not in body, (email, page, trace)
