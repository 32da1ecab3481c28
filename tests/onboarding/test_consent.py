"""Consent belongs to one dossier and one employer (issue 11, part 5).

A worker who lets employer A see their welcome steps has said nothing to employer B. When B
is granted a permit for the same person, B gets its own invitation and its own (empty)
consent; A keeps what the worker gave A; and "resend" by either one touches only its own.
"""

from __future__ import annotations

import pytest

from onboarding import invitations, services
from onboarding.models import WelcomeInvitation
from portal import clock
from portal.accounts.services import hash_password
from portal.extensions import db
from tests.onboarding.support import granted_dossier, outbox, profile_of
from tests.support import PASSWORD, login, make_user

WORKER = "priya@example.in"


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    with app.test_request_context("/?lang=en"):
        yield


def consent(talent, dossier, given: bool = True) -> None:
    """The worker ticks (or unticks) the box for the employer of this one file."""
    invitation = db.session.query(WelcomeInvitation).filter_by(dossier_id=dossier.id).one()
    services.set_employer_consent(talent, invitation.id, given)


@pytest.fixture
def two_employers(db_session):
    first = make_user("hr@first.example")
    second = make_user("hr@second.example")
    first.organisation.name, second.organisation.name = "First Logistics NV", "Second Care BV"
    dossier_a = granted_dossier(first, worker_email=WORKER)
    talent = invitations.invite(dossier_a)
    consent(talent, dossier_a)
    dossier_b = granted_dossier(second, worker_email=WORKER.upper())
    assert invitations.invite(dossier_b) == talent  # the same person, the same account
    db.session.flush()
    return first, second, dossier_a, dossier_b, talent


def test_another_employers_permit_gets_its_own_invitation_and_no_consent(two_employers):
    first, second, dossier_a, dossier_b, talent = two_employers
    rows = db.session.query(WelcomeInvitation).order_by(WelcomeInvitation.id).all()
    assert [row.dossier_id for row in rows] == [dossier_a.id, dossier_b.id]
    assert {row.profile_id for row in rows} == {profile_of(talent).id}
    assert invitations.employer_view(first, dossier_a).consent is True
    assert invitations.employer_view(second, dossier_b).consent is False
    assert invitations.employer_view(second, dossier_b).steps == []


def test_resend_by_one_employer_does_not_touch_the_others_consent(two_employers):
    first, second, dossier_a, dossier_b, talent = two_employers
    invitations.resend(second, dossier_b)
    assert invitations.employer_view(first, dossier_a).consent is True
    assert invitations.employer_view(second, dossier_b).consent is False
    invitations.resend(first, dossier_a)
    assert invitations.employer_view(first, dossier_a).consent is True
    assert invitations.employer_view(second, dossier_b).consent is False
    assert len(outbox("onboarding_invitation", WORKER)) == 4


def test_consent_for_b_leaves_a_alone_and_withdrawal_is_per_employer(two_employers):
    first, second, dossier_a, dossier_b, talent = two_employers
    consent(talent, dossier_b)
    consent(talent, dossier_a, False)
    assert invitations.employer_view(first, dossier_a).consent is False
    assert invitations.employer_view(second, dossier_b).consent is True
    invitations.resend(first, dossier_a)
    assert invitations.employer_view(second, dossier_b).consent is True


def test_the_employer_page_shows_only_its_own_consent(client, two_employers):
    first, second, dossier_a, dossier_b, talent = two_employers
    db.session.commit()
    login(client, second.email)
    page = client.get(f"/welcome/employer/{dossier_b.id}?lang=en").get_data(as_text=True)
    assert "has not chosen to show" in page and "steps done" not in page
    client.post(f"/welcome/employer/{dossier_b.id}/resend")
    client.post("/account/logout")
    login(client, first.email)
    page = client.get(f"/welcome/employer/{dossier_a.id}?lang=en").get_data(as_text=True)
    assert "steps done" in page


def test_a_worker_cannot_set_consent_on_someone_elses_invitation(two_employers):
    from portal.errors import NotFound
    from tests.onboarding.support import make_talent

    *_, dossier_b, _talent = two_employers
    stranger = make_talent("stranger@example.in")
    invitation = db.session.query(WelcomeInvitation).filter_by(dossier_id=dossier_b.id).one()
    with pytest.raises(NotFound):
        services.set_employer_consent(stranger, invitation.id, True)
    assert invitation.consent_employer_view is False


def test_the_talent_gives_consent_per_employer_on_the_profile_page(client, two_employers):
    first, second, dossier_a, dossier_b, talent = two_employers
    talent.password_hash = hash_password(PASSWORD)
    talent.email_verified_at = clock.now()
    db.session.commit()
    invitation = db.session.query(WelcomeInvitation).filter_by(dossier_id=dossier_b.id).one()
    login(client, talent.email)
    page = client.get("/welcome/profile?lang=en").get_data(as_text=True)
    assert "First Logistics NV" in page and "Second Care BV" in page
    assert dossier_a.reference in page and dossier_b.reference in page
    response = client.post(f"/welcome/consents/{invitation.id}", data={"consent": "1"})
    assert response.status_code == 302
    assert invitations.employer_view(second, dossier_b).consent is True
    assert invitations.employer_view(first, dossier_a).consent is True
    client.post(f"/welcome/consents/{invitation.id}", data={"consent": "0"})
    assert invitations.employer_view(second, dossier_b).consent is False
    assert invitations.employer_view(first, dossier_a).consent is True


def test_the_migration_keeps_existing_consent_for_its_own_file_and_back(tmp_path):
    """Upgrade: a profile's consent becomes its dossier's invitation; downgrade: back again."""
    from datetime import UTC, date, datetime

    import sqlalchemy as sa
    from flask_migrate import downgrade, upgrade

    from portal import create_app

    url = f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "k" * 40})
    engine = sa.create_engine(url)

    def insert(connection, name: str, **values) -> int:
        table = sa.Table(name, sa.MetaData(), autoload_with=connection)
        for column in table.columns:
            if column.name in values or column.nullable or column.primary_key:
                continue
            kind = column.type.python_type
            values[column.name] = {
                int: 0,
                str: f"{name}-{column.name}",
                bool: False,
                datetime: datetime(2026, 1, 1, tzinfo=UTC),
                date: date(2026, 1, 1),
            }[kind]
        return connection.execute(table.insert().values(**values)).inserted_primary_key[0]

    with app.app_context():
        upgrade(revision="c4c70fbec13a")
        with engine.begin() as connection:
            user = insert(connection, "user_account", email="t@example.in", role="talent")
            dossier = insert(connection, "dossier", reference="SP-MIG-1", status="submitted")
            insert(
                connection,
                "onboarding_profile",
                user_id=user,
                dossier_id=dossier,
                consent_employer_view=True,
            )
            insert(
                connection,
                "onboarding_profile",
                user_id=insert(connection, "user_account", email="u@example.in", role="talent"),
                consent_employer_view=True,  # no file: nothing to carry over
            )
        upgrade()
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT dossier_id, consent_employer_view FROM onboarding_invitation")
            ).all()
            assert [(row[0], bool(row[1])) for row in rows] == [(dossier, True)]
            columns = {c["name"] for c in sa.inspect(connection).get_columns("onboarding_profile")}
            assert "consent_employer_view" not in columns
        downgrade(revision="c4c70fbec13a")
        with engine.connect() as connection:
            rows = connection.execute(
                sa.text("SELECT dossier_id, consent_employer_view FROM onboarding_profile")
            ).all()
            assert sorted((row[0] or 0, bool(row[1])) for row in rows) == [
                (0, False),
                (dossier, True),
            ]
            assert not sa.inspect(connection).has_table("onboarding_invitation")
        upgrade()  # and up again, over the downgraded data
    engine.dispose()
