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
    phone = str(config.get("HELPDESK_PHONE") or "").strip()
    return Contact(
        phone=phone,
        phone_uri="tel:" + re.sub(r"[^\d+]", "", phone) if phone else "",
        hours=opening_hours(str(config.get("HELPDESK_HOURS") or ""), str(get_locale() or "nl")),
        email=str(config.get("HELPDESK_EMAIL") or "").strip(),
        max_message_mb=megabytes(max_message_bytes()),
    )
