"""What a dossier says, section by section, in words a person reads (check answers, overview)."""

from __future__ import annotations

from flask_babel import format_currency

from portal import reference
from portal.dossiers import card_rules, rules
from portal.dossiers.contents import card
from portal.dossiers.contents.sections import SECTION_TITLES, sections_for
from portal.dossiers.models import Dossier
from portal.i18n import LANGUAGES, _, format_date


def _date(value) -> str:
    return format_date(value, "long") if value else ""


def rows(dossier: Dossier, locale: str) -> list[tuple[str, str, list[tuple[str, str]]]]:
    """(section code, section title, [(label, value)]) for every section of the dossier."""
    result = []
    for section in sections_for(dossier):
        if section == "documents":
            names = card.document_titles() if card.is_card(dossier) else rules.DOCUMENTS
            items = [(str(names[d.requirement]), d.file_name) for d in dossier.documents]
        elif card.is_card(dossier):
            items = [
                (label, value or "–") for label, value in _card_section(dossier, section, locale)
            ]
        else:
            items = [(label, value or "–") for label, value in _section(dossier, section, locale)]
        result.append((section, str(SECTION_TITLES[section]), items))
    return result


def _section(dossier: Dossier, section: str, locale: str) -> list[tuple[str, str]]:
    if section == "employer":
        if dossier.organisation:
            org = dossier.organisation
            return [
                (_("Organisation"), org.name),
                (_("Enterprise number"), reference.format_kbo(org.kbo_number)),
                (
                    _("Main activity"),
                    f"{org.nace_code} {reference.nace_label(org.nace_code, locale) or ''}",
                ),
            ]
        employer = dossier.foreign_employer
        if employer is None:  # an e-mail file of an employer that is not registered
            number = dossier.employer_kbo
            return [
                (_("Enterprise number"), reference.format_kbo(number) if number else "–"),
                (_("Organisation"), dossier.employer_name or "–"),
                (_("Registered in the portal"), _("No")),
            ]
        return [
            (_("Foreign employer"), employer.name),
            (_("Country"), reference.country_name(employer.country, locale)),
            (_("Mandatary"), dossier.mandatary.name),
        ]
    if section == "worker":
        return [
            (_("Name"), dossier.worker_name),
            (_("Date of birth"), _date(dossier.worker_birth_date)),
            (
                _("Nationality"),
                reference.country_name(dossier.worker_nationality, locale)
                if dossier.worker_nationality
                else "",
            ),
            (_("Passport number"), dossier.worker_passport),
            (_("National register or BIS number"), dossier.worker_national_number),
            (
                _("Lives in"),
                reference.country_name(dossier.worker_residence_country, locale)
                if dossier.worker_residence_country
                else "",
            ),
            (_("Belgian embassy or consulate"), dossier.worker_diplomatic_post),
            (_("E-mail address of the worker"), dossier.worker_email),
            (_("Language of the worker"), LANGUAGES.get(dossier.worker_locale or "", "")),
        ]
    if section == "category":
        items = [
            (
                _("Category"),
                rules.category(dossier.category).title
                if dossier.category in rules.CATEGORY_TITLES
                else (dossier.category or ""),
            )
        ]
        if dossier.vacancy_reference:
            items += [
                (_("VDAB vacancy"), dossier.vacancy_reference),
                (_("Published on"), _date(dossier.vacancy_published_on)),
            ]
        return items
    if section == "job":
        place = (
            reference.municipality(dossier.workplace_refnis) if dossier.workplace_refnis else None
        )
        return [
            (
                _("Occupation"),
                f"{dossier.isco_code} {reference.isco_label(dossier.isco_code, locale) or ''}"
                if dossier.isco_code
                else "",
            ),
            (
                _("Gross annual salary"),
                format_currency(dossier.annual_salary, "EUR")
                if dossier.annual_salary is not None
                else "",
            ),
            (_("Under 30 or a nurse"), _("Yes") if dossier.reduced_threshold else _("No")),
            (_("Start date"), _date(dossier.start_date)),
            (
                _("Duration"),
                _("%(months)s months", months=dossier.duration_months)
                if dossier.duration_months
                else "",
            ),
            (
                _("Place of work"),
                " ".join(
                    filter(
                        None,
                        [
                            dossier.workplace_street,
                            dossier.workplace_postal_code,
                            place.name(locale) if place else "",
                        ],
                    )
                ),
            ),
        ]
    if section == "posting":
        return [
            (
                _("Posting period"),
                f"{_date(dossier.posting_start)} – {_date(dossier.posting_end)}"
                if dossier.posting_start
                else "",
            ),
            (_("Belgian client"), dossier.client_name),
            (_("Limosa declaration"), dossier.limosa_reference),
        ]
    return []


def _money(value) -> str:
    return format_currency(value, "EUR") if value is not None else ""


def _yes_no(value) -> str:
    return "" if value is None else (_("Yes") if value else _("No"))


def _card_section(dossier: Dossier, section: str, locale: str) -> list[tuple[str, str]]:
    """The answers of a professional-card section, as a person reads them."""
    details = card.details(dossier)
    if section == "person":
        document = details.residence_document
        return [
            (_("Name"), dossier.worker_name),
            (_("Date of birth"), _date(dossier.worker_birth_date)),
            (
                _("Nationality"),
                reference.country_name(dossier.worker_nationality, locale)
                if dossier.worker_nationality
                else "",
            ),
            (_("Passport number"), dossier.worker_passport),
            (
                _("Applies from"),
                _("Belgium, online")
                if details.files_from == card.BELGIUM
                else _("Abroad, at a Belgian embassy or consulate (D visa)")
                if details.files_from == card.ABROAD
                else "",
            ),
            (
                _("Residence document"),
                str(dict(card.residence_choices()).get(document, "")) if document else "",
            ),
            (_("Valid until"), _date(details.residence_valid_until)),
            (_("Belgian embassy or consulate"), dossier.worker_diplomatic_post),
            (
                _("Address"),
                ", ".join(
                    filter(
                        None,
                        [
                            details.address_street,
                            " ".join(
                                filter(None, [details.address_postal_code, details.address_city])
                            ),
                            reference.country_name(details.address_country, locale)
                            if details.address_country
                            else "",
                        ],
                    )
                ),
            ),
        ]
    if section == "activity":
        place = (
            reference.municipality(dossier.workplace_refnis) if dossier.workplace_refnis else None
        )
        category = card_rules.categories().get(dossier.category or "")
        return [
            (_("Category"), category.title if category else ""),
            (
                _("You work as"),
                {
                    card.COMPANY: _("The director or partner of a company"),
                    card.SOLE_TRADER: _("A sole trader (natural person)"),
                }.get(details.legal_form or "", ""),
            ),
            (_("Name of the company"), details.company_name),
            (
                _("Enterprise number"),
                reference.format_kbo(details.company_kbo) if details.company_kbo else "",
            ),
            (_("Describe the activity"), details.activity_description),
            (
                _("Main activity"),
                f"{dossier.nace_code} {reference.nace_label(dossier.nace_code, locale) or ''}"
                if dossier.nace_code
                else "",
            ),
            (
                _("Place of establishment"),
                " ".join(
                    filter(
                        None,
                        [
                            dossier.workplace_street,
                            dossier.workplace_postal_code,
                            place.name(locale) if place else "",
                        ],
                    )
                ),
            ),
        ]
    if section == "benefit":
        return [
            (
                _("Jobs you will create"),
                "" if details.jobs_planned is None else str(details.jobs_planned),
            ),
            (_("Investment"), _money(details.investment_eur)),
            (_("Start capital"), _money(details.start_capital_eur)),
            (_("Innovation"), details.innovation),
            (_("Export"), details.export),
        ]
    if section == "qualifications":
        return [
            (
                _("Qualification level of the diploma"),
                "" if details.diploma_level is None else str(details.diploma_level),
            ),
            (_("Regulated profession"), _yes_no(details.regulated_profession)),
        ]
    if section == "means":
        return [(_("Means of subsistence a year"), _money(details.means_eur))]
    return []
