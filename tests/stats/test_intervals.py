"""Issue 17: every interval with median and p90, the backlog at a date, capacity per officer
and per FTE, the forecast and its error, on dossiers with hand-worked dates.

Belgian public holidays in 2026 used here: Easter Monday 6 April, Labour Day 1 May (a
Friday), Ascension 14 May (a Thursday), Whit Monday 25 May. Working days are counted after
the first day up to and including the last.

Flemish decisions in May 2026 (5, an odd count):
  P1 submitted Thu 30 Apr, authorised Mon 4 May       -> 1 (1 May holiday, weekend)
  P2 submitted Wed 13 May, inadmissible Fri 15 May    -> 1 (14 May Ascension)
  P3 submitted Fri 22 May, authorised Wed 27 May      -> 2 (weekend, 25 May Whit Monday)
  P4 submitted Mon 4 May, authorised Mon 11 May       -> 5
  P5 submitted Tue 31 Mar, refused Tue 12 May         -> 28 (21 in April without Easter
                                                          Monday, 7 in May without 1 May)
  sorted 1 1 2 5 28: mean 7.4, median 2 (rank 3), p90 rank ⌈4.5⌉ = 5 -> 28
Flemish decisions in June 2026 (4, an even count, a tie):
  Q1, Q2 submitted Fri 29 May, authorised Tue 2 Jun   -> 2, 2
  Q3 submitted Mon 1 Jun, refused Mon 8 Jun           -> 5
  Q4 submitted Mon 1 Jun, authorised Mon 15 Jun       -> 10
  sorted 2 2 5 10: mean 4.75 -> 4.8, median (2 + 5) / 2 = 3.5, p90 rank ⌈3.6⌉ = 4 -> 10
Both months: 1 1 2 2 2 5 5 10 28: mean 56 / 9 = 6.2, median 2 (rank 5), p90 rank 9 -> 28.

Other intervals over May-June:
  to forward: P1 4 May -> Thu 7 May = 3, P4 11 May -> 11 May = 0, Q1 2 Jun -> Thu 4 Jun = 2
    (Q4 is forwarded on 1 July, outside)                  -> mean 5 / 3 = 1.7
  federal: P1 7 May -> Wed 3 Jun = 17 (14 and 25 May are holidays), Q1 4 Jun -> 4 Jun = 0
                                                          -> mean 8.5
  end to end: P1 30 Apr -> 3 Jun = 21, Q1 29 May -> 4 Jun = 4 -> mean 12.5
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from datetime import UTC, date, datetime

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from portal import audit, clock
from portal.accounts.models import Role
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Channel, DossierKind, DossierStatus
from portal.extensions import db
from portal.stats import capacity, disclosure, exports, forecast, staffing
from portal.stats import distribution as dist
from portal.stats.report import backlog, report
from tests.stats.test_report import dossier
from tests.support import check_page, error_summary, login, make_user

MAY, JUNE = "2026-05", "2026-06"
START, END = date(2026, 5, 1), date(2026, 6, 30)
QUERY = "from=2026-05-01&to=2026-06-30"


@pytest.fixture
def known(db_session):
    d = date
    p1 = dossier("P1", d(2026, 4, 30), d(2026, 5, 4), "authorised", d(2026, 5, 7))
    p1.federal_decision_on, p1.federal_decision = d(2026, 6, 3), "granted"
    dossier("P2", d(2026, 5, 13), d(2026, 5, 15), "inadmissible", channel=Channel.EMAIL)
    dossier("P3", d(2026, 5, 22), d(2026, 5, 27), "authorised")
    p4 = dossier("P4", d(2026, 5, 4), d(2026, 5, 11), "authorised", d(2026, 5, 11))
    p4.federal_decision_on, p4.federal_decision = d(2026, 7, 20), "granted"
    dossier("P5", d(2026, 3, 31), d(2026, 5, 12), "refused")
    q1 = dossier("Q1", d(2026, 5, 29), d(2026, 6, 2), "authorised", d(2026, 6, 4))
    q1.federal_decision_on, q1.federal_decision = d(2026, 6, 4), "refused"
    dossier("Q2", d(2026, 5, 29), d(2026, 6, 2), "authorised")
    dossier("Q3", d(2026, 6, 1), d(2026, 6, 8), "refused", kind=DossierKind.RENEWAL)
    dossier(
        "Q4", d(2026, 6, 1), d(2026, 6, 15), "authorised", d(2026, 7, 1), kind=DossierKind.RENEWAL
    )
    dossier("R1", d(2026, 6, 10))  # open
    r2 = dossier("R2", d(2026, 6, 20), status=DossierStatus.WITHDRAWN)  # withdrawn 25 June
    dossier("R3", d(2026, 6, 29), d(2026, 7, 1), "authorised")  # open on 30 June
    dossier("R4", d(2026, 7, 1))  # after the period
    with clock.frozen(datetime(2026, 4, 20, 9, tzinfo=UTC)):  # withdrawn the day it came in
        dossier("R5", d(2026, 4, 20), status=DossierStatus.WITHDRAWN)
    db.session.flush()
    db.session.add(
        StatusEvent(
            dossier_id=r2.id,
            from_status=DossierStatus.SUBMITTED,
            to_status=DossierStatus.WITHDRAWN,
            at=datetime(2026, 6, 25, 10, 0, tzinfo=UTC),
        )
    )
    db.session.flush()


@pytest.fixture
def staffed(tmp_path, monkeypatch):
    """May 2026 at 2 FTE, June at 2.5 (test data, not the real staff)."""
    path = tmp_path / "staffing.toml"
    path.write_text(
        "[[fte]]\nvalid_from = 2026-05-01\nvalid_to = 2026-05-31\nfte = 2.0\nsource = 'test May'\n"
        "[[fte]]\nvalid_from = 2026-06-01\nvalid_to = 2026-06-30\nfte = 2.5\nsource = 'test June'\n"
    )
    monkeypatch.setattr(staffing, "STAFFING_FILE", path)


# --- the distribution functions ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "median", "p90"),
    [
        ([7], 7.0, 7),
        ([1, 1, 2, 5, 28], 2.0, 28),  # odd: the middle; p90 rank ⌈4.5⌉ = 5
        ([2, 2, 5, 10], 3.5, 10),  # even: the mean of the two middle ones
        (list(range(1, 11)), 5.5, 9),  # n = 10: rank 9 exactly
        (list(range(1, 12)), 6.0, 10),  # n = 11: rank ⌈9.9⌉ = 10
        ([4] * 20, 4.0, 4),  # all tied
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 100], 0.0, 0),  # the tail beyond p90 does not count
        ([], None, None),
    ],
)
def test_median_and_p90_by_nearest_rank(values, median, p90):
    counts = Counter(values)
    assert dist.median(counts) == median
    assert dist.p90(counts) == p90


def test_mean_rounds_half_up_and_histogram_covers_every_value():
    assert dist.mean(Counter([2, 2, 5, 10])) == 4.8  # 4.75
    assert dist.mean(Counter()) is None and dist.mean_or_zero(Counter()) == 0.0
    bins = dist.histogram(Counter({0: 1, 3: 2, 28: 1}))
    assert sum(n for _low, _high, n in bins) == 4 and len(bins) <= 15
    assert bins[0] == (0, 1, 1) and (28, 29, 1) in bins  # width 2 covers 0..29
    huge = dist.histogram(Counter({0: 1, 10**9: 1}))
    assert len(huge) <= 15 and huge[-1][2] == 1


# --- the report ---------------------------------------------------------------------------------


def test_median_and_p90_per_month_and_in_the_totals(known):
    data = report(START, END, "en")
    months = {row["month"]: row for row in data["months"]}
    may, june, totals = months[MAY], months[JUNE], data["totals"]
    assert may["completed"] == 5 and may["avg_processing_working_days"] == 7.4
    assert may["median_processing_working_days"] == 2.0
    assert may["p90_processing_working_days"] == 28
    assert june["completed"] == 4 and june["avg_processing_working_days"] == 4.8
    assert june["median_processing_working_days"] == 3.5
    assert june["p90_processing_working_days"] == 10
    assert totals["completed"] == 9 and totals["avg_processing_working_days"] == 6.2
    assert totals["median_processing_working_days"] == 2.0
    assert totals["p90_processing_working_days"] == 28


def test_the_other_intervals(known):
    totals = report(START, END, "en")["totals"]
    assert totals["avg_working_days_to_forward"] == 1.7
    assert totals["avg_working_days_federal"] == 8.5
    assert totals["avg_working_days_end_to_end"] == 12.5
    empty = report(date(2026, 1, 1), date(2026, 1, 31), "en")
    assert empty["totals"]["avg_working_days_federal"] is None
    assert empty["months"][0]["median_processing_working_days"] is None
    assert empty["months"][0]["avg_processing_working_days"] == 0.0  # as it always was


def test_the_backlog_at_a_date(known):
    assert backlog(date(2026, 6, 30)) == {
        "as_of": "2026-06-30",
        "open_at_flemish_level": 2,  # R1 and R3; R2 withdrawn on 25 June, R5 undated
        "authorised_not_forwarded": 3,  # P3, Q2, Q4 (forwarded 1 July)
        "awaiting_federal_decision": 1,  # P4 (federal decision 20 July)
    }
    assert backlog(date(2026, 6, 24))["open_at_flemish_level"] == 2  # R1 and R2, before R3
    assert backlog(date(2026, 5, 31)) == {
        "as_of": "2026-05-31",
        "open_at_flemish_level": 2,  # Q1 and Q2
        "authorised_not_forwarded": 1,  # P3
        "awaiting_federal_decision": 2,  # P1 and P4
    }
    assert report(START, END, "en")["backlog"]["authorised_not_forwarded"] == 3
    for extreme in (date.min, date.max):
        assert set(backlog(extreme)) == {"as_of", *disclosure.BACKLOG}


def test_breakdowns_carry_the_processing_time(known):
    data = report(START, END, "en")
    kinds = {e["code"]: e for e in data["by_application_type"]}
    renewal = kinds["renewal"]
    assert renewal["submitted"] == 2 and renewal["completed"] == 2
    assert renewal["avg_processing_working_days"] == 7.5
    assert renewal["median_processing_working_days"] == 7.5
    assert renewal["p90_processing_working_days"] == 10
    assert renewal["label"] == "Renewal" or renewal["label"]
    assert kinds["new"]["completed"] == 7 and kinds["new"]["p90_processing_working_days"] == 28
    email = {e["code"]: e for e in data["by_channel"]}["email"]
    assert (email["completed"], email["median_processing_working_days"]) == (1, 1.0)
    category = {e["code"]: e for e in data["by_category"]}["highly_qualified"]
    assert category["completed"] == 9 and category["median_processing_working_days"] == 2.0
    assert "completed" not in data["by_nationality"][0]


def test_json_csv_and_xlsx_names(known):
    data = report(START, END, "en")
    for key in ("median_processing_working_days", "p90_processing_working_days"):
        assert key in data["months"][0] and key in data["totals"]
    for key in (
        "avg_working_days_to_forward",
        "avg_working_days_federal",
        "avg_working_days_end_to_end",
    ):
        assert key in data["totals"]
    assert set(data["backlog"]) == {
        "as_of",
        "open_at_flemish_level",
        "authorised_not_forwarded",
        "awaiting_federal_decision",
    }
    assert json.loads(exports.as_json(data)) == data
    rows = list(csv.reader(io.StringIO(exports.as_csv(data).decode("utf-8-sig"))))
    assert rows[0][-2:] == ["median_processing_working_days", "p90_processing_working_days"]
    assert next(r for r in rows if r[:2] == ["months", MAY])[-2:] == ["2.0", "28"]
    assert next(r for r in rows if r[0] == "totals" and r[1] == "total")[-2:] == ["2.0", "28"]
    assert ["totals", "avg_working_days_to_forward", "1.7"] in rows
    assert ["totals", "avg_working_days_federal", "8.5"] in rows
    assert ["totals", "avg_working_days_end_to_end", "12.5"] in rows
    assert ["backlog", "open_at_flemish_level", "2"] in rows
    assert ["backlog", "authorised_not_forwarded", "3"] in rows
    assert ["backlog", "awaiting_federal_decision", "1"] in rows
    assert ["by_application_type", "", "renewal", "Renewal", "2", "2", "7.5", "7.5", "10"] in rows
    book = load_workbook(io.BytesIO(exports.as_xlsx(data)))
    header = [c.value for c in next(book["months"].iter_rows())]
    assert header[-2:] == ["median_processing_working_days", "p90_processing_working_days"]
    summary = {(r[0], r[1]): r[2] for r in book["summary"].iter_rows(values_only=True)}
    assert summary[("totals", "avg_working_days_federal")] == 8.5
    assert summary[("backlog", "awaiting_federal_decision")] == 1
    kind = [r for r in book["by_application_type"].iter_rows(values_only=True)]
    assert kind[0][-1] == "p90_processing_working_days"


# --- capacity -----------------------------------------------------------------------------------


@pytest.fixture
def decided_by_officers(known, staffed):
    anna = make_user("anna@flanders.example", Role.OFFICER)
    bert = make_user("bert@flanders.example", Role.OFFICER)
    at = lambda *parts: datetime(*parts, tzinfo=UTC)  # noqa: E731
    for moment in (at(2026, 5, 4, 9), at(2026, 5, 11, 9), at(2026, 5, 12, 9)):
        audit.record("status:work_authorised", actor_id=anna.id, at=moment)
    # 22:30 UTC on 31 May is 00:30 on 1 June in Brussels: a June decision.
    audit.record("status:inadmissible", actor_id=anna.id, at=at(2026, 5, 31, 22, 30))
    audit.record("status:work_refused", actor_id=bert.id, at=at(2026, 6, 8, 9))
    audit.record("status:work_authorised", actor_id=bert.id, at=at(2026, 6, 15, 9))
    audit.record("status:work_authorised", at=at(2026, 6, 2, 9))  # through the API: no officer
    audit.record("view", actor_id=bert.id, at=at(2026, 6, 2, 9))  # not a decision
    audit.record("status:work_authorised", actor_id=bert.id, at=at(2026, 7, 1, 9))  # after
    db.session.flush()
    return anna, bert


def test_capacity_per_officer_and_per_fte(decided_by_officers):
    anna, bert = decided_by_officers
    data = capacity.capacity(START, END)
    may, june = data["months"]
    assert may == {
        "month": MAY,
        "decisions": 5,
        "officer_decisions": 3,
        "officers": 1,
        "decisions_per_officer": 3.0,
        "fte": 2.0,
        "decisions_per_fte": 2.5,
    }
    assert june == {
        "month": JUNE,
        "decisions": 4,
        "officer_decisions": 3,
        "officers": 2,
        "decisions_per_officer": 1.5,
        "fte": 2.5,
        "decisions_per_fte": 1.6,
    }
    assert data["totals"] == {
        "decisions": 9,
        "officer_decisions": 6,
        "officers": 2,
        "decisions_per_officer": 2.0,  # 6 over 3 officer-months
        "decisions_per_fte": 2.0,  # 9 over 4.5 FTE-months
    }
    assert [(o["name"], o["months"], o["total"]) for o in data["officers"]] == [
        ("Anna", {MAY: 3, JUNE: 1}, 4),
        ("Bert", {MAY: 0, JUNE: 2}, 2),
    ]
    assert data["fte_sources"] == ["test May", "test June"]
    rows = list(csv.reader(io.StringIO(capacity.as_csv(data).decode("utf-8-sig"))))
    assert rows[0] == ["table", *capacity.MONTH_COLUMNS]
    assert ["months", JUNE, "4", "3", "2", "1.5", "2.5", "1.6"] in rows
    assert ["officers", str(anna.id), "Anna", "3", "1", "4"] in rows


def test_the_seed_year_has_its_21_4_fte_with_a_source():
    assert staffing.for_month("2021-06").fte == 21.4
    assert "21.4 FTE" in staffing.for_month("2021-06").source
    assert staffing.for_month("2020-12") is None


@pytest.mark.parametrize(
    "body",
    [
        "[[fte]]\nvalid_from = 2026-01-01\nvalid_to = 2026-12-31\nfte = nan\nsource = 'x'\n",
        "[[fte]]\nvalid_from = 2026-01-01\nvalid_to = 2026-12-31\nfte = -1\nsource = 'x'\n",
        "[[fte]]\nvalid_from = 2026-01-01\nvalid_to = 2026-12-31\nfte = 3\nsource = ' '\n",
        "[[fte]]\nvalid_from = 2026-01-01\nvalid_to = 2026-12-31\nfte = 3\nsource = 'x'\n"
        "[[fte]]\nvalid_from = 2026-06-01\nvalid_to = 2027-12-31\nfte = 3\nsource = 'x'\n",
    ],
)
def test_bad_staffing_data_is_refused(tmp_path, monkeypatch, body):
    path = tmp_path / "staffing.toml"
    path.write_text(body)
    monkeypatch.setattr(staffing, "STAFFING_FILE", path)
    with pytest.raises(ValueError, match="staffing.toml"):
        staffing.periods()


def test_capacity_cli(app, decided_by_officers, tmp_path, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    runner = app.test_cli_runner()
    args = ["stats", "capacity", "--from", "2026-05-01", "--to", "2026-06-30"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout_bytes)["totals"]["decisions_per_fte"] == 2.0
    target = tmp_path / "capacity.csv"
    result = runner.invoke(args=[*args, "--format", "csv", "--output", str(target)])
    assert result.exit_code == 0 and "decisions_per_fte" in target.read_text("utf-8-sig")
    for start, end in (("2026-06-30", "2026-05-01"), ("0001-01-01", "9999-12-31")):
        result = runner.invoke(args=["stats", "capacity", "--from", start, "--to", end])
        assert result.exit_code == 2
    assert runner.invoke(args=[*args, "--format", "xml"]).exit_code == 2


# --- the forecast -------------------------------------------------------------------------------


def test_one_month_of_the_queue():
    # 100 open, 50 in, capacity 60, 20 working days: 60 decided, 90 left,
    # time = mean open (95) / 3 decisions per working day = 31.67 working days.
    month = forecast.step(100, 50, 60, 20)
    assert month["decisions"] == 60 and month["backlog"] == 90
    assert round(month["working_days"], 2) == 31.67
    assert forecast.step(0, 10, 60, 20) == {"decisions": 10, "backlog": 0, "working_days": 0.0}
    assert forecast.step(0, 0, 60, 20)["working_days"] is None
    assert forecast.working_days_in("2026-05") == 18 and forecast.working_days_in("2026-07") == 22
    assert forecast.working_days_in("0001-01") > 0 and forecast._next("9999-12") is None


@pytest.mark.parametrize(
    ("fte", "inflow", "months", "errors"),
    [
        ("21,4", "500", "12", 0),
        ("1e999", None, None, 1),
        ("NaN", "inf", "-1", 3),
        ("-1", "-1", "0", 3),
        ("0", None, "2.5", 2),
        ("1000000000", "1e9", "37", 3),
        ("abc", "<script>", "1e999", 3),
        ("", "", "", 0),
    ],
)
def test_forecast_inputs_refuse_the_nastiest_values(fte, inflow, months, errors):
    inputs, problems = forecast.parse(fte, inflow, months)
    assert len(problems) == errors
    if not errors and fte:
        assert inputs == forecast.Inputs(fte=21.4, inflow=500.0, months=12)


def test_the_forecast_and_its_error_on_the_reference_period(known, staffed):
    result = forecast.forecast(START, END, forecast.Inputs(fte=1.0))
    ref = result["reference"]
    assert ref["productivity_per_fte"] == 2.0  # 9 decisions over 4.5 FTE-months
    assert ref["inflow_per_month"] == 5.0  # 5 submitted in May, 5 in June
    assert ref["backlog_at_end"] == 2
    # Back-test from the 2 files open on 30 April (P1, P5).
    # May: 2 + 5 in, capacity 2 x 2 = 4, 3 left; time = 2.5 / 4 x 18 = 11.25 -> 11.3 (real 7.4)
    # June: 3 + 5 in, capacity 2.5 x 2 = 5, 3 left; time = 3 / 5 x 22 = 13.2 (real 4.8)
    assert ref["validation"] == [
        {
            "month": MAY,
            "fte": 2.0,
            "predicted_working_days": 11.3,
            "observed_working_days": 7.4,
            "predicted_backlog": 3,
            "observed_backlog": 2,
        },
        {
            "month": JUNE,
            "fte": 2.5,
            "predicted_working_days": 13.2,
            "observed_working_days": 4.8,
            "predicted_backlog": 3,
            "observed_backlog": 2,
        },
    ]
    assert ref["mean_absolute_error_working_days"] == 6.2  # (3.9 + 8.4) / 2 = 6.15
    assert ref["mean_absolute_error_backlog"] == 1.0
    # The coming months at 1 FTE: capacity 2 a month against 5 in; break-even at 2.5 FTE.
    assert result["capacity_per_month"] == 2.0 and result["break_even_fte"] == 2.5
    july = result["months"][0]
    assert july["month"] == "2026-07" and july["backlog"] == 5  # 2 + 5 - 2
    assert july["working_days"] == 38.5  # (2 + 5) / 2 / 2 x 22
    assert len(result["months"]) == forecast.DEFAULT_MONTHS
    assert not july["within_one_month"]
    enough = forecast.forecast(START, END, forecast.Inputs(fte=10.0, months=2))
    assert [m["backlog"] for m in enough["months"]] == [0, 0]


def test_no_forecast_without_staff_or_decisions(known):
    result = forecast.forecast(date(9999, 1, 1), date(9999, 12, 31), forecast.Inputs(fte=5))
    assert result["months"] == [] and result["reference"]["productivity_per_fte"] is None


def test_forecast_cli(app, known, staffed):
    runner = app.test_cli_runner()
    args = ["stats", "forecast", "--from", "2026-05-01", "--to", "2026-06-30"]
    result = runner.invoke(args=[*args, "--fte", "1", "--months", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout_bytes)
    assert [m["working_days"] for m in data["months"]][0] == 38.5
    for nasty in ("1e999", "NaN", "-1", "0", "1000000000"):
        assert runner.invoke(args=[*args, "--fte", nasty]).exit_code == 2


# --- the pages ----------------------------------------------------------------------------------


@pytest.fixture
def officer(client):
    make_user("officer@flanders.example", Role.OFFICER)
    login(client, "officer@flanders.example")
    return client


def test_the_officer_pages_in_four_languages(officer, decided_by_officers):
    for lang in ("nl", "fr", "de", "en"):
        soup = check_page(officer.get(f"/stats?{QUERY}&lang={lang}").get_data(as_text=True))
        ids = {svg.get("aria-labelledby") for svg in soup.find_all("svg", attrs={"role": "img"})}
        assert "chart-distribution-title chart-distribution-desc" in ids
        soup = check_page(
            officer.get(f"/stats/capacity?{QUERY}&lang={lang}").get_data(as_text=True)
        )
        assert soup.find("svg", attrs={"role": "img"}) is not None
        soup = check_page(
            officer.get(f"/stats/forecast?{QUERY}&fte=1&lang={lang}").get_data(as_text=True)
        )
        assert soup.find("svg", attrs={"role": "img"}) is not None
    soup = BeautifulSoup(
        officer.get(f"/stats?{QUERY}&lang=en").get_data(as_text=True), "html.parser"
    )
    text = soup.get_text(" ")
    assert "Median processing time (working days)" in text and "90th percentile" in text
    desc = soup.find(id="chart-distribution-desc").get_text()
    assert "Mean 6.2, median 2, 90th percentile 28" in desc  # as the table writes them
    for lang in ("nl", "fr", "de"):  # a decimal comma, as in the tables
        page = officer.get(f"/stats?{QUERY}&lang={lang}").get_data(as_text=True)
        desc = BeautifulSoup(page, "html.parser").find(id="chart-distribution-desc").get_text()
        assert "6,2" in desc and "6.2" not in desc and "2.0" not in desc, (lang, desc)
    backlog_rows = {
        tr.th.get_text(strip=True): tr.td.get_text(strip=True)
        for tr in soup.find("caption", string=lambda s: s and "Backlog" in s)
        .find_parent("table")
        .tbody.find_all("tr")
    }
    assert list(backlog_rows.values()) == ["2", "3", "1"]
    capacity_page = officer.get(f"/stats/capacity?{QUERY}&lang=en").get_data(as_text=True)
    assert "Anna" in capacity_page and "test May" in capacity_page
    assert officer.get(f"/stats/capacity.csv?{QUERY}").mimetype == "text/csv"
    assert officer.get(f"/stats/capacity.json?{QUERY}").json["totals"]["officers"] == 2
    page = officer.get(f"/stats/forecast?{QUERY}&fte=1&lang=en").get_data(as_text=True)
    assert "Little" in page and "38.5" in page and "6.2" in page  # the method and the error


@pytest.mark.parametrize(
    "query",
    [
        "from=0001-01-01&to=9999-12-31",
        "from=9999-12-31&to=9999-12-31",
        "from=9999-12-31&to=0001-01-01",
        "from=0001-01-01&to=0001-01-01",
        "from=2026-13-45&to=nope",
        "from=%00&to=%ff",
    ],
)
def test_the_pages_take_the_nastiest_periods(officer, query):
    for path in ("/stats", "/stats/capacity", "/stats/forecast", "/figures"):
        response = officer.get(f"{path}?{query}&lang=en")
        assert response.status_code == 200, (path, query)
        check_page(response.get_data(as_text=True))
    for path in ("/stats/report.json", "/stats/capacity.json"):
        assert officer.get(f"{path}?{query}").status_code == 200


@pytest.mark.parametrize(
    "query",
    [
        "fte=1e999&inflow=NaN&months=-1",
        "fte=1000000000&inflow=-1&months=0",
        "fte=0&inflow=1e999&months=99999999999999999999",
        "fte=-inf&inflow=%3Cb%3E&months=1.5",
    ],
)
def test_the_forecast_page_says_what_is_wrong(officer, known, staffed, query):
    response = officer.get(f"/stats/forecast?{QUERY}&{query}&lang=en")
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert len(error_summary(soup)) == 3
    assert "<b>" not in response.get_data(as_text=True)


def test_the_new_pages_are_for_officers_only(client, known):
    for path in ("/stats/capacity", "/stats/forecast", "/stats/capacity.json"):
        assert client.get(path).status_code == 302
    make_user("employer@example.com", Role.EMPLOYER)
    login(client, "employer@example.com")
    for path in ("/stats/capacity", "/stats/forecast", "/stats/capacity.csv"):
        assert client.get(path).status_code in (302, 403, 404)


# --- the public page ----------------------------------------------------------------------------


def _public_table(soup) -> dict[str, list[str]]:
    table = soup.find("caption", string="Per month").find_parent("table")
    return {
        tr.find(["th"]).get_text(strip=True): [
            td.get_text(" ", strip=True) for td in tr.find_all("td")
        ]
        for tr in table.find_all("tr")[1:]
    }


def test_the_public_page_shows_the_median_and_the_backlog_under_the_rule(client, known):
    soup = check_page(client.get(f"/figures?{QUERY}&lang=en").get_data(as_text=True))
    rows = _public_table(soup)
    assert rows[MAY][4:] == ["7.4", "2"]  # 5 procedures: mean and median shown
    assert rows[JUNE][4:] == ["fewer than 5", "fewer than 5"]  # 4 procedures: hidden
    assert "90th percentile" not in soup.get_text()  # p90 is for officers only
    caption = soup.find("caption", string=lambda s: s and "Backlog" in s)
    cells = [td.get_text(strip=True) for td in caption.find_parent("table").find_all("td")]
    assert cells == ["fewer than 5", "fewer than 5", "fewer than 5"]  # 2, 3 and 1
    text = soup.get_text(" ")
    assert "Per officer" not in text and "FTE" not in text


def test_the_public_backlog_hides_1_to_4_only():
    cells = disclosure.protect_backlog(
        {"open_at_flemish_level": 0, "authorised_not_forwarded": 4, "awaiting_federal_decision": 5}
    )
    assert cells["open_at_flemish_level"] == disclosure.Cell(0)
    assert cells["authorised_not_forwarded"].hidden == disclosure.SMALL
    assert cells["awaiting_federal_decision"] == disclosure.Cell(5)


def test_the_public_median_follows_the_average_rule():
    months = [
        {
            "month": "2026-01",
            "submitted": 9,
            "admissible": 4,
            "forwarded": 0,
            "completed": 4,
            "avg_processing_working_days": 3.0,
            "median_processing_working_days": 2.0,
        }
    ]
    totals = {**{k: months[0][k] for k in disclosure.COUNTS}, **months[0]}
    rows, tot = disclosure.protect(months, totals)
    assert rows[0]["median_processing_working_days"].hidden
    assert tot["median_processing_working_days"].hidden
    assert "p90_processing_working_days" not in rows[0]


def test_the_seed_year_import_keeps_its_table_and_gains_the_new_figures(
    app, db_session, tmp_path, monkeypatch
):
    """The 2021 files of the import test: the mean of 17.0 working days comes out as before,
    and the new figures with it (14 and 20 working days; H-3 still open at the year's end)."""
    from tests.stats.test_report import CSV_HEADER

    monkeypatch.setattr(db.session, "commit", db.session.flush)
    seed = tmp_path / "seed.csv"
    seed.write_text(
        CSV_HEADER
        + "H-1,online,highly_qualified,IN,2512,62010,2021-03-01,2021-03-19,authorised,2021-03-22,2021-04-10,granted\n"
        + "H-2,email,other,TR,8332,49410,2021-03-02,2021-03-30,refused,,,\n"
        + "H-3,online,executive,MA,,,2021-04-01,,,,,\n"
    )
    assert app.test_cli_runner().invoke(args=["dossiers", "import", str(seed)]).exit_code == 0
    data = report(date(2021, 1, 1), date(2021, 12, 31))
    totals = data["totals"]
    assert totals["avg_processing_working_days"] == 17.0  # as before
    assert totals["median_processing_working_days"] == 17.0  # (14 + 20) / 2
    assert totals["p90_processing_working_days"] == 20
    assert totals["avg_working_days_to_forward"] == 1.0  # Fri 19 -> Mon 22 March
    assert (
        totals["avg_working_days_federal"] == 13.0
    )  # 22 March -> Sat 10 April, Easter Monday 5 April
    assert totals["avg_working_days_end_to_end"] == 28.0  # 14 + 1 + 13
    assert data["backlog"] == {
        "as_of": "2021-12-31",
        "open_at_flemish_level": 1,
        "authorised_not_forwarded": 0,
        "awaiting_federal_decision": 0,
    }
    # The 2021 staff (21.4 FTE, configured) gives the forecast its productivity.
    ref = forecast.reference(date(2021, 1, 1), date(2021, 12, 31))
    assert ref["productivity_per_fte"] == 0.0  # 2 decisions over 12 x 21.4 FTE-months
    coming = forecast.forecast(date(2021, 1, 1), date(2021, 12, 31), forecast.Inputs(months=1))
    assert coming["fte"] == 21.4 and coming["months"][0]["month"] == "2022-01"


@pytest.mark.parametrize(
    ("start", "end"), [("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-12-31")]
)
def test_report_cli_at_the_ends_of_the_calendar(app, db_session, start, end):
    result = app.test_cli_runner().invoke(
        args=["stats", "report", "--from", start, "--to", end, "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout_bytes)
    assert (
        data["backlog"]["as_of"] == end and data["totals"]["median_processing_working_days"] is None
    )
