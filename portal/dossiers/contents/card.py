"""The professional card's wizard sections: what each saves, how it is checked, when the
file is complete.

A card file is a dossier with `permit = professional_card` and a `CardDetails` row. The
person is the dossier's worker_*, the activity's NACE code and place of establishment the
dossier's `nace_code` and `workplace_*`, the category `dossier.category` (the card's own
codes). Every figure (start capital, means threshold, diploma level, the criminal-record
extract's age, the fee) comes from `card_rules`, never from here.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from flask_babel import format_currency

from portal import clock, reference
from portal.accounts.models import CardPerson, ResidenceDocument
from portal.dossiers import card_rules
from portal.dossiers.models import CardDetails, Dossier, Permit
from portal.errors import Invalid
from portal.i18n import _, _l, format_date, language

SECTIONS = ("person", "activity", "benefit", "qualifications", "means", "documents")
SECTION_TITLES = {
    "person": _l("You and your residence"),
    "activity": _l("The activity"),
    "benefit": _l("The economic benefit"),
    "qualifications": _l("Qualifications"),
    "means": _l("Means of subsistence"),
    "documents": _l("Documents"),
}
BELGIUM, ABROAD = "belgium", "abroad"
COMPANY, SOLE_TRADER = "company", "sole_trader"
# Dated documents: issued at most card_rules.criminal_record_max_age_months() before the
# submission.
DATED = frozenset({"criminal_record"})
# The German-language area (9 municipalities, REFNIS 63xxx): the German-speaking
# Community grants the card there, not the Walloon Region.
GERMAN_SPEAKING_REFNIS = frozenset(
    {"63001", "63012", "63013", "63023", "63040", "63048", "63061", "63067", "63087"}
)
BRUSSELS_REGION = "04000"
MAX_JOBS = 100_000
MAX_DIPLOMA_LEVEL = 8
MIN_AGE = 18


def is_card(dossier: Dossier) -> bool:
    return dossier.permit == Permit.PROFESSIONAL_CARD


def details(dossier: Dossier) -> CardDetails:
    """The card row of a card file, created on first use."""
    if dossier.card is None:
        dossier.card = CardDetails()
    return dossier.card


def _euro(amount: Decimal) -> str:
    return format_currency(amount, "EUR")


def _set(dossier: Dossier, data: dict) -> None:
    """Write each value to the card row when it is one of its columns, else to the dossier."""
    card = details(dossier)
    for name, value in data.items():
        setattr(card if hasattr(CardDetails, name) else dossier, name, value)


def start_from_person(dossier: Dossier, person: CardPerson) -> None:
    """A new card file of an entrepreneur starts from what they gave when registering."""
    dossier.permit = Permit.PROFESSIONAL_CARD
    dossier.worker_first_name = person.first_name
    dossier.worker_last_name = person.last_name
    dossier.worker_birth_date = person.birth_date
    dossier.worker_nationality = person.nationality
    dossier.worker_email = person.user.email
    dossier.worker_locale = person.user.locale
    dossier.worker_residence_country = person.address_country
    card = details(dossier)
    in_belgium = person.residence_document.allows_filing_in_belgium
    card.files_from = BELGIUM if in_belgium else ABROAD
    card.residence_document = person.residence_document.value if in_belgium else None
    card.residence_valid_until = person.residence_valid_until if in_belgium else None
    card.address_street = person.address_street
    card.address_postal_code = person.address_postal_code
    card.address_city = person.address_city
    card.address_country = person.address_country


# -- the person ----------------------------------------------------------------------------


def _person_problems(dossier: Dossier, today: date) -> list[tuple[str, str]]:
    card = details(dossier)
    problems: list[tuple[str, str]] = []
    if reference.has_free_movement(dossier.worker_nationality):
        problems.append(
            (
                "worker_nationality",
                _(
                    "Citizens of the EU, Iceland, Liechtenstein, Norway and Switzerland need no "
                    "professional card: they may work as self-employed in Belgium without one. "
                    "The exemption check tells who else needs none."
                ),
            )
        )
    birth = dossier.worker_birth_date
    if birth and birth > today - relativedelta(years=MIN_AGE):  # born 29 Feb: the 28th
        problems.append(
            (
                "worker_birth_date",
                _("Check the date of birth: you must be at least %(age)s.", age=MIN_AGE),
            )
        )
    if card.files_from == BELGIUM:
        document = card.residence_document
        if document and document not in card_rules.accepted_residence_documents():
            problems.append(
                (
                    "residence_document",
                    _(
                        "With an attestation of immatriculation you cannot apply for a "
                        "professional card in Belgium: apply from abroad at a Belgian embassy "
                        "or consulate, or once you hold an A, H, I or J card, a diplomatic "
                        "identity card or an annex 3."
                    ),
                )
            )
        if not document:
            problems.append(
                ("residence_document", _("Choose the residence document you live in Belgium on."))
            )
        if card.residence_valid_until is None:
            problems.append(
                (
                    "residence_valid_until",
                    _("Give the date until which your residence document is valid."),
                )
            )
        elif card.residence_valid_until < today:
            problems.append(
                ("residence_valid_until", _("This residence document has expired: renew it first."))
            )
        if card.address_country not in (None, "BE"):
            problems.append(
                (
                    "address_country",
                    _("Filing online from Belgium needs your address in Belgium."),
                )
            )
    elif card.files_from == ABROAD and not dossier.worker_diplomatic_post:
        problems.append(
            (
                "worker_diplomatic_post",
                _(
                    "From abroad you apply at a Belgian embassy or consulate together with the "
                    "D visa: name it."
                ),
            )
        )
    if (
        card.address_country == "BE"
        and card.address_postal_code
        and reference.municipality_for_postal_code(card.address_postal_code) is None
    ):
        problems.append(("address_postal_code", _("This is not a Belgian postal code.")))
    return problems


def save_person(dossier: Dossier, data: dict, today: date | None = None) -> None:
    """The person, their residence and where they file from (Belgium, or a Belgian post
    abroad with the D visa)."""
    today = today or clock.today()
    if data.get("files_from") == ABROAD:
        data = {**data, "residence_document": None, "residence_valid_until": None}
    else:
        data = {**data, "worker_diplomatic_post": None}
    _save_checked(dossier, data, "person", lambda: _person_problems(dossier, today))


def _save_checked(dossier: Dossier, data: dict, section: str, problems) -> None:
    """Write `data`, check it; on a problem put the draft back as it was and refuse."""
    card = details(dossier)
    previous = {
        name: getattr(card if hasattr(CardDetails, name) else dossier, name) for name in data
    }
    _set(dossier, data)
    found = problems()
    if found:
        _set(dossier, previous)
        errors: dict[str, list[str]] = {}
        for field, message in found:
            errors.setdefault(field, []).append(message)
        raise Invalid(errors)
    dossier.mark_done(section)


# -- the activity --------------------------------------------------------------------------


def other_region(refnis: str, region: str) -> card_rules.Region | None:
    """The region (or community) that grants the card for a place outside Flanders."""
    if region == reference.FLEMISH_REGION:
        return None
    if region == BRUSSELS_REGION:
        return card_rules.region("brussels")
    if refnis in GERMAN_SPEAKING_REFNIS:
        return card_rules.region("german_speaking")
    return card_rules.region("wallonia")


def _activity_problems(dossier: Dossier) -> list[tuple[str, str]]:
    card = details(dossier)
    problems: list[tuple[str, str]] = []
    if dossier.category and dossier.category not in card_rules.categories():
        problems.append(("category", _("Choose one of the categories.")))
    if card.legal_form == COMPANY and not card.company_name:
        problems.append(("company_name", _("Give the name of the company.")))
    if dossier.workplace_postal_code:
        place = reference.municipality_for_postal_code(dossier.workplace_postal_code)
        elsewhere = other_region(place.refnis, place.region) if place else None
        if elsewhere is not None:
            problems.append(
                (
                    "workplace_postal_code",
                    _(
                        "%(municipality)s lies outside Flanders: the %(region)s grants the "
                        "professional card there. Apply to %(authority)s (%(url)s).",
                        municipality=place.name(language()),
                        region=elsewhere.name(),
                        authority=elsewhere.authority(),
                        url=elsewhere.url,
                    ),
                )
            )
    return problems


def save_activity(dossier: Dossier, data: dict) -> None:
    """Category, company or sole trader, KBO number, NACE-BEL, place of establishment."""
    if data.get("legal_form") != COMPANY:
        data = {**data, "company_name": None}
    place = reference.municipality_for_postal_code(data.get("workplace_postal_code") or "")
    data = {**data, "workplace_refnis": place.refnis if place else None}
    _save_checked(dossier, data, "activity", lambda: _activity_problems(dossier))


# -- the economic benefit ------------------------------------------------------------------


def _benefit_problems(dossier: Dossier) -> list[tuple[str, str]]:
    card = details(dossier)
    problems: list[tuple[str, str]] = []
    if card.jobs_planned is not None and not 0 <= card.jobs_planned <= MAX_JOBS:
        problems.append(
            ("jobs_planned", _("Give a number of jobs from 0 to %(max)s.", max=MAX_JOBS))
        )
    for name in ("investment_eur", "start_capital_eur"):
        amount = getattr(card, name)
        if amount is not None and amount < 0:
            problems.append((name, _("An amount cannot be negative.")))
    return problems


def start_capital_warning(dossier: Dossier) -> str | None:
    """An economic-category file below the start capital the rules name: said, not refused."""
    card = dossier.card
    if card is None or dossier.category is None or card.start_capital_eur is None:
        return None
    spec = card_rules.categories().get(dossier.category)
    if spec is None or spec.start_capital is None or card.start_capital_eur >= spec.start_capital:
        return None
    return _(
        "The start capital of this category is %(capital)s: the officer will ask how you meet it.",
        capital=_euro(spec.start_capital),
    )


def save_benefit(dossier: Dossier, data: dict) -> None:
    """Jobs to create, investment, innovation, export, start capital."""
    _save_checked(dossier, data, "benefit", lambda: _benefit_problems(dossier))


# -- qualifications ------------------------------------------------------------------------


def _qualification_problems(dossier: Dossier) -> list[tuple[str, str]]:
    card = details(dossier)
    level = card.diploma_level
    if level is not None and not 1 <= level <= MAX_DIPLOMA_LEVEL:
        return [("diploma_level", _("Choose a qualification level from 1 to 8."))]
    return []


def diploma_warning(dossier: Dossier) -> str | None:
    card = dossier.card
    if card is None or card.diploma_level is None:
        return None
    minimum = card_rules.diploma_min_level()
    if card.diploma_level >= minimum:
        return None
    return _(
        "A professional card needs a diploma of at least qualification level %(level)s.",
        level=minimum,
    )


def save_qualifications(dossier: Dossier, data: dict) -> None:
    """The diploma's qualification level and access to a regulated profession."""
    _save_checked(dossier, data, "qualifications", lambda: _qualification_problems(dossier))


# -- means of subsistence ------------------------------------------------------------------


def means_warning(amount: Decimal | None, on: date) -> str | None:
    """A clear warning when the yearly means are below the threshold of `on` (110% of the
    leefloon in card_rules); a day without a known threshold is said too."""
    if amount is None:
        return None
    threshold = card_rules.means_threshold(on)
    if threshold is None:
        return _(
            "The threshold for %(date)s is not known yet: the officer checks your means.",
            date=format_date(on),
        )
    if amount >= threshold:
        return None
    return _(
        "This is %(shortfall)s below the required means of %(threshold)s a year "
        "(%(percent)s%% of the leefloon): the card can be refused for it.",
        shortfall=_euro(threshold - amount),
        threshold=_euro(threshold),
        percent=card_rules.means_percent(),
    )


def save_means(dossier: Dossier, data: dict) -> None:
    def problems() -> list[tuple[str, str]]:
        means = details(dossier).means_eur
        if means is not None and means < 0:
            return [("means_eur", _("An amount cannot be negative."))]
        return []

    _save_checked(dossier, data, "means", problems)


# -- documents -----------------------------------------------------------------------------


def required_documents(dossier: Dossier) -> tuple[str, ...]:
    """The category's documents; from abroad there is no Belgian residence document yet."""
    if not dossier.category or dossier.category not in card_rules.categories():
        return ()
    required = card_rules.required_documents(dossier.category)
    if dossier.card is not None and dossier.card.files_from == ABROAD:
        required = tuple(code for code in required if code != "residence_document")
    return required


def document_titles() -> dict[str, str]:
    return {code: str(title) for code, title in card_rules.DOCUMENTS.items()}


def oldest_dated_document(today: date) -> date:
    return card_rules.oldest_criminal_record_date(today)


def missing_documents(dossier: Dossier) -> list[str]:
    present = {document.requirement for document in dossier.documents}
    return [code for code in required_documents(dossier) if code not in present]


# -- completeness --------------------------------------------------------------------------

REQUIRED = {
    "person": (
        "worker_first_name",
        "worker_last_name",
        "worker_birth_date",
        "worker_nationality",
        "worker_passport",
        "files_from",
        "address_street",
        "address_city",
        "address_country",
    ),
    "activity": (
        "category",
        "legal_form",
        "activity_description",
        "nace_code",
        "workplace_street",
        "workplace_postal_code",
    ),
    "benefit": ("jobs_planned",),
    "qualifications": ("diploma_level", "regulated_profession"),
    "means": ("means_eur",),
}


def completeness(dossier: Dossier, today: date):
    """Everything that stops a card file from being submitted, section by section."""
    from portal.dossiers.contents.sections import Problem

    card = details(dossier)
    problems: list[Problem] = []
    for section, fields in REQUIRED.items():
        for field in fields:
            owner = card if hasattr(CardDetails, field) else dossier
            if getattr(owner, field) in (None, ""):
                problems.append(
                    Problem(
                        section,
                        field,
                        _("Complete the section “%(section)s”.", section=SECTION_TITLES[section]),
                    )
                )
                break
    for field, message in _person_problems(dossier, today):
        problems.append(Problem("person", field, message))
    for field, message in _activity_problems(dossier):
        problems.append(Problem("activity", field, message))
    for field, message in _benefit_problems(dossier) + _qualification_problems(dossier):
        problems.append(Problem("benefit", field, message))
    for code in missing_documents(dossier):
        problems.append(
            Problem(
                "documents",
                code,
                _("Add the document “%(document)s”.", document=card_rules.document_title(code)),
            )
        )
    oldest = oldest_dated_document(today)
    for document in dossier.documents:
        if document.requirement in DATED and (
            document.issued_on is None or document.issued_on < oldest
        ):
            problems.append(
                Problem(
                    "documents",
                    document.requirement,
                    _(
                        "The extract from the criminal record must have been issued at most "
                        "%(months)s months before you submit: on or after %(date)s.",
                        months=card_rules.criminal_record_max_age_months(),
                        date=format_date(oldest),
                    ),
                )
            )
    return problems


def fee_lines() -> list[str]:
    """What the card costs, from card_rules, shown before submission."""
    fees = card_rules.fees()
    lines = [
        _("%(amount)s when you apply.", amount=_euro(fees.application)),
        _(
            "%(amount)s per year of validity when the card is delivered.",
            amount=_euro(fees.per_year),
        ),
    ]
    if not fees.confirmed:
        lines.append(_("The sources do not agree on these fees: the officer confirms them."))
    return lines


def residence_choices() -> list[tuple[str, str]]:
    """The residence documents a person in Belgium may hold, the refused one included (so
    choosing it says why it does not do)."""
    return [
        (code.value, code.title) for code in ResidenceDocument if code is not ResidenceDocument.NONE
    ]
