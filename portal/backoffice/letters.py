"""The Flemish decision letter, as a PDF/UA document in the applicant's language.

Values are formatted here for the locale (as `applications.receipts` does), so
`templates/pdf/decision_letter.html` only lays them out and holds the translatable text.
"""

from __future__ import annotations

from typing import Any

from babel.dates import format_date

from portal.applications.models import Dossier, DossierStatus
from portal.applications.rules import CATEGORY_TITLES
from portal.errors import NotFound
from portal.i18n import force_locale
from portal.pdf import render_pdf
from portal.reference import country_name, format_kbo
from portal.tracking import reasons as grounds

OUTCOME_STATUS = {
    "authorised": DossierStatus.WORK_AUTHORISED,
    "inadmissible": DossierStatus.INADMISSIBLE,
    "refused": DossierStatus.WORK_REFUSED,
}


def decision_letter_pdf(dossier: Dossier, locale: str | None = None) -> bytes:
    """The decision letter of a decided `dossier`, in `locale` (default: the dossier's language).

    Raises `NotFound` while Flanders has not decided.
    """
    if not dossier.flemish_decision:
        raise NotFound
    locale = locale or dossier.locale or "nl"
    return render_pdf(
        "pdf/decision_letter.html", locale, **decision_letter_context(dossier, locale)
    )


def decision_letter_context(dossier: Dossier, locale: str) -> dict[str, Any]:
    """What the letter shows, every value already formatted for `locale`."""
    with force_locale(locale):
        status = OUTCOME_STATUS.get(dossier.flemish_decision or "")
        outcome_title = status.title if status else dossier.flemish_decision
        category_title = str(CATEGORY_TITLES.get(dossier.category or "", dossier.category or ""))
    organisation = dossier.organisation
    employer = dossier.foreign_employer
    mandatary = dossier.mandatary
    reasons = (dossier.flemish_reasons or "").strip()
    # The grounds (codes) in the letter's language, before the officer's own words.
    ground_labels = grounds.reason_labels(dossier.flemish_reason_codes, locale)
    return {
        "reference": dossier.reference,
        "outcome": dossier.flemish_decision,
        "outcome_title": outcome_title,
        "decided_on": _date(dossier.flemish_decision_on, locale),
        "forwarded_on": _date(dossier.forwarded_on, locale),
        "reasons": [
            *ground_labels,
            *(line.strip() for line in reasons.splitlines() if line.strip()),
        ],
        "ground_labels": ground_labels,
        "category_title": category_title,
        "worker_name": dossier.worker_name,
        "organisation": organisation
        and {"name": organisation.name, "kbo": format_kbo(organisation.kbo_on_record)},
        "foreign_employer": employer
        and {"name": employer.name, "country": country_name(employer.country, locale)},
        "mandatary": mandatary and {"name": mandatary.name},
    }


def _date(value, locale: str) -> str:
    return format_date(value, "long", locale=locale) if value else ""
