"""The retention schedule as data: the shipped file loads whole, a hostile one never does."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.privacy import schedule
from portal.privacy.schedule import SERIES, Period, ScheduleError, parse, parse_period

GOOD = """
[[series]]
series = "drafts"
trigger = "last_change"
period = "6 months"
action = "delete"
source = "to be confirmed: a proposal"
"""


def entry(**changes) -> str:
    values = {
        "series": '"drafts"',
        "trigger": '"last_change"',
        "period": '"6 months"',
        "action": '"delete"',
        "source": '"to be confirmed"',
    }
    values.update(changes)
    lines = [f"{key} = {value}" for key, value in values.items() if value is not None]
    return "[[series]]\n" + "\n".join(lines) + "\n"


def test_the_shipped_schedule_covers_every_series_with_a_source():
    entries = schedule.load()
    assert set(entries) == set(SERIES)
    for item in entries.values():
        assert item.source
        assert item.action in SERIES[item.series].actions
    assert str(entries["drafts"].period) == "6 months"
    assert entries["files_granted"].action == "anonymise"
    assert not entries["drafts"].confirmed  # "to be confirmed" is said, not hidden


def test_a_good_entry_loads():
    (only,) = parse(GOOD).values()
    assert (only.series, only.trigger, only.action) == ("drafts", "last_change", "delete")
    assert only.period == Period(6, "months")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"period": '"-3 days"'}, "period"),
        ({"period": '"0 days"'}, "at least 1"),
        ({"period": '"6 weeks"'}, "period"),
        ({"period": "180"}, "period"),
        ({"period": '"99999 years"'}, "100 years"),
        ({"period": '"6  months"'}, "period"),
        ({"period": '"6 months; DROP TABLE dossier"'}, "period"),
        ({"period": '"\u0666 days"'}, "period"),  # an Arabic-Indic six is not a digit here
        ({"action": '"destroy"'}, "action"),
        ({"action": '"Delete"'}, "action"),
        ({"action": '"anonymise"'}, "can only be deleted"),  # a draft is never anonymised
        ({"source": None}, "no source"),
        ({"source": '"   "'}, "no source"),
        ({"source": "42"}, "no source"),
        ({"series": '"everything"'}, "unknown series"),
        ({"series": None}, "unknown series"),
        ({"trigger": '"submission"'}, "trigger"),
        ({"surprise": "true"}, "unknown key"),
    ],
)
def test_a_hostile_entry_is_refused_with_its_reason(changes, message):
    with pytest.raises(ScheduleError, match=message):
        parse(entry(**changes))


def test_a_submitted_file_can_only_be_anonymised_so_the_figures_keep_it():
    with pytest.raises(ScheduleError, match="anonymised"):
        parse(entry(series='"files_granted"', trigger='"final_decision"', action='"delete"'))


@pytest.mark.parametrize(
    "text",
    [
        "",
        "series = 3",
        "[[series]]\n",  # an entry without anything
        GOOD + GOOD,  # a series twice
        "not toml at all [",
        GOOD + "\n[extra]\nkey = 1\n",
    ],
)
def test_a_broken_file_is_refused_whole(text):
    with pytest.raises(ScheduleError):
        parse(text)


def test_an_unreadable_file_is_a_schedule_error(tmp_path):
    with pytest.raises(ScheduleError):
        schedule.load(tmp_path / "missing.toml")
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ScheduleError):
        schedule.load(binary)


def test_the_setting_names_the_operators_own_file(app, tmp_path):
    own = tmp_path / "own.toml"
    own.write_text(GOOD.replace("6 months", "30 days"), encoding="utf-8")
    app.config["RETENTION_SCHEDULE"] = str(own)
    try:
        with app.app_context():
            assert schedule.load()["drafts"].period == Period(30, "days")
    finally:
        app.config.pop("RETENTION_SCHEDULE")


def test_periods_count_back_on_the_calendar():
    moment = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert parse_period("1 month").before(moment) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert parse_period("13 months").before(moment) == datetime(2025, 2, 28, 12, tzinfo=UTC)
    assert parse_period("5 years").before(moment) == datetime(2021, 3, 31, 12, tzinfo=UTC)
    assert parse_period("30 days").before(moment) == datetime(2026, 3, 1, 12, tzinfo=UTC)
    leap = datetime(2024, 2, 29, tzinfo=UTC)
    assert parse_period("1 year").before(leap) == datetime(2023, 2, 28, tzinfo=UTC)
    assert parse_period("1 day").before_day(date(2026, 1, 1)) == date(2025, 12, 31)
