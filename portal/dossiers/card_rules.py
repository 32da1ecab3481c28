"""The rules of the professional card (beroepskaart), read from `rules.toml` `[card]`.

The one place code reads card facts from: the wizard, the decisions, renewal, the figures
and the public pages all ask here. The figures live in the data with their sources; a fact
the sources disagree on carries `confirmed = false` and a note (`fact(name).confirmed`).
Titles people read are translated here; figures in sentences come from the data when the
sentence is rendered (`Figure`), so a changed figure changes every sentence naming it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import get_locale

from portal.dossiers import rules
from portal.i18n import _l, localized

ECONOMIC = "economic"
INNOVATIVE = "innovative"
SPORTING_CULTURAL_ARTISTIC = "sporting_cultural_artistic"

CATEGORY_TITLES = {
    ECONOMIC: _l("Economic added value"),
    INNOVATIVE: _l("Innovative added value"),
    SPORTING_CULTURAL_ARTISTIC: _l("Sporting, cultural or artistic added value"),
}

CATEGORY_DESCRIPTIONS = {
    ECONOMIC: _l(
        "A classic enterprise that meets an economic need, creates jobs, brings investment "
        "or promotes export."
    ),
    INNOVATIVE: _l("An innovative or specialised activity: a new product, service or process."),
    SPORTING_CULTURAL_ARTISTIC: _l(
        "An activity with sporting, cultural or artistic value, for example as an artist, "
        "athlete or coach."
    ),
}

EXEMPTIONS = {
    "eea_swiss": _l(
        "You are a national of a country of the European Economic Area or Switzerland."
    ),
    "eea_family": _l("You are a family member of a national of the European Economic Area."),
    "belgian_spouse": _l("You are the spouse or registered partner of a Belgian."),
    "unlimited_stay": _l("You have a right of unlimited stay or of settlement in Belgium."),
    "recognised_refugee": _l("You are a recognised refugee."),
    "temporary_protection": _l("You have temporary protection (for example from Ukraine)."),
    "assisting_spouse": _l("You help your spouse in their self-employed activity."),
    "short_stay": _l("You come for less than 3 months for an activity that is exempt."),
}

RESIDENCE_DOCUMENTS = {
    "a_card": _l("A card (limited stay)"),
    "h_card": _l("H card (EU Blue Card)"),
    "i_card": _l("I card (intra-corporate transfer)"),
    "j_card": _l("J card (long-term mobility of an intra-corporate transferee)"),
    "diplomatic_id": _l("Diplomatic identity card"),
    "annex_3": _l("Annex 3 (declaration of arrival)"),
    "attestation_of_immatriculation": _l("Attestation of immatriculation (orange card)"),
}

REGIONS = ("brussels", "wallonia", "german_speaking")


def _card() -> dict:
    """The `[card]` table (tests replace this function to change a figure)."""
    return rules._data()["card"]


@dataclass(frozen=True)
class Fact:
    name: str
    value: object
    source: str
    confirmed: bool = True
    note: str = ""


def fact(name: str) -> Fact:
    """One fact of `[card]` with its source and whether the sources agree on it."""
    entry = _card()[name]
    return Fact(
        name=name,
        value=entry["value"],
        source=entry["source"],
        confirmed=entry.get("confirmed", True),
        note=entry.get("note", ""),
    )


def value(name: str):
    return fact(name).value


def facts() -> dict[str, Fact]:
    """Every single-valued fact of `[card]` (the entries with a `value`)."""
    return {
        name: fact(name)
        for name, entry in _card().items()
        if isinstance(entry, dict) and "value" in entry
    }


def unconfirmed() -> dict[str, str]:
    """Name -> note of every fact, exemption and region the sources do not settle."""
    result = {name: f.note for name, f in facts().items() if not f.confirmed}
    exemptions = _card()["exemptions"]
    for ground in exemptions["grounds"]:
        spec = exemptions.get(ground, {})
        if not spec.get("confirmed", True):
            result[f"exemptions.{ground}"] = spec.get("note", "")
    for code, spec in _card()["regions"].items():
        if isinstance(spec, dict) and not spec.get("confirmed", True):
            result[f"regions.{code}"] = spec.get("note", "")
    return result


# -- numbers in sentences -------------------------------------------------------------------


def _language() -> str:
    try:
        return str(get_locale() or "nl")[:2]
    except (RuntimeError, KeyError):  # no request: the Dutch format
        return "nl"


def number(amount, places: int | None = None) -> str:
    """A number as the reader writes it: 26.086,66 in nl, fr and de; 26,086.66 in en.

    `places=None` shows cents only when there are any (18.600, 26.086,66)."""
    amount = Decimal(str(amount))
    if places is None:
        places = 0 if amount == amount.to_integral_value() else 2
    quantum = Decimal(1).scaleb(-places)
    text = f"{amount.quantize(quantum, ROUND_HALF_UP):,.{places}f}"
    if _language() == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def euro(amount) -> str:
    """An amount in euro as the reader writes it: "EUR 26.086,66" (a no-break space)."""
    return f"EUR\u00a0{number(amount)}"


def figure(name: str) -> str:
    """A fact as a sentence names it, in the reader's number format."""
    return number(value(name))


class Figure(rules.Figure):
    """A card fact read when the sentence is rendered: `_l("... %(months)s", months=Figure(
    "criminal_record_max_age_months"))`."""

    def __str__(self) -> str:
        return figure(self.name)


DOCUMENTS = {
    "passport": _l("Copy of the passport or identity document"),
    "residence_document": _l("Copy of the residence document"),
    "criminal_record": _l(
        "Extract from the criminal record (at most %(months)s months old)",
        months=Figure("criminal_record_max_age_months"),
    ),
    "diploma": _l(
        "Diploma (at least qualification level %(level)s)",
        level=Figure("diploma_min_level"),
    ),
    "means_proof": _l("Proof of means of subsistence"),
    "business_plan": _l("Business plan"),
    "start_capital_proof": _l("Proof of the start capital"),
    "jobs_investment_evidence": _l("Evidence of the jobs to create and the investment"),
    "innovation_evidence": _l("Evidence of the innovative character of the activity"),
    "value_evidence": _l(
        "Evidence of the sporting, cultural or artistic value (contracts, references, press)"
    ),
}


# -- typed accessors ------------------------------------------------------------------------


@dataclass(frozen=True)
class Category:
    code: str
    documents: tuple[str, ...]  # the category's own evidence, after the common documents
    start_capital: Decimal | None
    source: str

    @property
    def title(self) -> str:
        return str(CATEGORY_TITLES[self.code])

    @property
    def description(self) -> str:
        return str(CATEGORY_DESCRIPTIONS[self.code])

    @property
    def all_documents(self) -> tuple[str, ...]:
        return common_documents() + self.documents


def categories() -> dict[str, Category]:
    """The three categories by code, in the decree's order."""
    result = {}
    for code, spec in _card()["categories"].items():
        if code not in CATEGORY_TITLES:
            raise ValueError(f"card category {code!r} has no title")
        for document in spec["documents"]:
            if document not in DOCUMENTS:
                raise ValueError(f"card document {document!r} of {code!r} has no title")
        result[code] = Category(
            code=code,
            documents=tuple(spec["documents"]),
            start_capital=start_capital() if spec.get("start_capital") else None,
            source=spec["source"],
        )
    return result


def category(code: str) -> Category:
    return categories()[code]


def category_codes() -> tuple[str, ...]:
    """The card's category codes, in the decree's order (as `categories()` gives them)."""
    return tuple(_card()["categories"])


def category_choices() -> list[tuple[str, object]]:
    return [(code, CATEGORY_TITLES[code]) for code in categories()]


def common_documents() -> tuple[str, ...]:
    return tuple(_card()["documents"]["common"])


def required_documents(category_code: str) -> tuple[str, ...]:
    """Every document a card file of this category needs."""
    return category(category_code).all_documents


def document_title(code: str) -> str:
    return str(DOCUMENTS[code])


def start_capital() -> Decimal:
    return Decimal(str(value("start_capital_eur")))


@dataclass(frozen=True)
class MeansPeriod:
    valid_from: date
    annual: Decimal
    source: str


def means_periods() -> tuple[MeansPeriod, ...]:
    rows = [
        MeansPeriod(row["valid_from"], Decimal(str(row["annual_eur"])), row["source"])
        for row in _card()["means_threshold"]
    ]
    return tuple(sorted(rows, key=lambda period: period.valid_from))


def means_period(on: date) -> MeansPeriod | None:
    """The period in force on `on` (each runs until the next starts), or None before the first."""
    current = None
    for period in means_periods():
        if period.valid_from <= on:
            current = period
    return current


def means_threshold(on: date) -> Decimal | None:
    """Yearly means of subsistence required on `on` (110% of the leefloon), EUR; None for a
    day before the first known period: flag it, never accept silently."""
    period = means_period(on)
    return period.annual if period else None


def means_percent() -> int:
    return value("means_percent_of_leefloon")


def diploma_min_level() -> int:
    return value("diploma_min_level")


def criminal_record_max_age_months() -> int:
    return value("criminal_record_max_age_months")


def oldest_criminal_record_date(today: date) -> date:
    from dateutil.relativedelta import relativedelta

    return today - relativedelta(months=criminal_record_max_age_months())


@dataclass(frozen=True)
class Fees:
    application: Decimal  # paid when applying
    per_year: Decimal  # paid per year of validity when the card is delivered
    confirmed: bool

    def on_delivery(self, years: int) -> Decimal:
        return self.per_year * years


def fees() -> Fees:
    application, per_year = fact("fee_application_eur"), fact("fee_per_year_eur")
    return Fees(
        application=Decimal(str(application.value)),
        per_year=Decimal(str(per_year.value)),
        confirmed=application.confirmed and per_year.confirmed,
    )


def validity_years() -> tuple[int, int]:
    """The shortest and longest validity an officer may set, in whole years."""
    return value("validity_min_years"), value("validity_max_years")


def renewal_window_days(first_granted_before_2022: bool = False) -> int:
    """Days before expiry from which a renewal is filed (at the latest)."""
    name = "renewal_window_days_before_2022" if first_granted_before_2022 else "renewal_window_days"
    return value(name)


def reminder_days() -> tuple[int, ...]:
    """Days before expiry at which the holder gets a reminder, largest first."""
    return tuple(sorted(value("reminder_days"), reverse=True))


@dataclass(frozen=True)
class Appeal:
    minister_days: int
    advice_months: int
    minister_decision_months: int
    council_of_state_days: int


def appeal() -> Appeal:
    return Appeal(
        minister_days=value("appeal_minister_days"),
        advice_months=value("appeal_advice_months"),
        minister_decision_months=value("appeal_minister_decision_months"),
        council_of_state_days=value("appeal_council_of_state_days"),
    )


def decision_days() -> int:
    """Days a decision takes in practice (no statutory deadline: unconfirmed)."""
    return value("decision_days")


def document_languages() -> tuple[str, ...]:
    return tuple(value("document_languages"))


def exemption_grounds() -> tuple[str, ...]:
    """The grounds on which a person needs no card, in the order the check asks them."""
    grounds = tuple(_card()["exemptions"]["grounds"])
    for ground in grounds:
        if ground not in EXEMPTIONS:
            raise ValueError(f"exemption {ground!r} has no title")
    return grounds


def exemption_title(ground: str) -> str:
    return str(EXEMPTIONS[ground])


def exemption_confirmed(ground: str) -> bool:
    return _card()["exemptions"].get(ground, {}).get("confirmed", True)


def accepted_residence_documents() -> tuple[str, ...]:
    """Residence documents with which a person in Belgium may file the card online."""
    return tuple(_card()["residence_documents"]["accepted"])


def refused_residence_documents() -> tuple[str, ...]:
    return tuple(_card()["residence_documents"]["refused"])


def residence_document_title(code: str) -> str:
    return str(RESIDENCE_DOCUMENTS[code])


@dataclass(frozen=True)
class Region:
    """Another region that grants its own cards: where to go instead."""

    code: str
    names: dict[str, str]
    authorities: dict[str, str]
    url: str
    confirmed: bool

    def name(self, lang: str | None = None) -> str:
        return localized(self.names, lang or _language())

    def authority(self, lang: str | None = None) -> str:
        return localized(self.authorities, lang or _language())


def regions() -> dict[str, Region]:
    table = _card()["regions"]
    return {
        code: Region(
            code=code,
            names=dict(table[code]["name"]),
            authorities=dict(table[code]["authority"]),
            url=table[code]["url"],
            confirmed=table[code].get("confirmed", True),
        )
        for code in REGIONS
    }


def region(code: str) -> Region:
    return regions()[code]
