"""The one clock: the moment now (aware, in UTC) and the calendar day in Brussels.

Nothing else in the portal reads the system clock. A day is always the day in Brussels, so
a dossier submitted at 00:30 on New Year's Day gets that year's reference and that day's
date, whatever the server's time zone. Tests stop or move the clock with `frozen(moment)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

BRUSSELS = ZoneInfo("Europe/Brussels")

_stopped: list[Frozen] = []


class Frozen:
    """A stopped clock that a test can move forward."""

    def __init__(self, moment: datetime):
        self.moment = _aware(moment)

    def advance(self, **delta: float) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


def _aware(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("the clock holds aware moments only")
    return moment.astimezone(UTC)


def now() -> datetime:
    """The moment now, aware, in UTC."""
    if _stopped:
        return _stopped[-1].moment
    return datetime.now(UTC)


def local_day(moment: datetime) -> date:
    """The calendar day in Brussels at `moment` (the day a person there would write)."""
    return moment.astimezone(BRUSSELS).date()


def today() -> date:
    """Today in Brussels."""
    return local_day(now())


@contextmanager
def frozen(moment: datetime) -> Iterator[Frozen]:
    """Stop the clock at `moment` (aware) for the block; `advance()` moves it on."""
    clock = Frozen(moment)
    _stopped.append(clock)
    try:
        yield clock
    finally:
        _stopped.remove(clock)
