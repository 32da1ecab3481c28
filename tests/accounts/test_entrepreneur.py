"""An entrepreneur's own account, to file a professional card: no organisation, no KBO."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.accounts.models import CardPerson, ResidenceDocument, Role, User
from portal.extensions import db
from tests.support import PASSWORD, check_page, error_summary, field_error, link_in, login

PERSON = {
    "first_name": "Amara",
    "last_name": "Okafor",
    "birth_date": "1988-02-29",
    "nationality": "NG",
    "residence_document": "a_card",
    "residence_valid_until": "",
    "address_street": "Kouter 1",
    "address_postal_code": "9000",
    "address_city": "Gent",
    "address_country": "BE",
    "email": "amara@example.be",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


def register(client, lang: str = "en", **changes):
    data = dict(PERSON, residence_valid_until=(clock.today() + timedelta(days=400)).isoformat())
    data.update(changes)
    return client.post(f"/account/register/entrepreneur?lang={lang}", data=data)


def _person() -> CardPerson | None:
    return db.session.scalar(select(CardPerson))


def test_an_entrepreneur_registers_verifies_and_starts_a_card(client, mailbox):
    page = check_page(client.get("/account/register?lang=en").get_data(as_text=True))
    assert page.find("a", href="/account/register/entrepreneur") is not None
    response = register(client)
    assert response.headers["Location"] == "/account/check-email?reason=registered"
    user = db.session.scalar(select(User).where(User.email == PERSON["email"]))
    assert user.role == Role.ENTREPRENEUR and user.organisation_id is None
    assert user.mandatary_id is None and user.email_verified_at is None
    person = _person()
    assert (person.first_name, person.birth_date) == ("Amara", date(1988, 2, 29))
    assert person.residence_document == ResidenceDocument.A_CARD
    link = link_in(mailbox.last_to(PERSON["email"]), "/account/verify/")
    assert client.get(link).status_code in (200, 302)
    assert user.email_verified_at is not None
    login(client, PERSON["email"])
    dashboard = check_page(client.get("/dashboard?lang=en").get_data(as_text=True))
    assert dashboard.find("a", href="/applications/new-card") is not None


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_the_registration_page_in_four_languages(client, lang):
    check_page(client.get(f"/account/register/entrepreneur?lang={lang}").get_data(as_text=True))


@pytest.mark.parametrize("nationality", ["BE", "FR", "CH", "NO", "LI", "IS"])
def test_eea_and_swiss_nationals_are_pointed_to_the_exemption(client, nationality):
    soup = check_page(register(client, nationality=nationality).get_data(as_text=True))
    assert "need no professional card" in field_error(soup, "nationality")
    assert "exemption check" in field_error(soup, "nationality")
    assert _person() is None


def test_an_attestation_of_immatriculation_is_refused_with_a_translated_reason(client):
    soup = check_page(register(client, residence_document="immatriculation").get_data(as_text=True))
    assert "attestation of immatriculation" in field_error(soup, "residence_document")
    assert any("immatriculation" in item for item in error_summary(soup))
    assert _person() is None


def test_a_person_abroad_needs_no_residence_document(client):
    response = register(
        client,
        residence_document="none",
        residence_valid_until="",
        address_postal_code="100001",
        address_city="Abuja",
        address_country="NG",
    )
    assert response.status_code == 302
    person = _person()
    assert person.residence_document == ResidenceDocument.NONE
    assert person.residence_valid_until is None and person.address_country == "NG"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"residence_document": "none"}, "residence_document"),  # lives in Belgium on nothing
        ({"residence_valid_until": ""}, "residence_valid_until"),
        ({"residence_valid_until": "2001-01-01"}, "residence_valid_until"),
        ({"residence_valid_until": "9999-12-31"}, "residence_valid_until"),
        ({"birth_date": "9999-12-31"}, "birth_date"),
        ({"birth_date": "2023-02-29"}, "birth_date"),
        ({"birth_date": (date.today() - timedelta(days=10 * 365)).isoformat()}, "birth_date"),
        ({"address_postal_code": "0000"}, "address_postal_code"),
        ({"first_name": "x" * 10_000}, "first_name"),
        ({"last_name": "Oka\x00for"}, "last_name"),
        ({"residence_document": "z_card"}, "residence_document"),
        ({"nationality": "XX"}, "nationality"),
    ],
)
def test_bad_identity_is_explained(client, changes, field):
    soup = check_page(register(client, **changes).get_data(as_text=True))
    assert field_error(soup, field), (changes, field)
    assert _person() is None


def test_a_29_february_birthday_turns_18_on_1_march_in_a_common_year(app, db_session):
    from portal.accounts import services
    from portal.errors import Invalid

    kwargs = dict(
        first_name="A",
        last_name="B",
        nationality="NG",
        residence_document=ResidenceDocument.NONE,
        residence_valid_until=None,
        address_street="S 1",
        address_postal_code="1",
        address_city="Abuja",
        address_country="NG",
        password=PASSWORD,
        locale="en",
    )
    with app.test_request_context():
        user = services.register_entrepreneur(
            birth_date=date(2008, 2, 29), email="a@example.be", today=date(2026, 3, 1), **kwargs
        )
        assert user is not None
        with pytest.raises(Invalid) as refused:
            services.register_entrepreneur(
                birth_date=date(2008, 2, 29),
                email="b@example.be",
                today=date(2026, 2, 28),
                **kwargs,
            )
        assert "birth_date" in refused.value.errors
