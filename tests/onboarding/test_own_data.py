"""The orange carpet's section of the own-data download: that person's data, nobody else's."""

from __future__ import annotations

import json
from datetime import date

import pytest
from dateutil.relativedelta import relativedelta

from onboarding import answers, own_data, referrals, services, withdrawal
from portal.accounts.models import PartnerKind, Role
from tests.onboarding.support import (
    granted_dossier,
    make_partner,
    make_partner_user,
    make_talent,
)
from tests.support import make_user


@pytest.fixture(autouse=True)
def request_context(app, db_session):
    with app.test_request_context("/?lang=en"):
        yield


def newcomer(email: str, employer: str, street: str, child_years: int):
    dossier = granted_dossier(make_user(employer))
    user = make_talent(email, dossier=dossier, consent_employer_view=True)
    services.save_profile(
        user,
        arrival_on=date.today(),
        street=street,
        postal_code="9000",
        has_partner=True,
        preferred_locale="en",
    )
    services.add_child(user, date.today() - relativedelta(years=child_years, days=1))
    return user


def test_the_section_is_registered_against_the_contract(app):
    assert app.extensions["own_data_sections"]["welcome"] is own_data.welcome


def test_the_welcome_section_holds_that_person_only(app):
    make_partner(PartnerKind.MUNICIPALITY, name="Stad Gent")
    make_partner(PartnerKind.SCHOOL, name="Aanmeldpunt Gent")
    tara = newcomer("tara@example.in", "hr@acme.example", "Kouter 1", 14)
    omar = newcomer("omar@example.in", "hr@other.example", "Veldstraat 99", 1)
    mine = referrals.refer(tara, "municipal_registration", consent=True)
    school = next(e.item.code for e in services.checklist(tara).entries if e.item.rule == "school")
    withdrawn = referrals.refer(tara, school, consent=True)
    referrals.withdraw(tara, withdrawn.id)
    referrals.refer(omar, "municipal_registration", consent=True)
    desk = make_partner_user("desk@gent.be", PartnerKind.MUNICIPALITY)
    answers.answer(desk, mine.id, kind="message", body="Welcome, Tara: come on Monday.")
    services.mark(tara, "municipal_registration", True)

    section = own_data.welcome(tara)
    text = json.dumps(section)  # JSON-serialisable as it is
    assert "Kouter 1" in text and "Welcome, Tara" in text
    assert "Veldstraat" not in text and "omar@example.in" not in text
    assert section["profile"]["street"] == "Kouter 1"
    assert len(section["children"]) == 1
    assert [r["id"] for r in section["referrals"]] == [mine.id, withdrawn.id]
    first, second = section["referrals"]
    assert first["partner"]["name"] == "Stad Gent" and first["status"] == "acknowledged"
    assert first["shared_data"]["email"] == "tara@example.in"
    assert first["answers"][0]["text"] == "Welcome, Tara: come on Monday."
    assert second["status"] == "withdrawn" and second["consent_withdrawn_at"]
    assert second["shared_data"] == {}  # emptied on withdrawal
    assert section["checklist"][0]["step"] == "municipal_registration"
    assert section["employer_consents"][0]["employer_sees_steps_done"] is True
    assert len(section["consents"]) == 3  # two referrals and one employer

    theirs = own_data.welcome(omar)
    assert "Kouter" not in json.dumps(theirs) and "Welcome, Tara" not in json.dumps(theirs)
    assert theirs["profile"]["street"] == "Veldstraat 99"
    assert len(theirs["referrals"]) == 1

    withdrawal.withdraw(tara, erase_now=False)
    assert own_data.welcome(tara)["consents"][-1]["about"] == "welcome"


def test_a_person_without_a_welcome_profile_gets_the_keys_empty(app):
    employer = make_user("hr@acme.example", Role.EMPLOYER)
    section = own_data.welcome(employer)
    assert section["profile"] is None and section["referrals"] == [] and section["children"] == []
    json.dumps(section)


def _keys(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {key for item in value.values() for key in _keys(item)}
    if isinstance(value, list):
        return {key for item in value for key in _keys(item)}
    return set()


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_the_pdf_names_the_welcome_and_every_key_in_the_readers_language(app, lang):
    """The download's PDF is read by the newcomer: a key without words of its own showed
    in English ("Employer consents") whatever the language."""
    from portal.i18n import force_locale
    from portal.privacy import own_data as portal_own_data

    make_partner(PartnerKind.MUNICIPALITY, name="Stad Gent")
    tara = newcomer("tara@example.in", "hr@acme.example", "Kouter 1", 14)
    mine = referrals.refer(tara, "municipal_registration", consent=True)
    desk = make_partner_user("desk@gent.be", PartnerKind.MUNICIPALITY)
    answers.answer(desk, mine.id, kind="message", body="Come on Monday.")
    services.mark(tara, "municipal_registration", True)
    keys = _keys(own_data.welcome(tara))
    assert {"employer_consents", "appointment_on", "shared_data"} <= keys  # a full section
    registered = set(portal_own_data.LABELS) | set(app.extensions["own_data_labels"])
    assert keys - registered == set()  # every key has words of its own
    with force_locale(lang):
        # ... and in this language.
        assert (
            portal_own_data.section_title("welcome")
            == {
                "nl": "Uw onthaal in Vlaanderen",
                "fr": "Votre accueil en Flandre",
                "de": "Ihre Willkommensbegleitung in Flandern",
                "en": "Your welcome in Flanders",
            }[lang]
        )
        assert (
            portal_own_data.label("employer_consents")
            == {
                "nl": "Wat uw werkgevers mogen zien",
                "fr": "Ce que vos employeurs peuvent voir",
                "de": "Was Ihre Arbeitgeber sehen dürfen",
                "en": "What your employers may see",
            }[lang]
        )
