"""Rules as data all the way: every legal period lives in rules.toml with its source, and
the sentences that name a period take the figure from there."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest

from portal import clock
from portal.dossiers import rules
from portal.dossiers.wizard.forms import CategoryForm, JobForm
from portal.i18n import force_locale
from tests.dossiers.test_eligibility import get, hq, text

PERIODS = ("_days", "_weeks", "_months")


def test_every_legal_period_has_a_source():
    table = rules._data()["procedure"]
    periods = [name for name in table if name.endswith(PERIODS) or "months" in name]
    assert {"max_months_before_start", "labour_market_test_weeks"} <= set(periods)
    assert [name for name in periods if not rules.source(name).strip()] == []
    assert "Legal deadline" in rules._data()["sources"]["deadlines"]


def test_the_counted_days_follow_the_stated_periods():
    assert rules.procedure("max_days_before_start") == 137  # 4.5 months
    assert rules.procedure("labour_market_test_days") == 63  # 9 weeks


def test_a_figure_is_written_the_way_the_reader_writes_numbers(app):
    with app.test_request_context("/"):
        with force_locale("en"):
            assert rules.figure("max_months_before_start") == "4.5"
        with force_locale("nl"):
            assert rules.figure("max_months_before_start") == "4,5"


@pytest.fixture
def changed(monkeypatch):
    """The legislator changes the periods: only the rules file changes."""
    data = copy.deepcopy(rules._data())
    procedure = data["procedure"]
    procedure["max_months_before_start"]["value"] = 3
    procedure["labour_market_test_weeks"]["value"] = 11
    procedure["certificate_max_age_months"]["value"] = 4
    procedure["renewal_earliest_months"]["value"] = 5
    procedure["renewal_latest_months"]["value"] = 1
    monkeypatch.setattr(rules, "_data", lambda: data)
    return data


def test_the_pages_follow_a_changed_period(client, changed):
    assert rules.procedure("max_days_before_start") == 91
    assert rules.procedure("labour_market_test_days") == 77
    start = clock.today() + timedelta(days=120)
    when = text(get(client, **hq("60000", start=start.isoformat())), "when-result")
    assert "more than 3 months" in when and "4.5" not in when
    outcome = text(
        get(client, category="other", annual_salary="30000", start_date="2025-06-01"), "outcome"
    )
    assert "11 weeks" in outcome and "9 weeks" not in outcome
    checklist = text(get(client, **hq("50000", posting="y")), "checklist")
    assert "at most 4 months old" in checklist and "6 months" not in checklist
    guide = client.get("/guide/detachment?lang=en").get_data(as_text=True)
    assert "at most 3 months before the start date" in " ".join(guide.split())


def test_the_forms_and_services_follow_a_changed_period(app, changed):
    from portal.dossiers.wizard.services import renewal_window

    with app.test_request_context("/?lang=en"), force_locale("en"):
        assert "11 weeks" in str(CategoryForm.vacancy_reference.kwargs["description"])
        assert "At most 3 months" in str(JobForm.start_date.kwargs["description"])
        assert "at most 4 months old" in str(rules.DOCUMENTS["medical_certificate"])
    expires = clock.today()
    window = renewal_window(expires)
    assert (expires - window.opens).days > 140 and (expires - window.closes).days < 32
