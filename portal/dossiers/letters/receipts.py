"""The submission receipt of a dossier, as a PDF in the reader's language.

Values are formatted here with Babel for the given locale (dates in Brussels time, the
salary in euros, country names from CLDR), so `templates/pdf/receipt.html` only lays them
out and holds the translatable labels.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_currency
from babel.units import format_unit

from portal.dossiers import card_rules
from portal.dossiers.models import Dossier, Permit
from portal.dossiers.rules import CATEGORY_TITLES, DOCUMENTS
from portal.i18n import force_locale, format_locale
from portal.i18n import format_datetime as brussels_datetime
from portal.pdf import render_pdf
from portal.reference import country_name, format_kbo, municipality, municipality_for_postal_code

# The receipt states when the file reached Flanders, in Belgian time whatever the server's.
MEGABYTE = 1024 * 1024  # as portal.uploads counts the upload limit


def receipt_pdf(dossier: Dossier, locale: str) -> bytes:
    """The PDF/UA receipt of a submitted `dossier`, in `locale` (nl, fr, de or en)."""
    return render_pdf("pdf/receipt.html", locale, **receipt_context(dossier, locale))


def receipt_context(dossier: Dossier, locale: str) -> dict[str, Any]:
    """What the receipt template shows, every value already formatted for `locale`."""
    # The titles are lazy strings: turn them into text while the locale is forced.
    with force_locale(locale):
        is_card = dossier.permit == Permit.PROFESSIONAL_CARD
        titles = card_rules.CATEGORY_TITLES if is_card else CATEGORY_TITLES
        names = card_rules.DOCUMENTS if is_card else DOCUMENTS
        category_title = str(titles.get(dossier.category or "", dossier.category or ""))
        kind_title = dossier.kind.title if dossier.kind else ""
        permit_title = dossier.permit.title if dossier.permit else ""
        documents = [
            {
                "title": str(names.get(document.requirement, document.requirement)),
                "file_name": document.file_name,
                "size": file_size(document.size, locale),
                "sha256": document.sha256,
            }
            for document in dossier.documents
        ]
    organisation = dossier.organisation
    mandatary = dossier.mandatary
    foreign_employer = dossier.foreign_employer
    return {
        "reference": dossier.reference,
        "submitted_at": (
            brussels_datetime(dossier.submitted_at, "long", lang=locale)
            if dossier.submitted_at
            else ""
        ),
        "kind_title": kind_title,
        "permit_title": permit_title,
        "is_card": is_card,
        "category_title": category_title,
        "organisation": organisation
        and {"name": organisation.name, "kbo": format_kbo(organisation.kbo_number)},
        "mandatary": mandatary
        and {
            "name": mandatary.name,
            "kbo": format_kbo(mandatary.kbo_number) if mandatary.kbo_number else None,
        },
        "foreign_employer": foreign_employer
        and {
            "name": foreign_employer.name,
            "country": country_name(foreign_employer.country, locale),
        },
        "worker": {
            "name": dossier.worker_name,
            "birth_date": _date(dossier.worker_birth_date, locale),
            "nationality": (
                country_name(dossier.worker_nationality, locale)
                if dossier.worker_nationality
                else ""
            ),
            "passport": dossier.worker_passport or "",
        },
        "job": {
            "isco_code": dossier.isco_code or "",
            "salary": _euros(dossier.annual_salary, locale),
            "start_date": _date(dossier.start_date, locale),
            "duration_months": dossier.duration_months,
            "workplace": workplace(dossier, locale),
        },
        "posting": posting(dossier, locale),
        "documents": documents,
    }


def posting(dossier: Dossier, locale: str) -> dict[str, Any] | None:
    """A posting's period, Belgian client, site and Limosa declaration (None otherwise)."""
    if not dossier.is_posting:
        return None
    return {
        "start": _date(dossier.posting_start, locale),
        "end": _date(dossier.posting_end, locale),
        "client_name": dossier.client_name or "",
        "client_kbo": format_kbo(dossier.client_kbo) if dossier.client_kbo else "",
        "site_address": dossier.site_address or "",
        "limosa_reference": dossier.limosa_reference or "",
    }


def workplace(dossier: Dossier, locale: str) -> str:
    """The postal code of the place of work, with the municipality's name in `locale`."""
    code = dossier.workplace_postal_code or ""
    place = (
        municipality(dossier.workplace_refnis)
        if dossier.workplace_refnis
        else municipality_for_postal_code(code)
    )
    return f"{code} {place.name(locale)}".strip() if place else code


def file_size(size: int, locale: str) -> str:
    """482 kB, 1.2 MB (ko/Mo in French): the unit names come from CLDR."""
    if size >= MEGABYTE:
        return format_unit(
            size / MEGABYTE, "digital-megabyte", length="short", format="#,##0.0", locale=locale
        )
    return format_unit(
        max(size / 1024, 1), "digital-kilobyte", length="short", format="#,##0", locale=locale
    )


def _date(value: date | None, locale: str) -> str:
    return format_date(value, "long", locale=format_locale(locale)) if value else ""


def _euros(amount: Decimal | None, locale: str) -> str:
    return format_currency(amount, "EUR", locale=locale) if amount is not None else ""
