"""Figures: every number of a report with known dates, the exports, the import."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from portal.accounts.models import Role
from portal.dossiers.models import Channel, Dossier, DossierStatus
from portal.extensions import db
from portal.stats import exports
from portal.stats.report import KEYS, report
from tests.factories import DossierFactory
from tests.support import check_page, login, make_user

DECIDED = {
    "authorised": DossierStatus.WORK_AUTHORISED,
    "refused": DossierStatus.WORK_REFUSED,
    "inadmissible": DossierStatus.INADMISSIBLE,
}


def dossier(ref, submitted, decided=None, decision=None, forwarded=None, **extra) -> Dossier:
    """An imported file with known dates, in the status its decision led to."""
    values = dict(
        reference=ref,
        locale="nl",
        sections_done="",
        submitted_on=submitted,
        flemish_decision_on=decided,
        flemish_decision=decision,
        forwarded_on=forwarded,
        worker_nationality="IN",
        isco_code="2512",
        nace_code="62010",
        workplace_refnis="44021",
    )
    values.update(extra)
    state = DossierStatus.FORWARDED if forwarded else DECIDED.get(decision, DossierStatus.SUBMITTED)
    return DossierFactory(owner=None, **{"status": state, **values})


@pytest.fixture
def known(db_session):
    # Easter Monday 2026 is 6 April; 1 May is Labour Day.
    dossier(
        "A", date(2026, 3, 31), date(2026, 4, 7), "authorised", date(2026, 4, 7)
    )  # 1 Apr,2,3,7 = 4
    dossier(
        "B", date(2026, 4, 30), date(2026, 5, 4), "refused"
    )  # 4 May only (1 May holiday, weekend) = 1
    dossier(
        "C",
        date(2026, 4, 3),
        date(2026, 4, 30),
        "inadmissible",
        worker_nationality="TR",  # a Friday before Easter
        category="executive",
        isco_code="8332",
        nace_code="49410",
        channel=Channel.EMAIL,
        workplace_refnis="21004",
    )
    dossier(
        "D", date(2026, 4, 15), worker_nationality="MA", nace_code="45200", workplace_refnis="62063"
    )
    dossier("E", date(2025, 12, 31), date(2026, 1, 2), "authorised", date(2026, 1, 5))  # 2 Jan = 1
    db.session.flush()


def test_every_figure_of_a_report(known):
    data = report(date(2026, 1, 1), date(2026, 6, 30), "en")
    months = {row["month"]: row for row in data["months"]}
    assert list(months) == ["2026-01", "2026-02", "2026-03", "2026-04", "2026-05", "2026-06"]
    old = lambda row: {k: row[k] for k in ("month", *KEYS)}  # noqa: E731 - the figures as before
    assert old(months["2026-03"]) == {
        "month": "2026-03",
        "submitted": 1,
        "admissible": 0,
        "forwarded": 0,
        "completed": 0,
        "avg_processing_working_days": 0.0,
    }
    # April: submitted C, D, B; A authorised (4 wd), C inadmissible (18 wd: 6 Apr is a holiday).
    assert months["2026-04"]["submitted"] == 3
    assert months["2026-04"]["admissible"] == 1 and months["2026-04"]["forwarded"] == 1
    assert months["2026-04"]["completed"] == 2
    assert months["2026-04"]["avg_processing_working_days"] == 11.0  # (4 + 18) / 2
    assert old(months["2026-05"]) == {
        "month": "2026-05",
        "submitted": 0,
        "admissible": 1,
        "forwarded": 0,
        "completed": 1,
        "avg_processing_working_days": 1.0,
    }
    assert months["2026-01"]["completed"] == 1 and months["2026-01"]["forwarded"] == 1
    assert months["2026-01"]["submitted"] == 0  # E was submitted in 2025
    assert {k: data["totals"][k] for k in KEYS} == {
        "submitted": 4,
        "admissible": 3,
        "forwarded": 2,
        "completed": 4,
        "avg_processing_working_days": 6.0,
    }  # (4 + 18 + 1 + 1) / 4
    assert data["period"] == {"from": "2026-01-01", "to": "2026-06-30"}


def test_breakdowns_with_labels(known):
    data = report(date(2026, 1, 1), date(2026, 6, 30), "fr")
    nationality = {e["code"]: (e["label"], e["submitted"]) for e in data["by_nationality"]}
    assert nationality == {"IN": ("Inde", 2), "TR": ("Turquie", 1), "MA": ("Maroc", 1)}
    sectors = {(e["level"], e["code"]): e["submitted"] for e in data["by_sector"]}
    assert (
        sectors[("section", "K")] == 2
        and sectors[("section", "H")] == 1
        and sectors[("section", "G*")] == 1
    )
    assert sectors[("division", "62")] == 2 and sectors[("division", "49")] == 1
    occupations = {(e["level"], e["code"]): e["submitted"] for e in data["by_occupation"]}
    assert occupations[("major", "2")] == 3 and occupations[("unit", "8332")] == 1
    assert {e["code"]: e["submitted"] for e in data["by_channel"]} == {"online": 3, "email": 1}
    regions = {e["code"]: (e["label"], e["submitted"]) for e in data["by_region"]}
    assert (
        regions["02000"] == ("Région flamande", 2)
        and regions["04000"][1] == 1
        and regions["03000"][1] == 1
    )
    assert {e["code"] for e in data["by_category"]} == {"highly_qualified", "executive"}


def test_exports_carry_the_same_figures(known):
    data = report(date(2026, 1, 1), date(2026, 6, 30), "en")
    assert json.loads(exports.as_json(data)) == data
    rows = list(csv.reader(io.StringIO(exports.as_csv(data).decode("utf-8-sig"))))
    april = next(r for r in rows if r[:2] == ["months", "2026-04"])
    assert april[:7] == ["months", "2026-04", "3", "1", "1", "2", "11.0"]
    assert april[7:] == ["11.0", "18"]  # median of 4 and 18; p90 by nearest rank
    assert ["by_nationality", "", "IN", "India", "2"] in rows
    book = load_workbook(io.BytesIO(exports.as_xlsx(data)))
    assert book.sheetnames == [
        "months",
        "by_nationality",
        "by_category",
        "by_sector",
        "by_occupation",
        "by_channel",
        "by_region",
        "by_application_type",
        "by_kind",
        "summary",
    ]
    sheet = book["months"]
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert ["2026-04", 3, 1, 1, 2, 11.0, 11.0, 18] in values and values[-1][0] == "total"


def test_report_cli_writes_each_format(app, known, tmp_path, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    runner = app.test_cli_runner()
    for fmt in ("json", "csv", "xlsx"):
        target = tmp_path / f"report.{fmt}"
        result = runner.invoke(
            args=[
                "stats",
                "report",
                "--from",
                "2026-01-01",
                "--to",
                "2026-06-30",
                "--format",
                fmt,
                "--output",
                str(target),
            ]
        )
        assert result.exit_code == 0, result.output
        assert target.stat().st_size > 100
    assert json.loads((tmp_path / "report.json").read_text())["totals"]["submitted"] == 4


CSV_HEADER = "reference,channel,category,nationality,isco_code,nace_code,submitted_on,flemish_decision_on,flemish_decision,forwarded_on,federal_decision_on,federal_decision\n"


def test_import_is_all_or_nothing_with_line_numbers(app, db_session, tmp_path, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    bad = tmp_path / "bad.csv"
    bad.write_text(
        CSV_HEADER
        + "H-1,online,highly_qualified,IN,2512,62010,2021-03-01,2021-03-20,authorised,2021-03-22,2021-04-10,granted\n"
        + "H-2,fax,highly_qualified,XX,9999,62010,2021-13-01,,,,,\n"
        + "H-3,email,other,TR,8332,49410,2021-03-01,2021-02-01,refused,,,\n"
    )
    result = app.test_cli_runner().invoke(args=["dossiers", "import", str(bad)])
    assert result.exit_code == 1
    assert "line 3: channel" in result.output and "line 3: nationality" in result.output
    assert "line 3: isco_code" in result.output and "line 3: submitted_on" in result.output
    assert "line 4: the dates must follow each other" in result.output
    assert db.session.scalar(select(func.count(Dossier.id))) == 0


def test_import_is_idempotent_and_feeds_the_report(app, db_session, tmp_path, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    good = tmp_path / "good.csv"
    good.write_text(
        CSV_HEADER
        + "H-1,online,highly_qualified,IN,2512,62010,2021-03-01,2021-03-19,authorised,2021-03-22,2021-04-10,granted\n"
        + "H-2,email,other,TR,8332,49410,2021-03-02,2021-03-30,refused,,,\n"
        + "H-3,online,executive,MA,,,2021-04-01,,,,,\n"
    )
    runner = app.test_cli_runner()
    assert (
        "imported 3, already present 0"
        in runner.invoke(args=["dossiers", "import", str(good)]).output
    )
    assert (
        "imported 0, already present 3"
        in runner.invoke(args=["dossiers", "import", str(good)]).output
    )
    statuses = dict(db.session.execute(select(Dossier.reference, Dossier.status)).all())
    assert statuses == {
        "H-1": DossierStatus.RESIDENCE_GRANTED,
        "H-2": DossierStatus.WORK_REFUSED,
        "H-3": DossierStatus.SUBMITTED,
    }
    data = report(date(2021, 1, 1), date(2021, 12, 31))
    assert data["totals"]["submitted"] == 3 and data["totals"]["completed"] == 2
    assert data["totals"]["avg_processing_working_days"] == 17.0  # 14 and 20 working days


def test_the_officer_page_and_downloads(app, client, known):
    make_user("officer@flanders.example", Role.OFFICER)
    login(client, "officer@flanders.example")
    for lang in ("nl", "fr", "de", "en"):
        soup = check_page(
            client.get(f"/stats?from=2026-01-01&to=2026-06-30&lang={lang}").get_data(as_text=True)
        )
        assert soup.find("svg", attrs={"role": "img"}) is not None
    with client.get("/stats/report.xlsx?from=2026-01-01&to=2026-06-30") as response:
        assert response.mimetype.endswith("spreadsheetml.sheet")
    with client.get("/stats/report.json?from=2026-01-01&to=2026-06-30") as response:
        assert response.json["totals"]["submitted"] == 4
    soup = check_page(
        client.get("/stats?from=2026-06-30&to=2026-01-01&lang=en").get_data(as_text=True)
    )
    assert "before its start" in soup.get_text()


def test_the_public_page_hides_small_counts(client, known):
    soup = check_page(
        client.get("/figures?from=2026-01-01&to=2026-06-30&lang=en").get_data(as_text=True)
    )
    text = soup.get_text(" ")
    assert "fewer than 5" in text and "India" not in text and "Priya" not in text
    assert client.get("/stats").status_code == 302  # the breakdowns are for officers
