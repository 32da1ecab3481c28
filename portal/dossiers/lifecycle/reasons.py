"""Reasons for a decision or a status change, as stable codes with translated labels.

What is stored is the code (`Dossier.flemish_reason_codes`, `StatusEvent.reason_codes`,
comma-separated) plus the officer's free text; the label is rendered in the reader's
language, so an applicant reading in French sees French even when the officer works in
Dutch. The refusal grounds follow the conditions of the procedure in DOMAIN.md and
rules.toml (thresholds, documents, certificates, labour-market test, fee, postings,
timing), `CARD_DECISION` those of a professional card; `SYSTEM` holds the portal's own reasons for automatic changes.
"""

from __future__ import annotations

from portal.i18n import _l, force_locale

# Grounds an officer may give for an inadmissible or refused file, in the order offered.
DECISION = {
    "incomplete_documents": _l("Required documents are missing or incomplete"),
    "fee_not_paid": _l("There is no proof of payment of the federal fee"),
    "certificate_too_old": _l("A certificate is older than the rules allow"),
    "not_legalised": _l("A foreign certificate is not legalised or apostilled"),
    "salary_below_threshold": _l("The salary is below the threshold of the category"),
    "category_conditions": _l("The conditions of the chosen category are not met"),
    "labour_market_test": _l(
        "The labour-market test is not met: the vacancy was not published long enough"
    ),
    "posting_not_allowed": _l("This category is not open to posted workers"),
    "submitted_too_early": _l("The application was submitted too long before the start date"),
    "no_valid_mandate": _l("The mandatary has no valid mandate for this employer"),
    "other": _l("Another reason, explained below"),
}
# Grounds for an inadmissible or refused professional card (the card's own conditions:
# DOMAIN.md "The professional card", rules.toml [card]), in the order offered.
CARD_DECISION = {
    "card_incomplete_documents": _l("Required documents are missing or incomplete"),
    "card_incomplete_after_request": _l(
        "The file is still incomplete after the request for additional information"
    ),
    "card_no_economic_benefit": _l(
        "The activity brings no economic benefit: it meets no economic need, is neither innovative nor specialised, and creates no jobs, investment or export"
    ),
    "card_start_capital": _l("The start capital of the economic category is not shown"),
    "card_insufficient_means": _l(
        "The means of subsistence are below 110 per cent of the leefloon of the year"
    ),
    "card_diploma_level": _l("The diploma is below qualification level 4"),
    "card_criminal_record": _l(
        "The criminal record stands in the way, or the extract is older than 6 months"
    ),
    "card_regulated_profession": _l("Access to the regulated profession is not shown"),
    "card_residence": _l("The residence document does not allow filing in Belgium"),
    "card_other_region": _l("The activity is established outside the Flemish Region"),
    "other": _l("Another reason, explained below"),
}
# Reasons the portal itself gives for a status change.
SYSTEM = {
    "info_provided": _l("Additional information provided"),
    "auto_forwarded": _l("Forwarded automatically to the Immigration Office"),
}
LABELS = {**DECISION, **CARD_DECISION, **SYSTEM}
SEPARATOR = ","


def decision_grounds(permit) -> dict:
    """The grounds an officer may give for a negative decision on this kind of file."""
    return CARD_DECISION if permit == "professional_card" else DECISION


def join(codes) -> str | None:
    """Known codes as stored (comma-separated, in vocabulary order); None when there are none."""
    wanted = set(codes or ())
    known = [code for code in LABELS if code in wanted]
    return SEPARATOR.join(known) or None


def split(stored: str | None) -> list[str]:
    return [code for code in (stored or "").split(SEPARATOR) if code]


def reason_label(code: str, locale: str | None = None) -> str:
    """The label of `code` in `locale` (default: the current one); an unknown code as is."""
    label = LABELS.get(code)
    if label is None:
        return code
    if locale is None:
        return str(label)
    with force_locale(locale):
        return str(label)


def reason_labels(stored: str | None, locale: str | None = None) -> list[str]:
    """The labels of stored, comma-separated codes."""
    return [reason_label(code, locale) for code in split(stored)]
