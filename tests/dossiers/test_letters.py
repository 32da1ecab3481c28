"""The decision letter (binding Dutch original, translation for information) and the
receipt of a posting, read back from the real PDFs with pypdf.

Sentences are looked up in the catalogs of each language (`gettext` under `force_locale`),
so the tests hold before and after the new sentences are translated; names and legal
references are data in rules.toml [letter] and are checked as such.
"""

from __future__ import annotations

import io
from datetime import date

import pytest
from babel.dates import format_date
from pypdf import PdfReader

from portal.dossiers import rules
from portal.dossiers.letters.decision import add_months, decision_letter_pdf, letter_languages
from portal.dossiers.letters.receipts import receipt_pdf
from portal.i18n import force_locale, format_locale, gettext
from tests.test_pdf import submitted_dossier

MARKER = "This translation is for information only; the Dutch text is binding."
LETTER = rules.letter()


def flat(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def lang_of(data: bytes) -> str:
    return str(PdfReader(io.BytesIO(data)).trailer["/Root"]["/Lang"])


def in_language(language: str, msgid: str, **variables) -> str:
    with force_locale(language):
        return " ".join(gettext(msgid, **variables).split())


def decided(outcome: str, locale: str, **fields):
    dossier = submitted_dossier(
        locale=locale,
        flemish_decision=outcome,
        flemish_decision_on=date(2026, 5, 4),
        flemish_reasons=None if outcome == "authorised" else "Het loon ligt onder de drempel.",
        **fields,
    )
    return dossier


def letter(app, dossier, locale=None) -> bytes:
    with app.test_request_context():
        return decision_letter_pdf(dossier, locale)


def appeal_sentence(language: str, outcome: str) -> str:
    appeal = LETTER["appeal"][outcome]
    body = LETTER["appeal"][appeal["route"]][language]
    if appeal["route"] == "minister":
        return in_language(
            language,
            "The employer or the worker may appeal against this decision to %(body)s within "
            "%(days)s days of its notification, by a registered letter that gives the reasons "
            "for the appeal, sent to %(address)s.",
            body=body,
            days=appeal["days"],
            address=LETTER["authority"]["address"],
        )
    return in_language(
        language,
        "No administrative appeal is open against this decision. You may ask %(body)s to "
        "annul it within %(days)s days of its notification.",
        body=body,
        days=appeal["days"],
    )


@pytest.mark.parametrize("outcome", ["refused", "inadmissible", "authorised"])
def test_the_dutch_letter_names_authority_legal_basis_appeal_and_contact(app, db_session, outcome):
    dossier = decided(outcome, "nl")
    data = letter(app, dossier)
    text = flat(data)
    assert lang_of(data) == "nl"
    authority = LETTER["authority"]
    for name in ("government", "name", "service"):
        assert authority[name]["nl"] in text
    article = LETTER["legal_basis"]["articles"][outcome]
    assert f"{LETTER['legal_basis']['title']['nl']}, art. {article}." in text
    assert appeal_sentence("nl", outcome) in text
    assert f"{LETTER['appeal'][outcome]['days']} " in appeal_sentence("nl", outcome)
    assert authority["address"] in text and authority["phone"] in text
    assert LETTER["signatory"]["role"]["nl"] in text
    assert "4 mei 2026" in text and dossier.reference in text
    # Dutch only: no translation, no marker in any language.
    for language in ("fr", "de", "en"):
        assert in_language(language, MARKER) not in text
        assert authority["name"][language] not in text


def test_a_refusal_names_the_appeal_article_and_deadline(app, db_session):
    text = flat(letter(app, decided("refused", "nl")))
    assert "(art. 15)" in text
    assert "30" in appeal_sentence("nl", "refused")
    assert "Het loon ligt onder de drempel." in text


def test_an_authorisation_states_its_validity_capped_by_the_category(app, db_session):
    # 48 months asked; a highly qualified permit runs at most 36 (rules.toml max_months).
    dossier = decided("authorised", "nl", start_date=date(2026, 6, 1), duration_months=48)
    text = flat(letter(app, dossier))
    sentence = in_language(
        "nl",
        "This work authorisation is valid from %(start)s up to and including %(end)s.",
        start="1 juni 2026",
        end="31 mei 2029",
    )
    assert sentence in text


def test_a_posting_is_authorised_for_its_period(app, db_session):
    dossier = decided(
        "authorised",
        "en",
        is_posting=True,
        posting_start=date(2026, 7, 1),
        posting_end=date(2026, 12, 31),
    )
    text = flat(letter(app, dossier))
    assert (
        in_language(
            "en",
            "This work authorisation is valid from %(start)s up to and including %(end)s.",
            start=format_date(date(2026, 7, 1), "long", locale=format_locale("en")),
            end=format_date(date(2026, 12, 31), "long", locale=format_locale("en")),
        )
        in text
    )


@pytest.mark.parametrize("language", ["fr", "de", "en"])
def test_other_languages_get_the_dutch_original_then_a_marked_translation(
    app, db_session, language
):
    dossier = decided("refused", language)
    data = letter(app, dossier)
    text = flat(data)
    assert lang_of(data) == "nl"  # the binding text is the document's language
    marker = in_language(language, MARKER)
    assert text.count(marker) == 2  # at the top and at the end of the translation
    authority = LETTER["authority"]["name"]
    dutch, translation = text.index(authority["nl"]), text.index(authority[language])
    assert dutch < text.index(marker) and dutch < translation
    # The Dutch original is whole: legal basis, appeal and signatory, before the translation.
    before = text[: text.index(marker)]
    assert f"{LETTER['legal_basis']['title']['nl']}, art. 12." in before
    assert appeal_sentence("nl", "refused") in before
    assert LETTER["signatory"]["role"]["nl"] in before
    # The translation says the same in its language.
    after = text[text.index(marker) :]
    assert f"{LETTER['legal_basis']['title'][language]}, art. 12." in after
    assert appeal_sentence(language, "refused") in after
    assert LETTER["signatory"]["role"][language] in after
    assert format_date(date(2026, 5, 4), "long", locale=format_locale(language)) in after
    # The Dutch letter announces the translation, naming its language in Dutch.
    with force_locale("nl"):
        from babel import Locale

        name = Locale.parse(language).get_display_name("nl")
    assert name in before


def test_the_letter_languages():
    assert letter_languages("nl") == ["nl"]
    assert letter_languages(None) == ["nl"]
    assert letter_languages("xx") == ["nl"]  # an unknown language never replaces Dutch
    assert letter_languages("de") == ["nl", "de"]


def test_months_end_on_the_last_day_of_a_shorter_month():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 15), 3) == date(2027, 2, 15)


def test_every_name_of_the_letter_is_data_in_four_languages_with_a_source():
    for section in ("authority", "signatory", "legal_basis", "appeal"):
        assert LETTER[section]["source"].strip(), section
    names = [
        *(LETTER["authority"][key] for key in ("government", "name", "service")),
        LETTER["signatory"]["role"],
        LETTER["legal_basis"]["title"],
        LETTER["appeal"]["minister"],
        LETTER["appeal"]["council_of_state"],
    ]
    for name in names:
        assert set(name) == {"nl", "fr", "de", "en"} and all(v.strip() for v in name.values())
    for outcome in ("authorised", "inadmissible", "refused"):
        assert LETTER["legal_basis"]["articles"][outcome]
        assert LETTER["appeal"][outcome]["route"] in ("minister", "council_of_state")
        assert LETTER["appeal"][outcome]["days"] > 0


# The receipt of a posting ------------------------------------------------------------------

POSTING = {
    "is_posting": True,
    "posting_start": date(2026, 7, 1),
    "posting_end": date(2026, 12, 31),
    "client_name": "Bouwwerken Schelde NV",
    "client_kbo": "0403170701",
    "site_address": "Havenlaan 12, 2030 Antwerpen",
    "limosa_reference": "LIM-2026-0001234-Ω",
}


@pytest.mark.parametrize("language", ["nl", "fr", "de", "en"])
def test_a_posting_receipt_shows_period_client_and_limosa_in_the_readers_language(
    app, db_session, language
):
    dossier = submitted_dossier(**POSTING)
    with app.test_request_context():
        text = flat(receipt_pdf(dossier, language))
    assert POSTING["limosa_reference"] in text
    assert POSTING["client_name"] in text and "0403.170.701" in text
    assert POSTING["site_address"] in text
    for day in (POSTING["posting_start"], POSTING["posting_end"]):
        assert format_date(day, "long", locale=format_locale(language)) in text
    for label in ("Posting period", "Belgian client", "Limosa declaration"):
        assert in_language(language, label) in text


def test_a_receipt_without_posting_has_no_posting_part(app, db_session):
    with app.test_request_context():
        text = flat(receipt_pdf(submitted_dossier(), "en"))
    assert "Limosa" not in text and "Belgian client" not in text


def embedded_faces(data: bytes) -> set[str]:
    """The font faces the PDF's pages use, without the subset's tag ("ABCDEF+DejaVu-Sans")."""
    faces = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for font in page["/Resources"].get("/Font", {}).values():
            faces.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    return faces


@pytest.mark.parametrize("language", ["nl", "fr", "de", "en"])
def test_letters_and_receipts_embed_one_face(app, db_session, language):
    # Each face is one more font to load, subset and embed at the first render, which must
    # stay within 3x a minimal page (issue 15): the texts are set apart by size, colour
    # and boxes, not by bold or italic. The notice of a translation is the one line that
    # used bold (the two-language letter took 7% longer for it).
    dossier = decided("refused", language)
    assert embedded_faces(letter(app, dossier)) == {"DejaVu-Sans"}
    with app.test_request_context():
        assert embedded_faces(receipt_pdf(dossier, language)) == {"DejaVu-Sans"}
