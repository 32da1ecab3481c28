"""The wizard's sections: what each one saves, how it is checked, and when a file is complete.

Each `save_*` takes plain values, validates them against the rules, writes them to the
draft and marks the section done; `completeness` re-checks everything at submission, so a
file that was complete when a section was saved but is no longer (a start date now past,
a year without thresholds) is caught at the gate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import format_currency
from stdnum.be import bis, nn

from portal import clock, reference
from portal.dossiers import rules
from portal.dossiers.contents import card
from portal.dossiers.models import Dossier
from portal.errors import Invalid
from portal.i18n import _, _l, format_date, language
from portal.progress import Progress, count

SECTIONS = ("employer", "worker", "category", "job", "posting", "documents")
SECTION_TITLES = {
    "employer": _l("Employer"),
    "worker": _l("Worker"),
    "category": _l("Category"),
    "job": _l("Job"),
    "posting": _l("Posting"),
    "documents": _l("Documents"),
}


# The professional card's own sections (contents/card.py) share the wizard and its titles.
SECTION_TITLES.update({k: v for k, v in card.SECTION_TITLES.items() if k not in SECTION_TITLES})


def sections_for(dossier: Dossier) -> tuple[str, ...]:
    if card.is_card(dossier):
        return card.SECTIONS
    return tuple(s for s in SECTIONS if s != "posting" or dossier.is_posting)


def steps_for(dossier: Dossier) -> tuple[str, ...]:
    """The steps of the wizard: the sections, then "check your answers and submit"."""
    return (*sections_for(dossier), "check")


def progress(dossier: Dossier, current: str | None = None) -> Progress:
    """How far the draft is, and which step a page shows: the one count every page uses."""
    steps = steps_for(dossier)
    return count(
        (name in dossier.done for name in steps),
        current=steps.index(current) + 1 if current else None,
    )


@dataclass(frozen=True)
class Problem:
    section: str
    field: str
    message: str


def _euro(amount: Decimal) -> str:
    return format_currency(amount, "EUR")


def validate_national_number(value: str | None) -> str | None:
    """A Belgian national register or BIS number, compacted; Invalid when wrong."""
    if not value:
        return None
    compact = nn.compact(value)
    if nn.is_valid(compact) or bis.is_valid(compact):
        return compact
    raise Invalid(
        {
            "worker_national_number": [
                _("This is not a valid national register or BIS number: check the 11 digits.")
            ]
        }
    )


def save_worker(dossier: Dossier, data: dict) -> None:
    """Identity of the worker; a worker living abroad needs the Belgian diplomatic post."""
    errors: dict[str, list[str]] = {}
    try:
        data["worker_national_number"] = validate_national_number(
            data.get("worker_national_number")
        )
    except Invalid as error:
        errors.update(error.errors)
    if data.get("worker_residence_country") not in (None, "", "BE") and not data.get(
        "worker_diplomatic_post"
    ):
        errors["worker_diplomatic_post"] = [
            _(
                "A worker who lives abroad applies for the visa at a Belgian embassy or consulate: name it."
            )
        ]
    if reference.has_free_movement(data.get("worker_nationality")):
        errors["worker_nationality"] = [
            _(
                "Citizens of the EU, Iceland, Liechtenstein, Norway and Switzerland need no single permit: they may work in Belgium without one and register with the municipality where they live. If the worker also holds another nationality, this application is still not needed."
            )
        ]
    birth = data.get("worker_birth_date")
    if birth and birth > clock.today() - timedelta(days=15 * 365):
        errors["worker_birth_date"] = [_("Check the birth date: the worker must be at least 15.")]
    if errors:
        raise Invalid(errors)
    for name, value in data.items():
        setattr(dossier, name, value)
    dossier.mark_done("worker")


def save_category(dossier: Dossier, data: dict) -> None:
    """The category; a shortage occupation cannot be a posting."""
    code = data["category"]
    spec = rules.category(code)
    errors: dict[str, list[str]] = {}
    if dossier.is_posting and not spec.posting_allowed:
        errors["category"] = [
            _(
                "The shortage-occupation category is not available for postings: the worker "
                "must be employed by a Belgian employer. Choose another category."
            )
        ]
    if spec.labour_market_test:
        if not data.get("vacancy_reference"):
            errors["vacancy_reference"] = [_("Give the reference of the VDAB vacancy.")]
        published = data.get("vacancy_published_on")
        if not published:
            errors["vacancy_published_on"] = [_("Give the date the vacancy was published.")]
        elif published > (
            latest := clock.today() - timedelta(days=rules.procedure("labour_market_test_days"))
        ):
            errors["vacancy_published_on"] = [
                _(
                    "The vacancy must have been published for at least %(weeks)s weeks (since %(date)s at the latest).",
                    weeks=rules.figure("labour_market_test_weeks"),
                    date=format_date(latest),
                )
            ]
    if errors:
        raise Invalid(errors)
    dossier.category = code
    dossier.vacancy_reference = data.get("vacancy_reference") if spec.labour_market_test else None
    dossier.vacancy_published_on = (
        data.get("vacancy_published_on") if spec.labour_market_test else None
    )
    dossier.mark_done("category")
    if "job" in dossier.done and _job_problems(dossier, clock.today()):
        dossier.mark_done("job", False)  # the new category changes what the job must meet


def _job_problems(dossier: Dossier, today: date) -> list[Problem]:
    problems = []
    if dossier.start_date:
        latest = today + timedelta(days=rules.procedure("max_days_before_start"))
        if dossier.start_date > latest:
            problems.append(
                Problem(
                    "job",
                    "start_date",
                    _(
                        "The start date can be at most %(months)s months ahead: submit on %(date)s or later.",
                        months=rules.figure("max_months_before_start"),
                        date=format_date(
                            dossier.start_date
                            - timedelta(days=rules.procedure("max_days_before_start"))
                        ),
                    ),
                )
            )
        if dossier.start_date < today:
            problems.append(Problem("job", "start_date", _("The start date has passed.")))
    if dossier.workplace_postal_code:
        place = reference.municipality_for_postal_code(dossier.workplace_postal_code)
        if place is not None and not place.in_flanders:
            problems.append(
                Problem(
                    "job",
                    "workplace_postal_code",
                    _(
                        "%(municipality)s lies in the %(region)s: apply to that region, not to Flanders.",
                        municipality=place.name(language()),
                        region=reference.region_name(place.region, language()),
                    ),
                )
            )
    if dossier.category and dossier.duration_months:
        maximum = rules.category(dossier.category).max_months
        if dossier.duration_months > maximum:
            problems.append(
                Problem(
                    "job",
                    "duration_months",
                    _("This category allows at most %(months)s months.", months=maximum),
                )
            )
    if dossier.category and dossier.annual_salary is not None:
        check = rules.check_salary(
            dossier.category,
            dossier.annual_salary,
            dossier.start_date or today,
            reduced=dossier.reduced_threshold,
        )
        if check.known and check.met is False:
            problems.append(
                Problem(
                    "job",
                    "annual_salary",
                    _(
                        "The salary is %(shortfall)s below the threshold of %(threshold)s a year for %(year)s.",
                        shortfall=_euro(check.shortfall),
                        threshold=_euro(check.threshold),
                        year=check.year,
                    ),
                )
            )
    return problems


def salary_warning(
    category: str | None,
    annual_salary: Decimal | None,
    start_date: date | None,
    *,
    reduced: bool = False,
    today: date | None = None,
) -> str | None:
    """A warning (not an error) when the amount read is below the category's threshold for
    the year of the start date: shown next to the salary so a slip ("55,00") is seen."""
    if not category or annual_salary is None or category not in rules.categories():
        return None
    check = rules.check_salary(
        category, annual_salary, start_date or today or clock.today(), reduced=reduced
    )
    if not (check.known and check.met is False):
        return None
    return _(
        "This is %(shortfall)s below the threshold of %(threshold)s a year for %(year)s.",
        shortfall=_euro(check.shortfall),
        threshold=_euro(check.threshold),
        year=check.year,
    )


def save_job(dossier: Dossier, data: dict, today: date | None = None) -> None:
    """The job: occupation, salary, dates, place of work, checked against the category."""
    today = today or clock.today()
    previous = {name: getattr(dossier, name) for name in data}
    for name, value in data.items():
        setattr(dossier, name, value)
    place = reference.municipality_for_postal_code(dossier.workplace_postal_code or "")
    dossier.workplace_refnis = place.refnis if place else None
    problems = _job_problems(dossier, today)
    if problems:
        for name, value in previous.items():  # keep the saved draft as it was
            setattr(dossier, name, value)
        errors: dict[str, list[str]] = {}
        for problem in problems:
            errors.setdefault(problem.field, []).append(problem.message)
        raise Invalid(errors)
    dossier.mark_done("job")


def save_posting(dossier: Dossier, data: dict) -> None:
    """The posting: period, Belgian client and site, Limosa declaration."""
    start, end = data.get("posting_start"), data.get("posting_end")
    if start and end and end < start:
        raise Invalid({"posting_end": [_("The end of the posting cannot be before its start.")]})
    for name, value in data.items():
        setattr(dossier, name, value)
    dossier.mark_done("posting")


REQUIRED_FIELDS = {
    "worker": (
        "worker_first_name",
        "worker_last_name",
        "worker_birth_date",
        "worker_nationality",
        "worker_passport",
        "worker_residence_country",
    ),
    "category": ("category",),
    "job": (
        "isco_code",
        "annual_salary",
        "start_date",
        "duration_months",
        "workplace_street",
        "workplace_postal_code",
    ),
    "posting": ("posting_start", "posting_end", "client_name", "limosa_reference"),
}


def missing_documents(dossier: Dossier) -> list[str]:
    if card.is_card(dossier):
        return card.missing_documents(dossier)
    if not dossier.category:
        return []
    present = {document.requirement for document in dossier.documents}
    return [
        code
        for code in rules.required_documents(dossier.category, dossier.is_posting)
        if code not in present
    ]


def completeness(dossier: Dossier, today: date) -> list[Problem]:
    """Everything that stops the file from being submitted, section by section."""
    if card.is_card(dossier):
        return card.completeness(dossier, today)
    problems: list[Problem] = []
    for section in sections_for(dossier):
        if section in ("employer", "documents"):
            continue
        for field in REQUIRED_FIELDS.get(section, ()):
            if getattr(dossier, field) in (None, ""):
                problems.append(
                    Problem(
                        section,
                        field,
                        _("Complete the section “%(section)s”.", section=SECTION_TITLES[section]),
                    )
                )
                break
    problems.extend(_job_problems(dossier, today))
    for code in missing_documents(dossier):
        problems.append(
            Problem(
                "documents",
                code,
                _("Add the document “%(document)s”.", document=rules.DOCUMENTS[code]),
            )
        )
    problems.extend(stale_certificates(dossier, today))
    return problems


def stale_certificates(dossier: Dossier, today: date) -> list[Problem]:
    """Certificates older than the rules allow (the issue date the applicant gave)."""
    limit = rules.oldest_certificate_date(today)
    return [
        Problem(
            "documents",
            document.requirement,
            _(
                "“%(document)s” was issued on %(date)s: a certificate may be at most %(months)s months old.",
                months=rules.figure("certificate_max_age_months"),
                document=rules.DOCUMENTS[document.requirement],
                date=format_date(document.issued_on),
            ),
        )
        for document in dossier.documents
        if document.requirement in rules.dated_documents()
        and document.issued_on
        and document.issued_on < limit
    ]
