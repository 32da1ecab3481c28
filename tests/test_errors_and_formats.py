"""The error summary names its fields and takes the focus; dates and times read as in Belgium."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal.i18n import force_locale, format_date, format_datetime, gettext
from tests.support import check_page


def test_an_empty_registration_names_every_field_in_the_summary(client):
    response = client.post("/account/register/employer?lang=en", data={})
    soup = check_page(response.get_data(as_text=True))
    box = soup.find(class_="error-summary")
    assert box is not None
    # The summary takes the focus after a failed submit: autofocus without JavaScript,
    # tabindex -1 so it can hold it, and the script for browsers that ignore autofocus.
    assert box.has_attr("autofocus")
    assert box["tabindex"] == "-1"
    assert soup.find("script", src=lambda s: s and s.endswith("/js/error-summary.js"))
    lines = box.find_all("li")
    assert len(lines) >= 5
    texts = [li.get_text(" ", strip=True) for li in lines]
    # No two lines alike: each says which field it is about.
    assert len(set(texts)) == len(texts), texts
    for li in lines:
        link = li.find("a")
        assert link is not None, li
        target = soup.find(id=link["href"].removeprefix("#"))
        assert target is not None, f"{link['href']} points nowhere"
        label = soup.find("label", attrs={"for": target["id"]})
        assert label is not None, target
        name = label.get_text(" ", strip=True).removesuffix("(optional)").strip()
        assert li.get_text(" ", strip=True).startswith(f"{name}: "), (name, li)
    assert any(t.startswith("Postal code: ") for t in texts), texts


def test_a_hostile_label_free_message_is_escaped_in_the_summary(client):
    nasty = '<script>alert("x")</script>'
    response = client.post(
        "/account/register/employer?lang=en",
        data={"organisation_name": nasty, "postal_code": nasty},
    )
    html = response.get_data(as_text=True)
    assert nasty not in html


MOMENT = datetime(2026, 12, 2, 8, 54, 31, tzinfo=UTC)  # 09:54:31 in Brussels (CET)


@pytest.mark.parametrize(
    ("lang", "day"),
    [
        ("en", "2 December 2026"),
        ("nl", "2 december 2026"),
        ("fr", "2 décembre 2026"),
        ("de", "2. Dezember 2026"),
    ],
)
def test_dates_and_times_follow_the_belgian_formats(app, lang, day):
    with app.test_request_context("/"), force_locale(lang):
        assert format_date(MOMENT.date(), "long") == day
        stamp = format_datetime(MOMENT, "long")
        assert stamp == gettext("%(date)s, %(time)s Brussels time", date=day, time="09:54")
        assert "09:54" in stamp
        # Minutes only, 24-hour, no offset.
        assert ":31" not in stamp
        assert "+01" not in stamp and "AM" not in stamp and "PM" not in stamp
        # Naive values are UTC, as the database stores them.
        assert format_datetime(MOMENT.replace(tzinfo=None), "long") == stamp


def test_english_short_formats_are_not_american(app):
    with app.test_request_context("/"), force_locale("en"):
        assert format_date(date(2026, 12, 2), "short") == "02/12/26"
        evening = format_datetime(datetime(2026, 7, 1, 19, 5, tzinfo=UTC), "short")
        assert "21:05" in evening  # summer time: UTC+2, 24-hour clock
        assert "PM" not in evening and "7/1" not in evening


def test_the_template_filters_use_the_same_formats(app):
    with app.test_request_context("/"), force_locale("en"):
        env = app.jinja_env
        assert env.from_string("{{ d|date }}").render(d=date(2026, 12, 2)) == "2 December 2026"
        rendered = env.from_string("{{ t|datetime('short') }}").render(t=MOMENT)
        assert "09:54" in rendered and "Brussels time" in rendered
        assert env.from_string("{{ none|datetime }}").render(none=None) == ""


def test_the_day_and_the_time_turn_at_brussels_midnight_and_clock_change(app):
    # Dates are converted per row with the standard library's zone of the same name as
    # Flask-Babel's (portal.i18n.local_time): the wall clock must be Brussels' own.
    with app.test_request_context("/?lang=en"):
        assert format_date(datetime(2026, 7, 1, 22, 30, tzinfo=UTC), "long") == "2 July 2026"
        assert format_date(datetime(2026, 12, 31, 22, 30), "long") == "31 December 2026"
        assert format_date(datetime(2026, 12, 31, 23, 30), "long") == "1 January 2027"
        assert "01:59" in format_datetime(datetime(2026, 3, 29, 0, 59, tzinfo=UTC))
        assert "03:00" in format_datetime(datetime(2026, 3, 29, 1, 0, tzinfo=UTC))
        assert "02:30" in format_datetime(datetime(2026, 10, 25, 0, 30, tzinfo=UTC))
        assert "02:30" in format_datetime(datetime(2026, 10, 25, 1, 30, tzinfo=UTC))
