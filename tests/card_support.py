"""Helpers for professional-card tests: an entrepreneur, a card draft filled through the pages."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import clock
from portal.accounts.models import CardPerson, ResidenceDocument, Role
from portal.dossiers import card_rules
from portal.dossiers.models import Dossier
from portal.extensions import db
from tests.applications_support import upload
from tests.factories import UserFactory

PERSON = {
    "worker_first_name": "Amara",
    "worker_last_name": "Okafor",
    "worker_birth_date": "1988-02-29",
    "worker_nationality": "NG",
    "worker_passport": "A01234567",
    "files_from": "belgium",
    "residence_document": "a_card",
    "residence_valid_until": "",  # set in person()
    "worker_diplomatic_post": "",
    "address_street": "Kouter 1",
    "address_postal_code": "9000",
    "address_city": "Gent",
    "address_country": "BE",
}
ACTIVITY = {
    "category": "economic",
    "legal_form": "company",
    "company_name": "Okafor Trading BV",
    "company_kbo": "0403.170.701",
    "activity_description": "Import and wholesale of West African foodstuffs.",
    "nace_code": "46389",
    "workplace_street": "Veldstraat 10",
    "workplace_postal_code": "9000",
}
BENEFIT = {
    "jobs_planned": "3",
    "investment_eur": "50.000",
    "start_capital_eur": "18.600",
    "innovation": "",
    "export": "To the Netherlands.",
}


def person(**changes) -> dict:
    data = dict(PERSON, residence_valid_until=(clock.today() + timedelta(days=700)).isoformat())
    data.update(changes)
    return data


def make_entrepreneur(email: str = "amara@example.test", locale: str = "en", **changes):
    """A verified entrepreneur with the identity they gave when registering."""
    user = UserFactory(email=email, role=Role.ENTREPRENEUR, locale=locale, name="Amara Okafor")
    fields = dict(
        user=user,
        first_name="Amara",
        last_name="Okafor",
        birth_date=date(1988, 2, 29),
        nationality="NG",
        residence_document=ResidenceDocument.A_CARD,
        residence_valid_until=clock.today() + timedelta(days=700),
        address_street="Kouter 1",
        address_postal_code="9000",
        address_city="Gent",
        address_country="BE",
    )
    fields.update(changes)
    db.session.add(CardPerson(**fields))
    db.session.flush()
    return user


def start_card(client, data: dict | None = None) -> Dossier:
    response = client.post("/applications/new-card", data=data or {})
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    return db.session.scalar(select(Dossier).order_by(Dossier.id.desc()))


def post(client, dossier_id: int, section: str, data: dict, lang: str = "en"):
    return client.post(f"/applications/{dossier_id}/{section}?lang={lang}", data=data)


def fill_card(client, dossier: Dossier, **person_changes) -> None:
    """Every section of a card draft, through the pages, with all required documents."""
    for section, data in (
        ("person", person(**person_changes)),
        ("activity", ACTIVITY),
        ("benefit", BENEFIT),
        ("qualifications", {"diploma_level": "6", "regulated_profession": "no"}),
        ("means", {"means_eur": "30.000"}),
    ):
        response = post(client, dossier.id, section, data)
        assert response.status_code == 302, (section, response.get_data(as_text=True)[:3000])
    for code in card_rules.required_documents(dossier.category):
        if code == "residence_document" and dossier.card.files_from == "abroad":
            continue
        issued = (
            (clock.today() - timedelta(days=30)).isoformat() if code == "criminal_record" else ""
        )
        assert upload(client, dossier.id, code, issued_on=issued).status_code == 302
