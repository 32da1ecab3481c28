"""A person closes their own account: confirmed with the password, audited, anonymised at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import audit
from portal.accounts import services
from portal.accounts.models import OrgRole, User
from portal.accounts.sessions import UserSession
from portal.dossiers.models import Dossier
from portal.extensions import db
from portal.privacy.accounts import PLACEHOLDER_DOMAIN
from tests.factories import PASSWORD, DossierFactory, EmployerFactory, OfficerFactory
from tests.support import login


@pytest.fixture
def colleagues(db_session):
    """Two administrators of one organisation; the first filed a file."""
    leaving = EmployerFactory(email="leaving@example.test", name="Lea Leaving")
    staying = EmployerFactory(
        email="staying@example.test",
        name="Sam Staying",
        organisation=leaving.organisation,
        org_role=OrgRole.ADMIN,
    )
    filed = DossierFactory(owner=leaving, submitted=True)
    db.session.commit()
    return leaving, staying, filed


def close(client, password=PASSWORD, **extra):
    return client.post("/account/close?lang=en", data={"password": password, **extra})


def test_the_account_page_links_to_the_closure_and_the_page_asks_for_the_password(
    client, colleagues
):
    leaving, *_ = colleagues
    login(client, leaving.email)
    assert 'href="/account/close"' in client.get("/account/").get_data(as_text=True)
    page = client.get("/account/close?lang=en").get_data(as_text=True)
    assert page.count("<h1") == 1 and 'type="password"' in page
    assert 'for="password"' in page and 'autocomplete="current-password"' in page


def test_closing_logs_out_everywhere_anonymises_and_keeps_the_files(app, client, colleagues):
    leaving, staying, filed = colleagues
    other_device = app.test_client()
    login(other_device, leaving.email)
    login(client, leaving.email)
    response = close(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    db.session.expire_all()
    user = db.session.get(User, leaving.id)
    assert user.closed_at is not None and user.anonymised_at is not None and not user.active
    assert user.email.endswith("@" + PLACEHOLDER_DOMAIN) and user.name == ""
    assert db.session.scalars(select(UserSession).where(UserSession.user_id == user.id)).all() == []
    # Logged out on this device and the other at once; the old password opens nothing.
    assert client.get("/account/").status_code == 302
    assert other_device.get("/account/").status_code == 302
    refused = client.post("/account/login", data={"email": leaving.email, "password": PASSWORD})
    assert refused.status_code == 200  # the login page again, with its error
    assert client.get("/account/").status_code == 302
    # The file stays with the organisation.
    dossier = db.session.get(Dossier, filed.id)
    assert dossier.organisation_id == staying.organisation_id and dossier.created_by_id == user.id
    # Audited, and the chain still verifies.
    closed = db.session.scalar(
        select(audit.AuditEntry).where(audit.AuditEntry.action == "account:closed")
    )
    assert closed.actor_id == user.id and closed.detail is None
    assert audit.verify().intact
    # The colleague no longer sees an empty member; the address can be registered again.
    login(client, staying.email)
    members = client.get("/account/organisation").get_data(as_text=True)
    assert "Lea Leaving" not in members and PLACEHOLDER_DOMAIN not in members
    assert services.user_by_email("leaving@example.test") is None


@pytest.mark.parametrize(
    "password",
    ["", "   ", "wrong", PASSWORD + " ", PASSWORD.upper(), "x" * 20_000, "' OR 1=1 --", "\x00"],
)
def test_a_wrong_password_closes_nothing(client, colleagues, password):
    leaving, *_ = colleagues
    login(client, leaving.email)
    response = close(client, password)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "There is a problem" in page
    db.session.expire_all()
    user = db.session.get(User, leaving.id)
    assert user.closed_at is None and user.email == "leaving@example.test"
    assert client.get("/account/").status_code == 200  # still logged in


def test_the_last_administrator_must_hand_over_first(client, db_session):
    admin = EmployerFactory(email="only.admin@example.test")
    EmployerFactory(organisation=admin.organisation, org_role=OrgRole.MEMBER)
    # An administrator who never confirmed their address cannot take over either.
    EmployerFactory(organisation=admin.organisation, org_role=OrgRole.ADMIN, verified=False)
    db.session.commit()
    login(client, admin.email)
    page = client.get("/account/close?lang=en").get_data(as_text=True)
    assert "You are the only administrator of" in page and 'type="password"' not in page
    response = close(client)
    assert response.status_code == 200
    assert "ask the helpdesk to make a colleague the administrator" in response.get_data(
        as_text=True
    )
    db.session.expire_all()
    assert db.session.get(User, admin.id).closed_at is None


def test_a_member_may_close_while_an_administrator_remains(client, db_session):
    admin = EmployerFactory()
    member = EmployerFactory(organisation=admin.organisation, org_role=OrgRole.MEMBER)
    db.session.commit()
    login(client, member.email)
    assert close(client).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, member.id).anonymised_at is not None
    assert db.session.get(User, admin.id).anonymised_at is None


def test_staff_accounts_are_not_closed_from_the_account_page(client, db_session):
    officer = OfficerFactory()
    db.session.commit()
    login(client, officer.email)
    response = close(client)
    assert response.status_code == 200 and "Staff accounts" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, officer.id).closed_at is None


def test_not_logged_in_is_sent_to_the_login(client, db_session):
    assert client.get("/account/close").status_code == 302
    assert close(client).status_code == 302


@pytest.mark.csrf
def test_closing_without_the_csrf_token_is_refused(app, client, colleagues):
    leaving, *_ = colleagues
    login(client, leaving.email)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = close(client)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, leaving.id).closed_at is None


def test_the_officers_trail_names_a_closed_account_as_such(client, colleagues):
    from portal.backoffice.services import describe_entry

    leaving, staying, filed = colleagues
    audit.record("download", dossier_id=filed.id, actor_id=leaving.id, detail="contract.pdf")
    db.session.commit()
    login(client, leaving.email)
    assert close(client).status_code == 302
    db.session.expire_all()
    entry = db.session.scalar(
        select(audit.AuditEntry).where(
            audit.AuditEntry.dossier_id == filed.id, audit.AuditEntry.actor_id == leaving.id
        )
    )
    sentence = describe_entry(entry)
    assert sentence.startswith("A closed account") and "Lea" not in sentence


def test_an_entrepreneur_closing_the_account_takes_the_identity_for_cards_along(client, db_session):
    from portal.accounts.models import CardPerson
    from tests.privacy.test_own_data import entrepreneur

    leaving = entrepreneur("amara.leaving@example.test", "Leaving")
    staying = entrepreneur("amara.staying@example.test", "Staying")
    login(client, leaving.email)
    assert close(client).status_code == 302
    db.session.expire_all()
    assert db.session.get(CardPerson, leaving.id) is None  # name, birth date, address: gone
    assert db.session.get(CardPerson, staying.id).last_name == "Staying"
    assert db.session.get(User, leaving.id).anonymised_at is not None
