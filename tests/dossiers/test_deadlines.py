"""Working days with Belgian public holidays, and the legal deadline with its pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal import clock
from portal.dossiers.lifecycle import deadlines


def test_a_weekend_has_no_working_days():
    friday, monday = date(2026, 1, 9), date(2026, 1, 12)
    assert deadlines.is_working_day(friday) and not deadlines.is_working_day(date(2026, 1, 10))
    assert deadlines.working_days_between(friday, monday) == 1
    assert deadlines.working_days_between(monday, date(2026, 1, 19)) == 5


def test_easter_monday_2026_is_not_a_working_day():
    assert not deadlines.is_working_day(date(2026, 4, 6))
    # Friday 3 April → Tuesday 7 April: only the Tuesday counts.
    assert deadlines.working_days_between(date(2026, 4, 3), date(2026, 4, 7)) == 1
    assert deadlines.add_working_days(date(2026, 4, 3), 1) == date(2026, 4, 7)


def test_christmas_and_new_year():
    assert not deadlines.is_working_day(date(2025, 12, 25))
    assert deadlines.add_working_days(date(2025, 12, 24), 1) == date(2025, 12, 26)
    # Thursday 24 December 2026 → Monday 4 January 2027: 25 Dec and 1 Jan are Fridays off.
    assert deadlines.working_days_between(date(2026, 12, 24), date(2027, 1, 4)) == 5
    assert deadlines.add_working_days(date(2026, 12, 24), 5) == date(2027, 1, 4)


def test_working_days_between_counts_after_start_up_to_end():
    day = date(2026, 3, 2)
    assert deadlines.working_days_between(day, day) == 0
    assert deadlines.working_days_between(day, date(2026, 2, 1)) == 0
    assert deadlines.working_days_between(day, date(2026, 3, 16)) == 10


def test_add_working_days():
    assert deadlines.add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)
    assert deadlines.add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Fri → Mon
    assert deadlines.add_working_days(date(2026, 6, 1), 15) == date(2026, 6, 22)
    # Ascension (14 May) and Whit Monday (25 May 2026) are skipped.
    assert deadlines.add_working_days(date(2026, 5, 13), 1) == date(2026, 5, 15)
    assert deadlines.add_working_days(date(2026, 5, 22), 1) == date(2026, 5, 26)
    start = date(2026, 3, 2)
    assert deadlines.working_days_between(start, deadlines.add_working_days(start, 40)) == 40


@pytest.mark.parametrize(
    ("category", "days"),
    [
        (None, 120),
        ("highly_qualified", 120),
        ("other", 120),
        ("seasonal_worker", 90),
        ("eu_blue_card", 90),
        ("no_such_category", 120),
    ],
)
def test_legal_duration_per_category(category, days):
    assert deadlines.legal_days(category) == days


def test_the_legal_deadline_in_calendar_days():
    start, today = date(2026, 1, 1), date(2026, 1, 2)
    assert deadlines.deadline(start, None, [], today) == date(2026, 5, 1)
    assert deadlines.deadline(start, "highly_qualified", [], today) == date(2026, 5, 1)
    assert deadlines.deadline(start, "seasonal_worker", [], today) == date(2026, 4, 1)
    assert deadlines.deadline(start, "eu_blue_card", [], today) == date(2026, 4, 1)


def test_paused_days_extend_the_deadline():
    start, today = date(2026, 1, 1), date(2026, 3, 1)
    closed = [(date(2026, 1, 10), date(2026, 1, 20))]
    assert deadlines.paused_days(closed, today) == 10
    assert deadlines.deadline(start, None, closed, today) == date(2026, 5, 11)
    two = [*closed, (date(2026, 2, 1), date(2026, 2, 4))]
    assert deadlines.deadline(start, None, two, today) == date(2026, 5, 14)


def test_an_open_pause_counts_up_to_today():
    start = date(2026, 1, 1)
    open_pause = [(date(2026, 2, 1), None)]
    assert deadlines.paused_days(open_pause, date(2026, 2, 5)) == 4
    assert deadlines.deadline(start, None, open_pause, date(2026, 2, 5)) == date(2026, 5, 5)
    # One day later the deadline has moved one day later too: the clock stands still.
    assert deadlines.deadline(start, None, open_pause, date(2026, 2, 6)) == date(2026, 5, 6)
    assert deadlines.paused_days([(date(2026, 2, 1), date(2026, 1, 30))], date(2026, 3, 1)) == 0


def test_the_local_day_is_the_day_in_brussels():
    assert clock.local_day(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == date(2026, 4, 1)
    assert clock.local_day(datetime(2026, 1, 15, 22, 30, tzinfo=UTC)) == date(2026, 1, 15)


def test_working_days_between_counts_as_a_walk_through_the_calendar_would():
    """The count (full weeks, the days left, weekday holidays) equals a day-by-day walk, for
    ranges that start and end on every weekday, span new year, Easter Monday and years."""
    import random
    from datetime import date, timedelta

    from portal.dossiers.lifecycle.deadlines import is_working_day, working_days_between

    def walked(start: date, end: date) -> int:
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            count += is_working_day(day)
        return count

    rng = random.Random(15)
    starts = [date(2025, 12, 24) + timedelta(days=n) for n in range(14)]  # around new year
    starts += [date(2026, 4, 1) + timedelta(days=n) for n in range(10)]  # Easter Monday
    starts += [date(2023, 1, 1) + timedelta(days=rng.randrange(1500)) for _ in range(150)]
    for start in starts:
        for length in [-3, 0, 1, 2, 5, 6, 7, 8, 13, 14, 30, 120, 400, rng.randrange(1200)]:
            end = start + timedelta(days=length)
            assert working_days_between(start, end) == walked(start, end), (start, end)
