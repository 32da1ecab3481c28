"""The orange carpet for entrepreneurs (issue 16): a granted professional card opens the
same welcome space, with no employer view, and adds the KBO registration and a social
insurance fund through a business counter."""

from __future__ import annotations

from datetime import date

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from onboarding import invitations, rules, services
from portal.accounts.models import Role, User
from portal.dossiers.lifecycle import status
from portal.dossiers.lifecycle.status import permit_granted
from portal.dossiers.models import DossierStatus, Permit
from portal.extensions import db
from tests.factories import DossierFactory
from tests.onboarding.support import invitation_of, outbox, profile_of
from tests.support import check_page, login, make_user

TODAY = date(2026, 3, 2)
ENTREPRENEUR = ("kbo_registration", "social_insurance_fund")


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    with app.test_request_context("/?lang=en"):
        yield


def card_file(**fields):
    """A professional-card file of a person (no organisation, no employer)."""
    values = dict(
        owner=None,
        permit=Permit.PROFESSIONAL_CARD,
        category="economic",
        status=DossierStatus.SUBMITTED,
        worker_email="mei@example.cn",
        worker_first_name="Mei",
        worker_last_name="Lin",
        worker_locale="en",
        locale="nl",
        sections_done="",
    )
    values.update(fields)
    return DossierFactory(**values)


def texts_of(item: rules.Item) -> str:
    return " ".join((item.title, item.why, item.how, item.when, item.helper, item.short_title))


def test_the_entrepreneurs_checklist_adds_kbo_and_a_social_insurance_fund():
    facts = rules.Facts(today=TODAY, arrival_on=TODAY, abroad=True, entrepreneur=True)
    items = rules.checklist(facts)
    codes = [item.code for item in items]
    at = codes.index("residence_card")
    assert codes[at + 1 : at + 3] == list(ENTREPRENEUR)
    employee = [item.code for item in rules.checklist(rules.Facts(today=TODAY, abroad=True))]
    assert not set(ENTREPRENEUR) & set(employee)
    assert [c for c in codes if c not in ENTREPRENEUR] == employee
    for item in items:
        words = texts_of(item).lower()
        assert item.title and item.why and item.how and item.when and item.helper
        assert "employer" not in words and "single permit" not in words
        assert "salary" not in words and "employment contract" not in words
    kbo = next(i for i in items if i.code == "kbo_registration")
    assert "business counter" in kbo.helper and "KBO" in kbo.title
    assert "professional card" in next(i for i in items if i.code == "d_visa").why
    for rule in rules.ENTREPRENEUR_RULES:
        assert "DOMAIN.md" in rule.source and "professional card" in rule.source


def test_a_granted_card_creates_the_entrepreneurs_checklist(app, client):
    dossier = card_file()
    permit_granted.send(dossier)  # what a card grant sends (as a single permit's does)
    talent = db.session.scalar(select(User).where(User.email == "mei@example.cn"))
    assert talent.role == Role.TALENT and talent.organisation_id is None
    profile = profile_of(talent)
    assert profile.dossier_id == dossier.id
    assert invitation_of(dossier).consent_employer_view is False
    [message] = outbox("onboarding_invitation")
    assert "professional card has been granted" in message.body_text
    assert "single permit" not in message.body_text
    checklist = services.build(profile, on=TODAY)
    codes = [entry.item.code for entry in checklist.entries]
    assert set(ENTREPRENEUR) <= set(codes)
    for entry in checklist.entries:
        assert "employer" not in texts_of(entry.item).lower()
    # No employer view: nobody sees these steps, and the talent cannot open it up.
    hr = make_user("hr@acme.example")
    view = invitations.employer_view(hr, dossier)
    assert view.granted is False and view.steps == []
    with pytest.raises(Exception) as refused:
        services.set_employer_consent(talent, invitation_of(dossier).id, True)
    assert type(refused.value).__name__ == "NotFound"
    assert invitation_of(dossier).consent_employer_view is False


def test_the_card_grant_itself_opens_the_welcome_space(app):
    """The status machine sends `permit_granted` for a granted card as for a single permit."""
    officer = make_user("officer@flanders.example", Role.OFFICER)
    dossier = card_file()
    status.change(dossier, DossierStatus.CARD_GRANTED, officer, notify_parties=False)
    profile = profile_of(db.session.scalar(select(User).where(User.email == "mei@example.cn")))
    assert profile is not None and profile.dossier_id == dossier.id
    codes = [entry.item.code for entry in services.build(profile, on=TODAY).entries]
    assert set(ENTREPRENEUR) <= set(codes)
    assert len(outbox("onboarding_invitation")) == 1


def test_the_entrepreneurs_pages_show_no_employer(app, client):
    make_user("mei@example.cn", Role.TALENT)  # the person already has an account
    dossier = card_file()
    permit_granted.send(dossier)
    login(client, "mei@example.cn")
    for lang in ("nl", "fr", "de", "en"):
        page = client.get(f"/welcome?lang={lang}").get_data(as_text=True)
        check_page(page)
        assert "kbo_registration" in page and "social_insurance_fund" in page
    page = client.get("/welcome?lang=en").get_data(as_text=True)
    main = BeautifulSoup(page, "html.parser").find("main").get_text(" ")
    assert "Crossroads Bank for Enterprises" in main and "employer" not in main.lower()
    page = client.get("/welcome/profile?lang=en").get_data(as_text=True)
    soup = BeautifulSoup(page, "html.parser")
    assert "no employer sees your welcome steps" in soup.get_text(" ")
    assert not soup.find("form", action=f"/welcome/consents/{invitation_of(dossier).id}")
    response = client.post(f"/welcome/consents/{invitation_of(dossier).id}", data={"consent": "1"})
    assert response.status_code in (302, 400, 404)
    assert invitation_of(dossier).consent_employer_view is False
