"""The Flemish decision letter, as one PDF/UA document: the binding Dutch letter, then a
translation for information in the applicant's language.

By the laws on the use of languages in administrative matters a Flemish authority writes
its decisions to private persons in Dutch (see DOMAIN.md). The portal therefore always
renders the Dutch letter first and, when the file's language is fr, de or en, the same
letter in that language after it, in the same PDF, marked as a translation for information
that does not replace the Dutch text. One file keeps the two together: the translation never
travels without the text that binds, and the applicant downloads one document.

Who decides, the legal basis, the signatory and the appeal routes are data in rules.toml
[letter] with their sources. A professional card's letter names the card's own legal basis
([letter.card]), states the validity the officer set, and on a refusal or inadmissibility
gives the card's appeal route (`card_rules.appeal()`: a written appeal to the Flemish
minister of Work within 30 days, then the Council of State within 60 days). Values are formatted here for each language (as
`applications.receipts` does), so the templates only lay them out.
"""

from __future__ import annotations

from calendar import monthrange
from datetime import date, timedelta
from typing import Any

from babel import Locale
from flask import render_template
from markupsafe import Markup

from portal.dossiers import card_rules, rules
from portal.dossiers.lifecycle import meaning
from portal.dossiers.lifecycle import reasons as grounds
from portal.dossiers.models import Dossier, DossierStatus, FlemishDecision, Permit
from portal.dossiers.rules import CATEGORY_TITLES
from portal.errors import NotFound
from portal.i18n import LANGUAGES, force_locale, format_date
from portal.pdf import render_pdf
from portal.reference import country_name, format_kbo

BINDING = "nl"  # the language of the decision that binds

# The status each Flemish decision leads to, from the meaning table.
OUTCOME_STATUS: dict[FlemishDecision, DossierStatus] = meaning.STATUS_OF_FLEMISH


def letter_languages(locale: str | None) -> list[str]:
    """The languages of the letter's parts: Dutch, then the translation (if any)."""
    if locale and locale != BINDING and locale in LANGUAGES:
        return [BINDING, locale]
    return [BINDING]


def decision_letter_pdf(dossier: Dossier, locale: str | None = None) -> bytes:
    """The decision letter of a decided `dossier`: Dutch, plus a translation for information
    in `locale` (default: the dossier's language) when that is not Dutch.

    Raises `NotFound` while Flanders has not decided.
    """
    if not dossier.flemish_decision:
        raise NotFound
    languages = letter_languages(locale or dossier.locale)
    translation = languages[1] if len(languages) > 1 else None
    parts = [
        _part(dossier, language, binding=language == BINDING, translation=translation)
        for language in languages
    ]
    return render_pdf("pdf/decision_letter.html", BINDING, reference=dossier.reference, parts=parts)


def _part(dossier: Dossier, language: str, *, binding: bool, translation: str | None) -> Markup:
    with force_locale(language):
        html = render_template(
            "pdf/_decision_letter_part.html",
            part_lang=language,
            binding=binding,
            translation_language=(
                Locale.parse(translation).get_display_name(language) if translation else None
            ),
            **decision_letter_context(dossier, language),
        )
    return Markup(html)


def _in(names: dict[str, str], language: str) -> str:
    return names.get(language) or names[BINDING]


def decision_letter_context(dossier: Dossier, locale: str) -> dict[str, Any]:
    """What the letter shows, every value already formatted for `locale`."""
    card = dossier.permit == Permit.PROFESSIONAL_CARD
    permit = Permit.PROFESSIONAL_CARD if card else Permit.SINGLE_PERMIT
    with force_locale(locale):
        decided = dossier.flemish_decision
        outcome = FlemishDecision(decided) if decided else None
        statuses = meaning.STATUS_OF_FLEMISH_BY_PERMIT[permit]
        outcome_title = statuses[outcome].title if outcome else ""
        titles = {**CATEGORY_TITLES, **dict(card_rules.category_choices())}
        category_title = str(titles.get(dossier.category or "", dossier.category or ""))
    organisation = dossier.organisation
    employer = dossier.foreign_employer
    mandatary = dossier.mandatary
    reasons = (dossier.flemish_reasons or "").strip()
    data = rules.letter()
    authority = data["authority"]
    appeal = data["appeal"].get(outcome)
    # The grounds (codes) in the letter's language, before the officer's own words.
    ground_labels = grounds.reason_labels(dossier.flemish_reason_codes, locale)
    return {
        "reference": dossier.reference,
        "outcome": outcome,
        "outcomes": FlemishDecision,
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
        "authority": {
            "government": _in(authority["government"], locale),
            "name": _in(authority["name"], locale),
            "service": _in(authority["service"], locale),
            "address": authority["address"],
            "phone": authority["phone"],
        },
        "signatory": _in(data["signatory"]["role"], locale),
        "legal_basis": {
            "title": _in(data["legal_basis"]["title"], locale),
            "article": data["legal_basis"]["articles"].get(outcome, ""),
        },
        "appeal": appeal
        and {
            "route": appeal["route"],
            "body": _in(data["appeal"][appeal["route"]], locale),
            "days": appeal["days"],
            "article": appeal.get("article", ""),
        },
        "validity": validity(dossier, locale) if outcome == FlemishDecision.AUTHORISED else None,
        "card": card,
    } | (_card_context(dossier, outcome, locale) if card else {})


def _card_context(dossier: Dossier, outcome: FlemishDecision | None, locale: str) -> dict:
    """What a professional card's letter says differently: its legal basis, the validity
    the officer set, and the appeal route of a refusal or inadmissibility; no employer."""
    data = rules.letter()
    details = dossier.card
    granted = outcome == FlemishDecision.AUTHORISED
    route = card_rules.appeal()
    return {
        "organisation": None,
        "foreign_employer": None,
        "legal_basis": {"title": _in(data["card"]["legal_basis"], locale), "article": ""},
        "validity": (
            {"start": _date(details.valid_from, locale), "end": _date(details.valid_until, locale)}
            if granted and details and details.valid_until
            else None
        ),
        "appeal": None
        if granted or outcome is None
        else {
            "route": "card",
            "body": _in(data["appeal"]["minister"], locale),
            "days": route.minister_days,
            "advice_months": route.advice_months,
            "decision_months": route.minister_decision_months,
            "council": _in(data["appeal"]["council_of_state"], locale),
            "council_days": route.council_of_state_days,
        },
    }


def validity(dossier: Dossier, locale: str) -> dict[str, Any] | None:
    """The period the work authorisation covers: the posting period for a posting, else
    the job's duration from its start date, never longer than the category allows
    (rules.toml `max_months`)."""
    try:
        longest = rules.category(dossier.category or "").max_months
    except KeyError:
        longest = None
    if dossier.is_posting and dossier.posting_start and dossier.posting_end:
        start, end = dossier.posting_start, dossier.posting_end
        if longest:
            end = min(end, add_months(start, longest) - timedelta(days=1))
    else:
        start = dossier.start_date or dossier.flemish_decision_on
        months = dossier.duration_months or longest
        if longest and months:
            months = min(months, longest)
        if start is None or not months:
            return None
        end = add_months(start, months) - timedelta(days=1)
    return {"start": _date(start, locale), "end": _date(end, locale)}


def add_months(day: date, months: int) -> date:
    """The same day `months` later (the month's last day when it is shorter)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, monthrange(year, month)[1]))


def _date(value, locale: str) -> str:
    return format_date(value, "long", lang=locale) if value else ""
