"""The rules of the single permit, read from `portal/data/rules.toml`.

Code here interprets the data; the figures themselves (thresholds per year, documents per
category, durations, deadlines) live in the TOML file with their sources, so that a new
year is a data change. Titles people read are translated here.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import cache
from pathlib import Path

from flask_babel import format_decimal

from portal.i18n import _l

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "rules.toml"


def figure(name: str) -> str:
    """A period as a sentence names it, in the current language (4.5 is "4,5" in Dutch)."""
    value = procedure(name)
    try:
        return format_decimal(value)
    except (RuntimeError, KeyError):  # no application context: plain digits
        return f"{value:g}"


class Figure:
    """A period read from the rules when the sentence is rendered, not when it is defined:
    for lazily translated strings, `_l("... %(months)s months", months=Figure("..."))`."""

    def __init__(self, name: str):
        self.name = name

    def __str__(self) -> str:
        return figure(self.name)

    def __repr__(self) -> str:
        return f"Figure({self.name!r})"


CATEGORY_TITLES = {
    "highly_qualified": _l("Highly qualified worker"),
    "executive": _l("Executive"),
    "eu_blue_card": _l("EU Blue Card"),
    "shortage_occupation": _l("Shortage occupation (middle-skilled)"),
    "researcher": _l("Researcher"),
    "trainee": _l("Trainee"),
    "ict_manager": _l("Intra-corporate transferee: manager"),
    "ict_specialist": _l("Intra-corporate transferee: specialist"),
    "ict_trainee": _l("Intra-corporate transferee: trainee"),
    "seasonal_worker": _l("Seasonal worker"),
    "volunteer": _l("Volunteer"),
    "au_pair": _l("Au pair"),
    "journalist": _l("Journalist"),
    "minister_of_religion": _l("Minister of religion"),
    "specialised_technician": _l("Specialised technician"),
    "international_agreement": _l("International agreement"),
    "athlete_coach": _l("Athlete or coach"),
    "performing_artist": _l("Performing artist"),
    "other": _l("Other (labour-market test)"),
}

DOCUMENTS = {
    "passport": _l("Copy of the passport"),
    "employment_contract": _l("Employment contract"),
    "diploma": _l("Higher-education diploma"),
    "qualification_proof": _l("Proof of qualification for the occupation"),
    "medical_certificate": _l(
        "Medical certificate (at most %(months)s months old, legalised or apostilled)",
        months=Figure("certificate_max_age_months"),
    ),
    "good_conduct": _l(
        "Certificate of good conduct (at most %(months)s months old, legalised or apostilled)",
        months=Figure("certificate_max_age_months"),
    ),
    "fee_payment": _l("Proof of payment of the federal fee"),
    "hosting_agreement": _l("Hosting agreement with the research organisation"),
    "traineeship_agreement": _l("Traineeship agreement"),
    "group_transfer_proof": _l("Proof of employment within the group of companies"),
    "accommodation_proof": _l("Proof of accommodation"),
    "volunteer_agreement": _l("Volunteering agreement"),
    "au_pair_agreement": _l("Au pair agreement with the host family"),
    "press_accreditation": _l("Press accreditation"),
    "religious_recognition": _l("Proof of recognition of the religion"),
    "agreement_proof": _l("Proof that the international agreement applies"),
    "federation_proof": _l("Statement of the sports federation"),
    "vacancy_evidence": _l("Evidence of the labour-market test (VDAB and EURES vacancy)"),
    "posting_declaration": _l("Posting declaration"),
    "a1_certificate": _l("A1 certificate (or other social-security certificate)"),
    "articles_of_association": _l("Articles of association of the foreign company"),
    # Files of an e-mail submission are not sorted per requirement: the officer reads them.
    "email_attachment": _l("Attachment of the e-mail submission"),
}

THRESHOLD_TITLES = {
    "highly_qualified": _l("highly qualified workers"),
    "reduced": _l("highly qualified workers under 30 and nurses"),
    "executive": _l("executives"),
    "eu_blue_card": _l("the EU Blue Card"),
}


@dataclass(frozen=True)
class Category:
    code: str
    threshold: str | None
    reduced_threshold: bool
    max_months: int
    documents: tuple[str, ...]
    posting_allowed: bool
    labour_market_test: bool

    @property
    def title(self) -> str:
        return str(CATEGORY_TITLES[self.code])


@dataclass(frozen=True)
class ThresholdPeriod:
    valid_from: date
    valid_to: date
    amounts: dict[str, Decimal]


@dataclass(frozen=True)
class SalaryCheck:
    """The outcome of comparing a salary with its threshold."""

    applies: bool  # does the category have a threshold at all
    known: bool  # are there thresholds for that date (if not: flag to the officer)
    met: bool | None
    threshold: Decimal | None = None
    shortfall: Decimal | None = None
    year: int | None = None
    kind: str | None = None

    @property
    def monthly(self) -> Decimal | None:
        if self.threshold is None:
            return None
        divisor = Decimal(str(_data()["procedure"]["monthly_divisor"]))
        return (self.threshold / divisor).quantize(Decimal("0.01"), ROUND_HALF_UP)


@cache
def _data() -> dict:
    with RULES_FILE.open("rb") as handle:
        return tomllib.load(handle)


DAYS_PER_MONTH = 365.25 / 12

# Figures the portal counts with, worked out from the periods the law states.
_DERIVED = {
    "max_days_before_start": lambda: round(
        procedure("max_months_before_start") * DAYS_PER_MONTH
    ),  # 4.5 months = 137 days
    "labour_market_test_days": lambda: procedure("labour_market_test_weeks") * 7,  # 9 weeks = 63
}


def procedure(name: str):
    """A procedural figure from the rules file (e.g. `certificate_max_age_months`), or one
    worked out from them (`max_days_before_start`, `labour_market_test_days`)."""
    if name in _DERIVED:
        return _DERIVED[name]()
    entry = _data()["procedure"][name]
    return entry["value"] if isinstance(entry, dict) else entry


def source(name: str) -> str:
    """Where a legal period of [procedure] comes from (its `source` in the rules file)."""
    entry = _data()["procedure"][name]
    return entry["source"] if isinstance(entry, dict) else ""


@cache
def categories() -> dict[str, Category]:
    """Every category by its stable code, in the decree's order."""
    result = {}
    for code, spec in _data()["categories"].items():
        if code not in CATEGORY_TITLES:
            raise ValueError(f"category {code!r} has no title")
        for document in spec["documents"]:
            if document not in DOCUMENTS:
                raise ValueError(f"document {document!r} of {code!r} has no title")
        result[code] = Category(
            code=code,
            threshold=spec.get("threshold"),
            reduced_threshold=spec.get("reduced_threshold", False),
            max_months=spec["max_months"],
            documents=tuple(spec["documents"]),
            posting_allowed=spec.get("posting_allowed", True),
            labour_market_test=spec.get("labour_market_test", False),
        )
    return result


def category_codes() -> tuple[str, ...]:
    """Every category's code, in the decree's order (as `categories()` gives them)."""
    return tuple(_data()["categories"])


def category(code: str) -> Category:
    return categories()[code]


@cache
def threshold_periods() -> tuple[ThresholdPeriod, ...]:
    periods = []
    for row in _data()["thresholds"]:
        amounts = {
            key: Decimal(str(value))
            for key, value in row.items()
            if key not in {"valid_from", "valid_to"}
        }
        periods.append(ThresholdPeriod(row["valid_from"], row["valid_to"], amounts))
    return tuple(sorted(periods, key=lambda p: p.valid_from))


def thresholds_on(day: date) -> ThresholdPeriod | None:
    """The thresholds in force on `day`, or None for a day no row covers."""
    for period in threshold_periods():
        if period.valid_from <= day <= period.valid_to:
            return period
    return None


def check_salary(
    category_code: str, annual_salary: Decimal, on: date, *, reduced: bool = False
) -> SalaryCheck:
    """Compare a gross annual salary with the category's threshold on `on`.

    `reduced` (under 30 or a nurse) lowers the highly-qualified threshold. A date without
    thresholds of its own gives known=False: the file is flagged, never silently accepted.
    """
    spec = category(category_code)
    if spec.threshold is None:
        return SalaryCheck(applies=False, known=True, met=None)
    kind = "reduced" if reduced and spec.reduced_threshold else spec.threshold
    period = thresholds_on(on)
    if period is None:
        return SalaryCheck(applies=True, known=False, met=None, year=on.year, kind=kind)
    threshold = period.amounts[kind]
    shortfall = max(threshold - annual_salary, Decimal("0"))
    return SalaryCheck(
        applies=True,
        known=True,
        met=annual_salary >= threshold,
        threshold=threshold,
        shortfall=shortfall,
        year=on.year,
        kind=kind,
    )


def required_documents(category_code: str, posting: bool) -> tuple[str, ...]:
    """The documents a file of this category needs, with the posting extras."""
    documents = category(category_code).documents
    if posting:
        documents = documents + tuple(_data()["posting"]["documents"])
    return documents


def dated_documents() -> frozenset[str]:
    """Certificates whose issue date must be recent (`certificate_max_age_months`)."""
    return frozenset(_data()["certificates"]["dated"])


def oldest_certificate_date(today: date) -> date:
    """The earliest issue date a dated certificate may have on `today`."""
    from dateutil.relativedelta import relativedelta

    return today - relativedelta(months=procedure("certificate_max_age_months"))


def fee_for(year: int) -> Decimal | None:
    """The federal fee for `year`: that year's row, or the latest earlier one."""
    rows = [row for row in _data()["fees"] if row["year"] <= year]
    if not rows:
        return None
    return Decimal(str(max(rows, key=lambda row: row["year"])["amount"]))


@dataclass(frozen=True)
class Fee:
    """The federal fee as the public fee page shows it (rules.toml [fee] and [[fees]])."""

    amount: Decimal | None
    year: int | None  # the year of the amount: earlier than asked when not yet known
    payee: str
    info_url: str
    source: str

    @property
    def indexed_since(self) -> bool:
        return self.year is not None


def fee_info(year: int) -> Fee:
    rows = [row for row in _data()["fees"] if row["year"] <= year]
    latest = max(rows, key=lambda row: row["year"]) if rows else None
    table = _data()["fee"]
    return Fee(
        amount=Decimal(str(latest["amount"])) if latest else None,
        year=latest["year"] if latest else None,
        payee=table["payee"],
        info_url=table["info_url"],
        source=table["source"],
    )


def deadline_days() -> dict[str, int]:
    """Legal durations in calendar days per category, with a `default` (rules.toml [deadlines])."""
    table = dict(_data()["deadlines"])
    return {key: value for key, value in table.items() if isinstance(value, int)}


def letter() -> dict:
    """What the decision letter names (rules.toml [letter]): the authority, the signatory,
    the legal basis per outcome and the appeal route per outcome, with their sources."""
    return _data()["letter"]
