"""Referrals: consent, what is shared, partner authorisation, answers, withdrawal, webhooks."""

from __future__ import annotations

import hmac
import json
import time
from datetime import date, timedelta
from datetime import time as time_of_day

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select

from onboarding import answers, referrals, services, webhooks
from onboarding.models import MessageKind, Referral, ReferralStatus, WebhookDelivery
from portal import clock, mail
from portal.accounts.models import PartnerKind, Role
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from tests.onboarding.support import (
    ANTWERP,
    GHENT,
    granted_dossier,
    make_partner,
    make_partner_user,
    make_talent,
    outbox,
    payload,
    profile_of,
    receiver_fixture,  # noqa: F401 - the `receiver` fixture
)
from tests.support import login, make_user, text_of

SECRET = "a-shared-secret-of-some-length"


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def talent():
    dossier = granted_dossier(make_user("hr@acme.example"), category="eu_blue_card")
    user = make_talent("tara@example.in", dossier=dossier)
    user.name = "Tara Talent"
    services.save_profile(
        user,
        arrival_on=date.today(),
        street="Kouter 1",
        postal_code="9000",
        has_partner=True,
        preferred_locale="en",
    )
    services.add_child(user, date.today() - relativedelta(years=14, days=1))
    services.add_child(user, date.today() - relativedelta(years=1, days=1))
    return user


@pytest.fixture
def ghent():
    return {
        PartnerKind.MUNICIPALITY: make_partner(PartnerKind.MUNICIPALITY, name="Stad Gent"),
        PartnerKind.SCHOOL: make_partner(PartnerKind.SCHOOL, name="Aanmeldpunt Gent"),
        PartnerKind.CHILDCARE: make_partner(PartnerKind.CHILDCARE, name="Loket Kinderopvang Gent"),
    }


def code_of(talent, rule: str) -> str:
    return next(e.item.code for e in services.checklist(talent).entries if e.item.rule == rule)


# Consent -------------------------------------------------------------------------------


def test_the_talent_sees_exactly_what_goes_where_before_consenting(talent, ghent):
    proposal = referrals.propose(talent, "municipal_registration")
    assert proposal.partner == ghent[PartnerKind.MUNICIPALITY]
    data = dict(proposal.data)
    assert data == {
        "name": "Tara Talent",
        "email": "tara@example.in",
        "language": "en",
        "address": "Kouter 1, 9000 Gent",
        "arrival_on": date.today().isoformat(),
        "residence_card": "H",
        "family_members": 3,
    }
    school = dict(referrals.propose(talent, code_of(talent, "school")).data)
    assert (
        school["okan_suggested"] is True
        and "arrival_on" not in school
        and "family_members" not in school
    )
    childcare = dict(referrals.propose(talent, code_of(talent, "childcare")).data)
    assert (
        "okan_suggested" not in childcare
        and childcare["child_birth_date"] != school["child_birth_date"]
    )


def test_no_referral_without_consent(talent, ghent):
    with pytest.raises(Invalid) as error:
        referrals.refer(talent, "municipal_registration", consent=False)
    assert "consent" in error.value.errors
    assert db.session.scalar(select(Referral)) is None
    assert outbox("onboarding_referral_new") == []


def test_no_referral_for_an_item_without_partner_kind_nor_without_a_partner(talent, ghent):
    with pytest.raises(NotFound):
        referrals.propose(talent, "health_insurance")
    ghent[PartnerKind.SCHOOL].active = False
    with pytest.raises(Invalid):
        referrals.propose(talent, code_of(talent, "school"))


def test_a_referral_sends_a_link_without_personal_data(app, talent, ghent, mailbox):
    referral = referrals.refer(talent, "municipal_registration", consent=True)
    assert referral.status == ReferralStatus.SENT and referral.consent_given_at is not None
    [queued] = outbox("onboarding_referral_new", "municipality-44021@partner.example")
    assert f"/partner/referrals/{referral.id}" in queued.body_text
    for personal in ("Tara", "tara@example.in", "Kouter", "9000"):
        assert personal not in queued.body_text and personal not in queued.subject
    assert db.session.scalar(select(WebhookDelivery)) is None  # this partner has no system
    with pytest.raises(Invalid):
        referrals.refer(talent, "municipal_registration", consent=True)  # one at a time


# Partner authorisation ------------------------------------------------------------------


def test_partners_see_only_referrals_of_their_kind_and_municipality(talent, ghent):
    municipal = referrals.refer(talent, "municipal_registration", consent=True)
    school = referrals.refer(talent, code_of(talent, "school"), consent=True)
    ghent_school = make_partner_user("desk@school.gent", PartnerKind.SCHOOL, GHENT)
    ghent_city = make_partner_user("desk@city.gent", PartnerKind.MUNICIPALITY, GHENT)
    antwerp_school = make_partner_user("desk@school.antwerpen", PartnerKind.SCHOOL, ANTWERP)
    assert [row.id for row in answers.inbox(ghent_school)] == [school.id]
    assert [row.id for row in answers.inbox(ghent_city)] == [municipal.id]
    assert answers.inbox(antwerp_school) == []
    assert answers.open_for_partner(ghent_school, school.id) == school
    for user, referral in (
        (ghent_school, municipal),
        (ghent_city, school),
        (antwerp_school, school),
    ):
        with pytest.raises(NotFound):
            answers.open_for_partner(user, referral.id)
        with pytest.raises(NotFound):
            answers.answer(user, referral.id, kind="acknowledgement")
    unconfigured = make_user("nobody@partner.example", Role.PARTNER)
    with pytest.raises(NotAllowed):
        answers.inbox(unconfigured)
    with pytest.raises(NotAllowed):
        answers.inbox(talent)


def test_a_partner_of_another_municipality_gets_a_404_page(client, talent, ghent):
    referral = referrals.refer(talent, code_of(talent, "school"), consent=True)
    db.session.commit()
    make_partner_user("desk@school.antwerpen", PartnerKind.SCHOOL, ANTWERP)
    login(client, "desk@school.antwerpen")
    assert client.get(f"/partner/referrals/{referral.id}").status_code == 404
    response = client.post(f"/partner/referrals/{referral.id}", data={"kind": "close"})
    assert response.status_code == 404
    assert "Tara" not in client.get("/partner/referrals").get_data(as_text=True)
    assert client.get(f"/welcome/referrals/{referral.id}").status_code == 403  # not a talent


def test_another_talent_cannot_see_or_withdraw_a_referral(talent, ghent):
    referral = referrals.refer(talent, "municipal_registration", consent=True)
    other = make_talent()
    with pytest.raises(NotFound):
        referrals.talent_referral(other, referral.id)
    with pytest.raises(NotFound):
        referrals.withdraw(other, referral.id)


# Answers ----------------------------------------------------------------------------------


def test_partner_answers_reach_the_talent(app, client, talent, ghent, mailbox):
    referral = referrals.refer(talent, "municipal_registration", consent=True)
    desk = make_partner_user("desk@city.gent", PartnerKind.MUNICIPALITY)
    answers.answer(desk, referral.id, kind="acknowledgement")
    assert referral.status == ReferralStatus.ACKNOWLEDGED
    tomorrow = date.today() + timedelta(days=1)
    with pytest.raises(Invalid) as error:
        answers.answer(
            desk, referral.id, kind="appointment", appointment_on=date.today() - timedelta(days=1)
        )
    assert set(error.value.errors) == {"appointment_on", "appointment_time", "place"}
    answers.answer(
        desk,
        referral.id,
        kind="appointment",
        appointment_on=tomorrow,
        appointment_time=time_of_day(9, 30),
        place="Stadhuis, Botermarkt 1",
        body="Bring your passport.",
    )
    assert referral.status == ReferralStatus.APPOINTMENT
    with pytest.raises(Invalid):
        answers.answer(desk, referral.id, kind="message", body="  ")
    answers.answer(desk, referral.id, kind="closed", body="See you then.")
    with pytest.raises(Invalid):
        answers.answer(desk, referral.id, kind="message", body="Too late")
    assert [m.kind for m in referral.messages] == [
        MessageKind.ACKNOWLEDGEMENT,
        MessageKind.APPOINTMENT,
        MessageKind.CLOSED,
    ]
    mails = outbox("onboarding_referral_answer", talent.email)
    assert len(mails) == 3
    assert "9:30" in mails[1].body_text and "Stadhuis, Botermarkt 1" in mails[1].body_text
    assert "Bring your passport." in mails[1].body_text
    # On the checklist, and in the calendar.
    db.session.commit()
    login(client, talent.email)
    page = client.get("/welcome?lang=en").get_data(as_text=True)
    assert "Stadhuis, Botermarkt 1" in page and "Bring your passport." in page
    ics = client.get("/welcome/calendar.ics").get_data(as_text=True).replace("\r\n ", "")
    assert "LOCATION:Stadhuis\\, Botermarkt 1" in ics and "SUMMARY:Appointment: Stad Gent" in ics


def test_the_partner_page_answers(client, talent, ghent):
    referral = referrals.refer(talent, code_of(talent, "school"), consent=True)
    db.session.commit()
    make_partner_user("desk@school.gent", PartnerKind.SCHOOL)
    login(client, "desk@school.gent")
    page = client.get(f"/partner/referrals/{referral.id}?lang=en").get_data(as_text=True)
    assert "Tara Talent" in page and "Kouter 1, 9000 Gent" in page
    response = client.post(
        f"/partner/referrals/{referral.id}?lang=en", data={"kind": "appointment"}
    )
    assert (
        response.status_code == 200
        and "Enter the date of the appointment." in response.get_data(as_text=True)
    )
    response = client.post(
        f"/partner/referrals/{referral.id}",
        data={"kind": "next_step", "body": "Choose up to five schools."},
    )
    assert response.status_code == 302
    assert referral.messages[-1].body == "Choose up to five schools."


# Withdrawal ------------------------------------------------------------------------------


def test_withdrawing_consent_stops_all_sharing(client, talent, ghent):
    partner = ghent[PartnerKind.SCHOOL]
    partner.webhook_url, partner.webhook_secret = "http://127.0.0.1:9/never", SECRET
    referral = referrals.refer(talent, code_of(talent, "school"), consent=True)
    [created] = db.session.scalars(select(WebhookDelivery)).all()
    assert "Tara Talent" in created.payload
    db.session.commit()
    referrals.withdraw(talent, referral.id)
    db.session.commit()
    assert referral.withdrawn and referral.shared_data is None and referral.data == []
    # What had not left yet is emptied and never sent; the partner's system is told.
    assert created.cancelled_at is not None and created.payload == "{}" and created.signature == ""
    withdrawn = db.session.scalar(
        select(WebhookDelivery).where(WebhookDelivery.event == "referral.withdrawn")
    )
    assert json.loads(withdrawn.payload) == {
        "event": "referral.withdrawn",
        "referral": referral.id,
        "kind": "school",
        "municipality": GHENT,
        "delete_data": True,
    }
    [notice] = outbox("onboarding_referral_withdrawn", partner.email)
    assert "Tara" not in notice.body_text
    # The partner can no longer open it or answer it.
    desk = make_partner_user("desk@school.gent", PartnerKind.SCHOOL)
    assert answers.inbox(desk) == []
    with pytest.raises(NotFound):
        answers.open_for_partner(desk, referral.id)
    login(client, desk.email)
    assert client.get(f"/partner/referrals/{referral.id}").status_code == 404
    # The talent sees it, and may ask again with fresh consent.
    assert services.find_item(profile_of(talent), code_of(talent, "school")).referral is None
    again = referrals.refer(talent, code_of(talent, "school"), consent=True)
    assert again.id != referral.id and again.data


def test_withdrawal_through_the_page(client, talent, ghent):
    referral = referrals.refer(talent, "municipal_registration", consent=True)
    db.session.commit()
    login(client, talent.email)
    assert client.post(f"/welcome/referrals/{referral.id}/withdraw").status_code == 302
    page = client.get(f"/welcome/referrals/{referral.id}?lang=en").get_data(as_text=True)
    assert "None any more" in page and "Kouter" not in page
    assert referral.withdrawn


# Webhooks ----------------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_the_body():
    body = b'{"event":"referral.created"}'
    expected = "sha256=" + hmac.new(SECRET.encode(), body, "sha256").hexdigest()
    assert webhooks.sign(SECRET, body) == expected
    assert webhooks.verify(SECRET, body, expected)
    assert not webhooks.verify("another-secret-entirely", body, expected)
    assert not webhooks.verify(SECRET, body + b" ", expected)


def test_a_partner_system_receives_a_signed_webhook(app, talent, ghent, receiver):
    partner = ghent[PartnerKind.MUNICIPALITY]
    partner.webhook_url, partner.webhook_secret = receiver.url, SECRET
    started = time.monotonic()
    referral = referrals.refer(talent, "municipal_registration", consent=True)
    assert receiver.requests == []  # queued, not sent during the request
    assert time.monotonic() - started < 1
    db.session.commit()
    assert webhooks.deliver_webhooks() == (1, 0)
    [request] = receiver.requests
    assert webhooks.verify(SECRET, request["body"], request["headers"]["X-Portal-Signature"])
    assert request["headers"]["X-Portal-Event"] == "referral.created"
    assert request["headers"]["Content-Type"].startswith("application/json")
    sent = payload(request)
    assert (
        sent["referral"] == referral.id
        and sent["municipality"] == GHENT
        and sent["kind"] == "municipality"
    )
    assert sent["data"]["name"] == "Tara Talent" and sent["data"]["residence_card"] == "H"
    assert sent["url"].endswith(f"/partner/referrals/{referral.id}")
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.sent_at is not None and delivery.attempts == 1
    assert webhooks.deliver_webhooks() == (0, 0)  # sent once


def test_a_failing_webhook_is_recorded_and_retried_later(app, talent, ghent, receiver):
    partner = ghent[PartnerKind.MUNICIPALITY]
    partner.webhook_url, partner.webhook_secret = receiver.url, SECRET
    receiver.status = 500
    referrals.refer(talent, "municipal_registration", consent=True)
    db.session.commit()
    assert webhooks.deliver_webhooks() == (0, 1)
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.sent_at is None and delivery.attempts == 1 and "500" in delivery.last_error
    assert delivery.next_attempt_at > clock.now() + timedelta(seconds=20)
    assert webhooks.deliver_webhooks() == (0, 0)  # not due yet: nothing is hammered
    delivery.next_attempt_at = clock.now() - timedelta(seconds=1)
    assert webhooks.deliver_webhooks() == (0, 1)
    assert delivery.attempts == 2
    assert delivery.next_attempt_at > clock.now() + timedelta(seconds=50)  # backoff doubles
    receiver.status = 200
    delivery.next_attempt_at = clock.now() - timedelta(seconds=1)
    assert webhooks.deliver_webhooks() == (1, 0)
    assert delivery.sent_at is not None and delivery.attempts == 3
    bodies = {r["body"] for r in receiver.requests}
    assert len(bodies) == 1  # the same signed body every time
    assert {r["headers"]["X-Portal-Delivery"] for r in receiver.requests} == {str(delivery.id)}


def test_a_partner_cannot_redirect_a_webhook_elsewhere(app, talent, ghent, receiver):
    """A redirect could lead to an internal address the URL check never saw."""
    partner = ghent[PartnerKind.MUNICIPALITY]
    partner.webhook_url, partner.webhook_secret = receiver.url, SECRET
    receiver.status, receiver.location = 307, receiver.url + "/elsewhere"
    referrals.refer(talent, "municipal_registration", consent=True)
    db.session.commit()
    assert webhooks.deliver_webhooks() == (0, 1)
    delivery = db.session.scalar(select(WebhookDelivery))
    assert delivery.sent_at is None and "307" in delivery.last_error
    assert len(receiver.requests) == 1  # the redirect was not followed


def test_a_slow_or_unreachable_partner_never_blocks_and_is_retried(app, talent, ghent, receiver):
    app.config["ONBOARDING_WEBHOOK_TIMEOUT"] = 0.3
    try:
        partner = ghent[PartnerKind.MUNICIPALITY]
        partner.webhook_url, partner.webhook_secret = receiver.url, SECRET
        receiver.delay = 1.5
        referrals.refer(talent, "municipal_registration", consent=True)
        db.session.commit()
        started = time.monotonic()
        assert webhooks.deliver_webhooks() == (0, 1)
        assert time.monotonic() - started < 1.4
        delivery = db.session.scalar(select(WebhookDelivery))
        assert delivery.sent_at is None and "timed out" in delivery.last_error.lower()
        # Unreachable: a closed port.
        partner2 = ghent[PartnerKind.SCHOOL]
        partner2.webhook_url, partner2.webhook_secret = "http://127.0.0.1:9/hook", SECRET
        referrals.refer(talent, code_of(talent, "school"), consent=True)
        db.session.commit()
        assert webhooks.deliver_webhooks() == (0, 1)
        assert db.session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.partner_id == partner2.id)
        ).last_error
    finally:
        app.config["ONBOARDING_WEBHOOK_TIMEOUT"] = 5
        time.sleep(receiver.delay)  # let the slow handler finish before the server stops


def test_the_deliver_command(app, talent, ghent, receiver, monkeypatch):
    partner = ghent[PartnerKind.CHILDCARE]
    partner.webhook_url, partner.webhook_secret = receiver.url, SECRET
    referrals.refer(talent, code_of(talent, "childcare"), consent=True)
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    result = app.test_cli_runner().invoke(args=["onboarding", "deliver", "--once"])
    assert result.exit_code == 0, result.output
    assert "webhooks: sent 1, failed 0" in result.output
    assert len(receiver.requests) == 1


def test_the_partner_e_mail_is_delivered(app, talent, ghent, mailbox):
    referrals.refer(talent, "municipal_registration", consent=True)
    db.session.commit()
    mail.deliver_due()
    message = mailbox.last_to("municipality-44021@partner.example")
    assert "/partner/referrals/" in text_of(message) and "Tara" not in text_of(message)
