"""The professional card's rules as data: sources, unconfirmed facts, dated thresholds,
the reader's number format, and sentences that take their figures from the data."""

from __future__ import annotations

import copy
import re
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from flask_babel import force_locale

from portal.dossiers import card_rules, rules

# The rows of DOMAIN.md's card table ("The professional card") that carry "[?]", copied
# verbatim so the test runs in a fresh clone; when the shared DOMAIN.md is next to the
# checkout, the copy is compared with it.
DOMAIN_QUESTIONED_ROWS = """\
| fees | EUR 140 on application and EUR 90 per year of validity on delivery of the card [?: for online filings] |
| decision | admissibility, then substance; in practice up to about 120 days; no statutory deadline found [?] |
| validity | 1 to 3 years, set by the added value, never longer than the right of residence [? older pages: max 5] |
"""

# Each questioned topic and the facts in the data that state it.
QUESTIONED_FACTS = {
    "fees": {"fee_application_eur", "fee_per_year_eur"},
    "decision": {"decision_days"},
    "validity": {"validity_max_years"},
}

REPO = Path(__file__).resolve().parents[2]


def _questioned_topics(text: str) -> set[str]:
    return {
        line.split("|")[1].strip()
        for line in text.splitlines()
        if line.startswith("|") and "[?" in line
    }


def test_every_questioned_fact_of_domain_is_unconfirmed_in_the_data():
    topics = _questioned_topics(DOMAIN_QUESTIONED_ROWS)
    assert topics == set(QUESTIONED_FACTS)
    flagged = card_rules.unconfirmed()
    for topic in topics:
        for name in QUESTIONED_FACTS[topic]:
            assert name in flagged, f"{topic}: {name} must have confirmed = false"
            assert flagged[name], f"{name} needs a note saying what is in doubt"


def test_the_copy_of_the_domain_table_is_current():
    for candidate in (REPO.parent / "shared", REPO.parent.parent / "shared"):
        domain = candidate / "DOMAIN.md"
        if domain.exists():
            break
    else:
        pytest.skip("the shared DOMAIN.md is not next to this checkout")
    text = domain.read_text(encoding="utf-8")
    table = text.split("## The professional card", 1)[1].split("\n## ", 1)[0]
    assert _questioned_topics(table) == _questioned_topics(DOMAIN_QUESTIONED_ROWS)
    for row in DOMAIN_QUESTIONED_ROWS.splitlines():
        assert row in table


def test_every_fact_has_a_source():
    data = rules._data()["card"]
    assert data["source"]
    for name, fact in card_rules.facts().items():
        assert fact.source.strip(), name
    for period in card_rules.means_periods():
        assert period.source
    for section in ("documents", "exemptions", "residence_documents", "regions"):
        assert data[section]["source"], section
    for code in card_rules.categories():
        assert card_rules.category(code).source


def test_the_figures_of_the_card():
    assert card_rules.start_capital() == Decimal("18600")
    assert card_rules.category("economic").start_capital == Decimal("18600")
    assert card_rules.category("innovative").start_capital is None
    assert card_rules.means_percent() == 110
    assert card_rules.diploma_min_level() == 4
    assert card_rules.criminal_record_max_age_months() == 6
    assert card_rules.oldest_criminal_record_date(date(2026, 8, 31)) == date(2026, 2, 28)
    fees = card_rules.fees()
    assert (fees.application, fees.per_year, fees.confirmed) == (140, 90, False)
    assert fees.on_delivery(3) == Decimal("270")
    assert card_rules.validity_years() == (1, 3)
    assert card_rules.renewal_window_days() == 60
    assert card_rules.renewal_window_days(first_granted_before_2022=True) == 90
    assert card_rules.reminder_days() == (90, 60)
    appeal = card_rules.appeal()
    assert (appeal.minister_days, appeal.council_of_state_days) == (30, 60)
    assert card_rules.decision_days() == 120
    assert card_rules.document_languages() == ("nl", "fr", "en")


def test_categories_and_their_documents():
    assert list(card_rules.categories()) == [
        "economic",
        "innovative",
        "sporting_cultural_artistic",
    ]
    common = card_rules.common_documents()
    assert "criminal_record" in common and "means_proof" in common
    for code, category in card_rules.categories().items():
        documents = card_rules.required_documents(code)
        assert documents[: len(common)] == common
        assert len(documents) > len(common), code
        assert category.title and category.description


def test_exemptions_and_residence_documents():
    grounds = card_rules.exemption_grounds()
    for ground in (
        "eea_swiss",
        "eea_family",
        "belgian_spouse",
        "unlimited_stay",
        "recognised_refugee",
        "temporary_protection",
        "assisting_spouse",
    ):
        assert ground in grounds and card_rules.exemption_confirmed(ground)
    assert not card_rules.exemption_confirmed("short_stay")
    assert set(card_rules.accepted_residence_documents()) == {
        "a_card",
        "h_card",
        "i_card",
        "j_card",
        "diplomatic_id",
        "annex_3",
    }
    assert card_rules.refused_residence_documents() == ("attestation_of_immatriculation",)
    assert set(card_rules.regions()) == {"brussels", "wallonia", "german_speaking"}
    assert card_rules.region("german_speaking").name("de") == "Deutschsprachige Gemeinschaft"


def _with_data(monkeypatch, change):
    data = copy.deepcopy(rules._data()["card"])
    change(data)
    monkeypatch.setattr(card_rules, "_card", lambda: data)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 2, 28), None),  # before the first known period: unknown, not zero
        (date(2026, 3, 1), Decimal("26086.66")),
        (date(2027, 2, 28), Decimal("26086.66")),  # runs until the next figure
    ],
)
def test_means_threshold_per_period(day, expected):
    assert card_rules.means_threshold(day) == expected


def test_a_later_means_figure_is_a_new_row(monkeypatch):
    def add(data):
        data["means_threshold"].append(
            {"valid_from": date(2027, 3, 1), "annual_eur": 26500.10, "source": "test"}
        )

    _with_data(monkeypatch, add)
    assert card_rules.means_threshold(date(2027, 2, 28)) == Decimal("26086.66")
    assert card_rules.means_threshold(date(2027, 3, 1)) == Decimal("26500.1")


@pytest.mark.parametrize(
    ("lang", "cents", "whole"),
    [
        ("nl", "26.086,66", "18.600"),
        ("fr", "26.086,66", "18.600"),
        ("de", "26.086,66", "18.600"),
        ("en", "26,086.66", "18,600"),
    ],
)
def test_the_belgian_number_format(app, lang, cents, whole):
    with app.test_request_context(), force_locale(lang):
        assert card_rules.number(Decimal("26086.66")) == cents
        assert card_rules.number(18600) == whole
        assert card_rules.number(Decimal("0.005"), places=2) == ("0.01" if lang == "en" else "0,01")


def test_sentences_take_their_figures_from_the_data(app, monkeypatch):
    with app.test_request_context(), force_locale("en"):
        assert re.search(r"\b6 months\b", str(card_rules.DOCUMENTS["criminal_record"]))
        assert "level 4" in str(card_rules.DOCUMENTS["diploma"])

        def change(data):
            data["criminal_record_max_age_months"]["value"] = 3
            data["diploma_min_level"]["value"] = 5

        _with_data(monkeypatch, change)
        assert re.search(r"\b3 months\b", str(card_rules.DOCUMENTS["criminal_record"]))
        assert "level 5" in str(card_rules.DOCUMENTS["diploma"])
