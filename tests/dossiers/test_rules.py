"""Rules as data, at their boundaries: thresholds per year, renewal window, postings, references."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from portal.dossiers import references, rules
from portal.dossiers.wizard.services import renewal_window


@pytest.mark.parametrize(
    ("category", "salary", "day", "reduced", "met", "threshold"),
    [
        ("highly_qualified", "48912.00", date(2025, 6, 1), False, True, "48912"),
        ("highly_qualified", "48911.99", date(2025, 6, 1), False, False, "48912"),
        ("highly_qualified", "39129.60", date(2025, 6, 1), True, True, "39129.60"),
        ("highly_qualified", "42696.00", date(2020, 12, 31), False, True, "42696"),
        ("highly_qualified", "42696.00", date(2021, 1, 1), False, False, "43524"),
        ("executive", "78258.99", date(2025, 1, 1), True, False, "78259"),  # no reduced rate
        ("eu_blue_card", "58000", date(2024, 4, 30), False, True, "55958"),
        ("eu_blue_card", "58000", date(2024, 5, 1), False, False, "60621.60"),
    ],
)
def test_thresholds_per_year_and_period(category, salary, day, reduced, met, threshold):
    check = rules.check_salary(category, Decimal(salary), day, reduced=reduced)
    assert check.applies and check.known
    assert check.met is met
    assert check.threshold == Decimal(threshold)
    assert check.shortfall == max(Decimal(threshold) - Decimal(salary), Decimal(0))
    assert check.year == day.year


def test_a_year_without_thresholds_is_flagged_not_accepted():
    check = rules.check_salary("highly_qualified", Decimal("1000000"), date(2026, 3, 1))
    assert check.applies and not check.known and check.met is None and check.year == 2026


def test_categories_without_a_threshold():
    check = rules.check_salary("seasonal_worker", Decimal("1"), date(2025, 3, 1))
    assert not check.applies and check.met is None


def test_monthly_threshold_is_annual_divided_by_13_92():
    check = rules.check_salary("highly_qualified", Decimal("1"), date(2025, 1, 1))
    assert check.monthly == Decimal("3513.79")


def test_every_category_of_the_decree_is_there_with_titles_and_documents():
    codes = {
        "highly_qualified",
        "executive",
        "eu_blue_card",
        "shortage_occupation",
        "researcher",
        "trainee",
        "ict_manager",
        "ict_specialist",
        "ict_trainee",
        "seasonal_worker",
        "volunteer",
        "au_pair",
        "journalist",
        "minister_of_religion",
        "specialised_technician",
        "international_agreement",
        "athlete_coach",
        "performing_artist",
        "other",
    }
    assert set(rules.categories()) == codes
    for spec in rules.categories().values():
        assert spec.title and "passport" in spec.documents


def test_postings_need_the_extra_documents_and_exclude_shortage_occupations():
    assert not rules.category("shortage_occupation").posting_allowed
    assert all(
        spec.posting_allowed
        for code, spec in rules.categories().items()
        if code != "shortage_occupation"
    )
    extras = {"posting_declaration", "a1_certificate", "articles_of_association"}
    assert extras <= set(rules.required_documents("executive", posting=True))
    assert not extras & set(rules.required_documents("executive", posting=False))


def test_only_other_needs_the_labour_market_test():
    assert [c for c, s in rules.categories().items() if s.labour_market_test] == ["other"]


def test_the_fee_uses_the_latest_known_year():
    assert rules.fee_for(2020) == Decimal("363")
    assert rules.fee_for(2026) == Decimal("363")
    assert rules.fee_for(2019) is None


@pytest.mark.parametrize(
    ("today", "inside"),
    [
        (date(2026, 1, 14), False),
        (date(2026, 1, 15), True),
        (date(2026, 5, 15), True),
        (date(2026, 5, 16), False),
    ],
)
def test_renewal_window_is_2_to_6_months_before_expiry(today, inside):
    window = renewal_window(date(2026, 7, 15))
    assert (window.opens, window.closes) == (date(2026, 1, 15), date(2026, 5, 15))
    assert window.contains(today) is inside


def test_references_are_well_formed_and_self_checking():
    reference = references.new_reference(2026)
    assert references.PATTERN.match(reference)
    assert references.is_valid(reference) and references.is_valid(reference.lower())
    for position, char in enumerate(reference):
        if char in "-":
            continue
        for other in references.ALPHABET:
            if other != char and position > 7:
                assert not references.is_valid(
                    reference[:position] + other + reference[position + 1 :]
                )
    assert not any(c in references.ALPHABET for c in "01ILOU")
