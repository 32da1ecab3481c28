"""The retention schedule, read from `portal/data/retention.toml` and checked.

The file is data (the official selection rule is to be applied without code), so it is
read as hostile: an unknown series, trigger, action or key, a period that is not a whole
positive number of days, months or years, a missing source or a series named twice is an
error (`ScheduleError`) that names the entry. Nothing is purged on a schedule that did not
load whole. The setting `RETENTION_SCHEDULE` names another file (an operator's own).

`SERIES` is the vocabulary: per series the triggers it may count from and the actions the
portal can apply to it (a draft can only be deleted; a submitted file only anonymised, as
the figures count it).
"""

from __future__ import annotations

import calendar
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

SCHEDULE_FILE = Path(__file__).resolve().parent.parent / "data" / "retention.toml"

DELETE = "delete"
ANONYMISE = "anonymise"
ACTIONS = (DELETE, ANONYMISE)


@dataclass(frozen=True)
class Series:
    triggers: tuple[str, ...]
    actions: tuple[str, ...]


SERIES: dict[str, Series] = {
    "drafts": Series(("last_change",), (DELETE,)),
    "files_granted": Series(("final_decision", "permit_end"), (ANONYMISE,)),
    "files_refused": Series(("final_decision",), (ANONYMISE,)),
    "files_withdrawn": Series(("withdrawal",), (ANONYMISE,)),
    "documents": Series(("final_decision",), (DELETE,)),
    "intake_messages": Series(("received",), (DELETE,)),
    "quarantine": Series(("received",), (DELETE,)),
    "outbox": Series(("delivery",), (DELETE, ANONYMISE)),
    "exchange_outbox": Series(("delivery",), (DELETE, ANONYMISE)),
    "webhooks": Series(("delivery",), (DELETE, ANONYMISE)),
    "helpdesk_tickets": Series(("closed",), (DELETE, ANONYMISE)),
    "welcome_profiles": Series(("welcome_end", "withdrawal"), (DELETE,)),
    "accounts": Series(("last_login",), (ANONYMISE,)),
    "unconfirmed_accounts": Series(("created",), (ANONYMISE,)),
    "sessions": Series(("last_activity",), (DELETE,)),
    "claim_contests": Series(("decided",), (DELETE, ANONYMISE)),
    "rejected_claims": Series(("decided",), (ANONYMISE,)),
}

KEYS = {"series", "trigger", "period", "action", "source", "note"}
UNITS = {"day": "days", "days": "days", "month": "months", "months": "months"}
UNITS |= {"year": "years", "years": "years"}
PERIOD = re.compile(r"([0-9]{1,5}) (day|days|month|months|year|years)")
MAX_DAYS = 100 * 366  # a longer period is a typing mistake (and overflows date arithmetic)


class ScheduleError(ValueError):
    """The schedule file is not valid; the message names the entry and the problem."""


@dataclass(frozen=True)
class Period:
    count: int
    unit: str  # days | months | years

    def __str__(self) -> str:
        return f"{self.count} {self.unit}"

    def before(self, moment: datetime) -> datetime:
        """`moment` minus this period (a month back from 31 March is 28 or 29 February)."""
        if self.unit == "days":
            return moment - timedelta(days=self.count)
        months = self.count * (12 if self.unit == "years" else 1)
        index = moment.year * 12 + moment.month - 1 - months
        year, month = divmod(index, 12)
        day = min(moment.day, calendar.monthrange(year, month + 1)[1])
        return moment.replace(year=year, month=month + 1, day=day)

    def before_day(self, day: date) -> date:
        moment = datetime(day.year, day.month, day.day)
        return self.before(moment).date()


@dataclass(frozen=True)
class Entry:
    series: str
    trigger: str
    period: Period
    action: str
    source: str
    note: str = ""

    @property
    def confirmed(self) -> bool:
        return not self.source.lower().startswith("to be confirmed")


def parse_period(text: object) -> Period:
    if not isinstance(text, str) or not PERIOD.fullmatch(text.strip()):
        raise ScheduleError(f'period {text!r} is not "<n> days|months|years"')
    count, unit = text.strip().split(" ")
    period = Period(int(count), UNITS[unit])
    if period.count < 1:
        raise ScheduleError(f"period {text!r} must be at least 1")
    days = period.count * {"days": 1, "months": 31, "years": 366}[period.unit]
    if days > MAX_DAYS:
        raise ScheduleError(f"period {text!r} is longer than 100 years")
    return period


def _entry(raw: object, number: int) -> Entry:
    where = f"retention entry {number}"
    if not isinstance(raw, dict):
        raise ScheduleError(f"{where}: not a table")
    unknown = set(raw) - KEYS
    if unknown:
        raise ScheduleError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
    name = raw.get("series")
    if not isinstance(name, str) or name not in SERIES:
        raise ScheduleError(f"{where}: unknown series {name!r}")
    where = f"retention entry {number} ({name})"
    series = SERIES[name]
    trigger = raw.get("trigger")
    if trigger not in series.triggers:
        raise ScheduleError(
            f"{where}: trigger {trigger!r} is not one of {', '.join(series.triggers)}"
        )
    action = raw.get("action")
    if action not in ACTIONS:
        raise ScheduleError(f"{where}: action {action!r} is not delete or anonymise")
    if action not in series.actions:
        raise ScheduleError(f"{where}: this series can only be {' or '.join(series.actions)}d")
    source = raw.get("source")
    if not isinstance(source, str) or not source.strip():
        raise ScheduleError(f'{where}: no source (write "to be confirmed: ..." if there is none)')
    note = raw.get("note", "")
    if not isinstance(note, str):
        raise ScheduleError(f"{where}: note is not text")
    try:
        period = parse_period(raw.get("period"))
    except ScheduleError as error:
        raise ScheduleError(f"{where}: {error}") from None
    return Entry(name, trigger, period, action, source.strip(), note)


def parse(text: str) -> dict[str, Entry]:
    """The schedule in `text` (TOML), by series; `ScheduleError` if anything is wrong."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScheduleError(f"retention schedule is not valid TOML: {error}") from None
    unknown = set(data) - {"series"}
    if unknown:
        raise ScheduleError(f"retention schedule: unknown key(s) {', '.join(sorted(unknown))}")
    raw = data.get("series", [])
    if not isinstance(raw, list) or not raw:
        raise ScheduleError("retention schedule: no [[series]] entries")
    entries: dict[str, Entry] = {}
    for number, item in enumerate(raw, start=1):
        entry = _entry(item, number)
        if entry.series in entries:
            raise ScheduleError(f"retention entry {number}: series {entry.series} twice")
        entries[entry.series] = entry
    return entries


def load(path: str | Path | None = None) -> dict[str, Entry]:
    """The schedule from `path`, the setting RETENTION_SCHEDULE, or the portal's own file."""
    if path is None:
        from flask import current_app, has_app_context

        if has_app_context():
            path = current_app.config.get("RETENTION_SCHEDULE")
    path = Path(path or SCHEDULE_FILE)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ScheduleError(f"retention schedule {path}: {error}") from None
    return parse(text)
