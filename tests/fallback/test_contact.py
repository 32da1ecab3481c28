"""The helpdesk's contact details (settings) wherever the helpdesk is named (issue 12)."""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import select

from portal import create_app
from portal.accounts.models import Role
from portal.extensions import db
from portal.fallback import contact, proofs, tickets
from portal.i18n import force_locale
from portal.mail import OutboxMessage
from portal.security import public
from tests.support import check_page, make_user, new_kbo

PHONE = "+32 2 555 01 00"


def test_the_defaults_are_documented_examples(app):
    with app.test_request_context("/?lang=nl"):
        found = contact.helpdesk_contact()
    assert found.phone == PHONE and found.phone_uri == "tel:+3225550100"
    assert found.email == "helpdesk@portal.example"
    assert found.hours == "maandag–vrijdag, 09:00–17:00"
    assert found.max_message_mb == "70"  # 1.4 × 50 MB


@pytest.mark.parametrize(
    ("lang", "hours", "size"),
    [
        ("nl", "maandag–vrijdag, 09:00–17:00", "1,5"),
        ("fr", "lundi–vendredi, 09:00–17:00", "1,5"),
        ("de", "Montag–Freitag, 09:00–17:00", "1,5"),
        ("en", "Monday–Friday, 09:00–17:00", "1.5"),
    ],
)
def test_hours_and_size_are_in_the_readers_language(app, lang, hours, size):
    app.config["INTAKE_MAX_MESSAGE_BYTES"] = 1536 * 1024
    try:
        with app.test_request_context(), force_locale(lang):
            found = contact.helpdesk_contact()
    finally:
        app.config.pop("INTAKE_MAX_MESSAGE_BYTES")
    assert (found.hours, found.max_message_mb) == (hours, size)


def test_free_text_hours_are_shown_as_given(app):
    with app.test_request_context():
        assert contact.opening_hours("  24/7 <b>  ", "nl") == "24/7 <b>"


def test_the_helpdesk_page_and_the_footer_show_the_contact(client):
    soup = check_page(client.get("/helpdesk/new?lang=en").get_data(as_text=True))
    main = soup.find("main").get_text(" ", strip=True)
    assert PHONE in main and "helpdesk@portal.example" in main
    assert "Monday–Friday, 09:00–17:00" in main and "at most 70 MB" in main
    assert soup.find("main").find("a", href="tel:+3225550100")
    footer = soup.find("footer")
    assert footer.find("a", href="tel:+3225550100")
    assert footer.find("a", href="mailto:helpdesk@portal.example")
    home = check_page(client.get("/?lang=nl").get_data(as_text=True))
    assert "maandag–vrijdag" in home.find("footer").get_text()


def test_the_500_page_names_the_helpdesk(app, db_session):
    app_500 = create_app(dict(app.config, TESTING=False, PROPAGATE_EXCEPTIONS=False))
    boom = Blueprint("boom", __name__)

    @boom.get("/boom")
    def explode():
        raise RuntimeError("secret detail")

    app_500.register_blueprint(boom)
    app_500.view_functions["boom.explode"] = public(explode)
    response = app_500.test_client().get("/boom?lang=de")
    assert response.status_code == 500
    main = check_page(response.get_data(as_text=True)).find("main")
    assert main.find("a", href="tel:+3225550100") and "Montag–Freitag" in main.get_text()


def test_the_proof_mail_and_the_intake_answers_carry_the_contact(app, db_session):
    from portal.fallback import answers

    agent = make_user("agent@helpdesk.example", Role.HELPDESK)
    kbo = new_kbo()
    ticket = tickets.open_ticket(
        None,
        name="Amina",
        email="amina@example.be",
        organisation_name=None,
        organisation_kbo=None,
        tried="Register",
        error_text="Error",
        locale="fr",
    )
    proofs.issue(agent, ticket.id, email="amina@example.be", kbo=kbo, identity_confirmed=True)
    answers.refused("amina@example.be", "en", "no_proof", "Hello", message_limit=70 << 20)
    answers.under_review("amina@example.be", "nl", "Hallo", None)
    mails = {
        m.template: m.body_text
        for m in db.session.scalars(
            select(OutboxMessage).where(OutboxMessage.recipient == "amina@example.be")
        )
    }
    proof_mail = mails["fallback_proof"]
    assert PHONE in proof_mail and "lundi–vendredi" in proof_mail
    assert "/helpdesk/application-form.pdf" in proof_mail
    assert "70" in proof_mail
    assert (
        PHONE in mails["fallback_intake_refused"]
        and "Monday–Friday" in mails["fallback_intake_refused"]
    )
    assert "helpdesk@portal.example" in mails["fallback_intake_review"]


def test_the_ticket_page_and_the_ticket_mails_carry_the_contact(app, client, db_session):
    ticket = tickets.open_ticket(
        None,
        name="Amina",
        email="amina@example.be",
        organisation_name=None,
        organisation_kbo=None,
        tried="Register",
        error_text="Error",
        locale="en",
    )
    page = check_page(client.get(f"/helpdesk/tickets/{ticket.access_token}").get_data(True))
    assert page.find("main").find("a", href="mailto:helpdesk@portal.example")
    received = db.session.scalar(
        select(OutboxMessage.body_text).where(OutboxMessage.template == "fallback_ticket_received")
    )
    assert PHONE in received and "Monday–Friday" in received
