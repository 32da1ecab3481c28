"""The decision letter of a professional card: binding in Dutch with a translation for
information in the applicant's language, the validity stated, the card's appeal route on a
refusal or inadmissibility (minister within 30 days, then the Council of State within 60).
A real WeasyPrint PDF, read back with pypdf in each language."""

from __future__ import annotations

from datetime import date

import pytest

from portal.dossiers import card_rules, rules
from portal.dossiers.lifecycle import handling
from portal.dossiers.models import DossierStatus
from portal.i18n import LANGUAGES, format_date
from tests.dossiers.test_letters import MARKER, flat, in_language, lang_of, letter
from tests.factories import DossierFactory, OfficerFactory, card_details

S = DossierStatus
LETTER = rules.letter()


def decided_card(app, outcome: str, locale: str):
    dossier = DossierFactory(
        card_submitted=True,
        locale=locale,
        card=card_details(residence_valid_until=date(2040, 1, 1)),
    )
    start = handling._today()
    with app.test_request_context():
        if outcome == "authorised":
            handling.decide(
                OfficerFactory(),
                dossier,
                outcome=outcome,
                valid_from=start,
                valid_until=handling.longest_until(start, 2),
            )
        else:
            handling.decide(
                OfficerFactory(),
                dossier,
                outcome=outcome,
                reason_codes=["card_no_economic_benefit"],
                reasons="Het ondernemingsplan toont geen tewerkstelling.",
            )
    return dossier


def long_date(value: date, language: str) -> str:
    return format_date(value, "long", lang=language)


@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_a_granted_card_states_its_validity_in_dutch_and_in_the_translation(
    app, db_session, locale
):
    dossier = decided_card(app, "authorised", locale)
    data = letter(app, dossier)
    assert data.startswith(b"%PDF") and lang_of(data) == "nl"
    text = flat(data)
    assert dossier.reference in text
    languages = ["nl"] if locale == "nl" else ["nl", locale]
    for language in languages:
        sentence = in_language(
            language,
            "The professional card is valid from %(start)s up to and including %(end)s.",
            start=long_date(dossier.card.valid_from, language),
            end=long_date(dossier.card.valid_until, language),
        )
        assert sentence in text, (language, sentence)
        assert LETTER["card"]["legal_basis"][language] in text
    assert (in_language(locale, MARKER) in text) == (locale != "nl")
    # Nothing of the single permit: no employer, no forwarding, no appeal on a grant.
    assert "Immigration Office" not in text and "Dienst Vreemdelingenzaken" not in text
    assert in_language("nl", "How to appeal") not in text


@pytest.mark.parametrize("outcome", ["refused", "inadmissible"])
@pytest.mark.parametrize("locale", sorted(LANGUAGES))
def test_a_refusal_or_inadmissibility_gives_the_appeal_route_in_each_language(
    app, db_session, outcome, locale
):
    dossier = decided_card(app, outcome, locale)
    assert dossier.status == (S.CARD_REFUSED if outcome == "refused" else S.INADMISSIBLE)
    text = flat(letter(app, dossier))
    appeal = card_rules.appeal()
    assert (appeal.minister_days, appeal.council_of_state_days) == (30, 60)
    for language in ["nl"] if locale == "nl" else ["nl", locale]:
        minister = in_language(
            language,
            "You may appeal against this decision in writing to %(body)s within %(days)s days "
            "of its notification, giving the reasons for the appeal, at %(address)s.",
            body=LETTER["appeal"]["minister"][language],
            days=30,
            address=LETTER["authority"]["address"],
        )
        council = in_language(
            language,
            "Against the decision of the minister you may ask %(body)s to annul it within "
            "%(days)s days of its notification.",
            body=LETTER["appeal"]["council_of_state"][language],
            days=60,
        )
        assert minister in text and council in text, language
    assert "Het ondernemingsplan toont geen tewerkstelling." in text
    assert "valid from" not in text
