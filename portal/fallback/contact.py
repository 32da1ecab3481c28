"""The helpdesk's contact details (settings), in the reader's language, for every template.

`HELPDESK_PHONE`, `HELPDESK_HOURS` ("mon-fri 09:00-17:00": weekdays in the reader's
language) and `HELPDESK_EMAIL`, with the largest e-mail the intake accepts in MB. The
Jinja global `helpdesk_contact()` gives them to pages, error pages and e-mails alike
(e-mail templates are rendered without context processors, so it is a global).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from babel.dates import get_day_names
from flask import current_app
from flask_babel import format_decimal, get_locale

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HOURS = re.compile(
    r"^\s*(mon|tue|wed|thu|fri|sat|sun)\s*-\s*(mon|tue|wed|thu|fri|sat|sun)\s+"
    r"(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})\s*$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Contact:
    phone: str
    phone_uri: str
    hours: str
    email: str
    max_message_mb: str  # the intake's limit, formatted in the reader's language


def opening_hours(setting: str, locale: str) -> str:
    """ "mon-fri 09:00-17:00" as "maandag–vrijdag, 09:00–17:00"; any other text as is."""
    match = HOURS.match(setting or "")
    if not match:
        return (setting or "").strip()
    names = get_day_names("wide", locale=locale)
    first, last = (names[DAYS.index(day.lower())] for day in match.group(1, 2))
    return f"{first}–{last}, {match.group(3)}–{match.group(4)}"


def megabytes(size: int) -> str:
    """Bytes as MB with at most one decimal, in the current locale (70 → "70", 1,5)."""
    return format_decimal(round(size / (1024 * 1024), 1), format="#,##0.#")


def helpdesk_contact() -> Contact:
    from portal.fallback.intake import max_message_bytes

    config = current_app.config
    locale = str(get_locale() or "nl")
    # Every page's footer shows it: made once per language and settings, then reused
    # (a Contact is frozen; tests that change a setting get a new one).
    key = (
        locale,
        config.get("HELPDESK_PHONE"),
        config.get("HELPDESK_HOURS"),
        config.get("HELPDESK_EMAIL"),
        max_message_bytes(),
    )
    made = current_app.extensions.setdefault("portal.helpdesk_contact", {})
    contact = made.get(key)
    if contact is None:
        if len(made) > 64:  # settings changed at run time (tests): start again
            made.clear()
        contact = made[key] = _contact(config, locale, key[-1])
    return contact


def _contact(config, locale: str, max_bytes: int) -> Contact:
    phone = str(config.get("HELPDESK_PHONE") or "").strip()
    return Contact(
        phone=phone,
        phone_uri="tel:" + re.sub(r"[^\d+]", "", phone) if phone else "",
        hours=opening_hours(str(config.get("HELPDESK_HOURS") or ""), locale),
        email=str(config.get("HELPDESK_EMAIL") or "").strip(),
        max_message_mb=megabytes(max_bytes),
    )
