"""Reasons for a decision or a status change, as stable codes with translated labels.

What is stored is the code (`Dossier.flemish_reason_codes`, `StatusEvent.reason_codes`,
comma-separated) plus the officer's free text; the label is rendered in the reader's
language, so an applicant reading in French sees French even when the officer works in
Dutch. The refusal grounds follow the conditions of the procedure in DOMAIN.md and
rules.toml (thresholds, documents, certificates, labour-market test, fee, postings,
timing); `SYSTEM` holds the portal's own reasons for automatic changes.
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
# Reasons the portal itself gives for a status change.
SYSTEM = {
    "info_provided": _l("Additional information provided"),
    "auto_forwarded": _l("Forwarded automatically to the Immigration Office"),
}
LABELS = {**DECISION, **SYSTEM}
SEPARATOR = ","


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
