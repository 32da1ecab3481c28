"""Migrations match the models; demo data loads once and prints the accounts."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade
from sqlalchemy import func, insert, select

from onboarding import demo as onboarding_demo
from portal import create_app
from portal.accounts.models import Mandate, MandateStatus, Role, User
from portal.accounts.sessions import UserSession
from portal.demo import ACCOUNTS, PASSWORD
from portal.extensions import db
from tests.support import login, own_database, own_settings

DESIGN_ACCOUNTS = {
    "employer@demo.example",
    "mandatary@demo.example",
    "officer@demo.example",
    "helpdesk@demo.example",
    "municipality@demo.example",
    "school@demo.example",
    "childcare@demo.example",
    "talent@demo.example",
    "admin@demo.example",
    "entrepreneur@demo.example",
}


def test_the_migrations_create_exactly_the_models(app, db_session):
    context = MigrationContext.configure(db.session.connection())
    assert compare_metadata(context, db.metadata) == []


def test_demo_load_creates_every_account_once_and_prints_them(app, db_session, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)  # keep the test's transaction
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    # The portal's own accounts, and the orange carpet's from its demo hook.
    every = [*ACCOUNTS, *onboarding_demo.ACCOUNTS]
    assert {email for email, _name, _role in every} == DESIGN_ACCOUNTS
    for email in DESIGN_ACCOUNTS:
        assert email in first.output
    assert PASSWORD in first.output
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0
    assert db.session.scalar(select(func.count(User.id))) == len(DESIGN_ACCOUNTS)
    mandate = db.session.scalar(select(Mandate))
    assert mandate.status == MandateStatus.VERIFIED
    assert mandate.foreign_employer.mandatary.users[0].email == "mandatary@demo.example"


def test_demo_accounts_can_log_in(app, client, db_session, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    app.test_cli_runner().invoke(args=["demo", "load"])
    monkeypatch.undo()
    login(client, "officer@demo.example", PASSWORD)
    assert "Olivia Officer" in client.get("/dashboard").get_data(as_text=True)


def test_the_demo_entrepreneur_can_start_a_card_for_herself(app, client, db_session, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    app.test_cli_runner().invoke(args=["demo", "load"])
    monkeypatch.undo()
    login(client, "entrepreneur@demo.example", PASSWORD)
    page = client.get("/dashboard?lang=en").get_data(as_text=True)
    assert "Elif Entrepreneur" in page and "professional card" in page.lower()


def test_the_last_login_is_filled_in_from_the_sessions_already_there(tmp_path):
    """Migration 20261205_sessions: accounts keep counting from the logins they had."""
    url, drop = own_database(tmp_path, "portal_migration_last_login")
    app = create_app(own_settings(tmp_path, url))
    moments = [datetime(2025, month, 2, 9, 30, tzinfo=UTC) for month in (1, 7, 3)]
    try:
        with app.app_context():
            upgrade(revision="20261202_speedb")  # the schema before the column
            accounts = {}
            for name in ("came", "never"):
                accounts[name] = db.session.execute(
                    insert(User.__table__)
                    .values(email=f"{name}@example.test", name=name, role=Role.EMPLOYER)
                    .returning(User.__table__.c.id)
                ).scalar_one()
            for number, moment in enumerate(moments):
                db.session.execute(
                    insert(UserSession.__table__).values(
                        token_hash=f"{number:064d}",
                        user_id=accounts["came"],
                        created_at=moment,
                        last_seen_at=moment,
                    )
                )
            db.session.commit()
            upgrade()
            came, never = (db.session.get(User, accounts[key]) for key in ("came", "never"))
            assert came.last_login_at == max(moments)
            assert never.last_login_at is None  # it keeps counting from its creation
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()
