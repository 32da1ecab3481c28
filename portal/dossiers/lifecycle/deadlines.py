"""Legal deadlines and working days.

The legal deadline runs in calendar days from the moment the file is complete (its
submission; Flanders decides admissibility and grounds together) and stops while an
information request is open. Durations come from `rules.toml` [deadlines]. Working days
skip weekends and Belgian public holidays (`holidays`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import cache, lru_cache

import holidays

from portal.dossiers import rules


@cache
def _belgian_holidays(year: int) -> frozenset[date]:
    return frozenset(holidays.Belgium(years=year))


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _belgian_holidays(day.year)


# Pure functions of their days, asked for the same few days on every view of a timeline
# (the estimate's recent decisions): kept, a few thousand pairs at most.
@lru_cache(maxsize=8192)
def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end` (0 when end <= start).

    Counted, not walked day by day: five a full week, the days left over one by one, less
    the public holidays on a weekday in between (the timeline's estimate asks this for
    dozens of files of several months each on every view).
    """
    if end <= start:
        return 0
    weeks, rest = divmod((end - start).days, 7)
    count = weeks * 5
    day = start + timedelta(days=weeks * 7)
    for _ in range(rest):
        day += timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    for year in range(start.year, end.year + 1):
        count -= sum(
            1
            for holiday in _belgian_holidays(year)
            if start < holiday <= end and holiday.weekday() < 5
        )
    return count


@lru_cache(maxsize=8192)
def add_working_days(start: date, days: int) -> date:
    day = start
    while days > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            days -= 1
    return day


def legal_days(category: str | None) -> int:
    """The legal duration in calendar days for a category (configurable in rules.toml)."""
    table = rules.deadline_days()
    return table.get(category or "", table["default"])


def paused_days(pauses: Iterable[tuple[date, date | None]], today: date) -> int:
    """Calendar days the clock stood still: each open request counts up to today."""
    total = 0
    for start, end in pauses:
        total += max(((end or today) - start).days, 0)
    return total


def deadline(
    started_on: date, category: str | None, pauses: Iterable[tuple[date, date | None]], today: date
) -> date:
    """The date by which Flanders must decide."""
    return started_on + timedelta(days=legal_days(category) + paused_days(pauses, today))
