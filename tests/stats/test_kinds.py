"""Figures by kind (issue 16): every figure kept to one kind of permit, `by_kind` per
`Permit`, the old breakdown by application type renamed, the kind filter on the pages and
the optional `kind` column of the import."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, date, datetime, time

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from portal import audit
from portal.accounts.models import Role
from portal.dossiers.models import Dossier, DossierStatus, Permit
from portal.extensions import db
from portal.stats import capacity, exports
from portal.stats.report import report
from tests.stats.test_report import CSV_HEADER, dossier
from tests.support import check_page, error_summary, login, make_user

START, END = date(2026, 1, 1), date(2026, 6, 30)
CARD = Permit.PROFESSIONAL_CARD


@pytest.fixture
def mixed(db_session):
    """Three single permits and two cards (one decided) in the first half of 2026."""
    dossier("S1", date(2026, 2, 2), date(2026, 2, 9), "authorised")
    dossier("S2", date(2026, 3, 2))
    dossier("S3", date(2026, 3, 3), category="executive")
    dossier("K1", date(2026, 3, 4), permit=CARD, category="economic")
    dossier(
        "K2",
        date(2026, 4, 1),
        date(2026, 4, 3),
        "refused",
        permit=CARD,
        category="innovative",
        worker_nationality="US",
        status=DossierStatus.CARD_REFUSED,
    )
    db.session.flush()


HOSTILE = ("=cmd", "\x00", "x" * 10_000, " professional_card ", "PROFESSIONAL_CARD", "kind")


def test_a_report_over_both_kinds_counts_each(mixed):
    data = report(START, END, "en")
    assert data["kind"] is None
    assert data["by_kind"] == [
        {"code": "single_permit", "label": "Single permit", "submitted": 3},
        {"code": "professional_card", "label": "Professional card", "submitted": 2},
    ]
    assert data["totals"]["submitted"] == 5 and data["totals"]["completed"] == 2
    cards = report(START, END, "en", "professional_card")
    assert cards["kind"] == "professional_card"
    assert cards["by_kind"] == [
        {"code": "professional_card", "label": "Professional card", "submitted": 2}
    ]
    assert cards["totals"]["submitted"] == 2 and cards["totals"]["completed"] == 1
    assert cards["totals"]["admissible"] == 1  # refused counts as admissible
    assert cards["backlog"]["open_at_flemish_level"] == 1  # K1
    assert {e["code"] for e in cards["by_nationality"]} == {"IN", "US"}
    categories = {e["code"]: e["label"] for e in cards["by_category"]}
    assert categories == {
        "economic": "Economic added value",
        "innovative": "Innovative added value",
    }
    single = report(START, END, "en", "single_permit")
    assert single["totals"]["submitted"] == 3 and single["backlog"]["open_at_flemish_level"] == 2
    months = {row["month"]: row["submitted"] for row in data["months"]}
    for month in months:
        by_kind = [
            {row["month"]: row["submitted"] for row in part["months"]}[month]
            for part in (cards, single)
        ]
        assert sum(by_kind) == months[month]


def test_a_single_permit_year_reads_as_before(mixed):
    """Before the cards, every file is a single permit: the report without a filter and
    the report of single permits only agree on every figure."""
    dossier("O1", date(2021, 3, 1), date(2021, 3, 19), "authorised")
    dossier("O2", date(2021, 5, 3))
    db.session.flush()
    every = report(date(2021, 1, 1), date(2021, 12, 31), "en")
    single = report(date(2021, 1, 1), date(2021, 12, 31), "en", "single_permit")
    assert every["by_kind"][1] == {
        "code": "professional_card",
        "label": "Professional card",
        "submitted": 0,
    }
    for key in every:
        if key not in ("kind", "by_kind"):
            assert every[key] == single[key], key
    assert every["totals"]["submitted"] == 2


def test_exports_name_both_breakdowns(mixed):
    data = report(START, END, "en")
    assert json.loads(exports.as_json(data))["by_kind"] == data["by_kind"]
    assert {e["code"] for e in data["by_application_type"]} == {"new"}
    rows = list(csv.reader(io.StringIO(exports.as_csv(data).decode("utf-8-sig"))))
    assert ["by_kind", "", "professional_card", "Professional card", "2"] in rows
    assert ["by_kind", "", "single_permit", "Single permit", "3"] in rows
    assert any(r[:3] == ["by_application_type", "", "new"] for r in rows)
    book = load_workbook(io.BytesIO(exports.as_xlsx(data)))
    sheet = list(book["by_kind"].iter_rows(values_only=True))
    assert sheet[0] == ("level", "code", "label", "submitted")
    assert (None, "professional_card", "Professional card", 2) in sheet
    assert book["by_application_type"]["A1"].value == "level"


def test_the_report_command_keeps_one_kind(app, mixed, tmp_path):
    runner = app.test_cli_runner()
    target = tmp_path / "cards.json"
    args = ["stats", "report", "--from", "2026-01-01", "--to", "2026-06-30"]
    result = runner.invoke(args=[*args, "--kind", "professional_card", "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert json.loads(target.read_text())["totals"]["submitted"] == 2
    refused = runner.invoke(args=[*args, "--kind", "=cmd"])
    assert refused.exit_code != 0 and "--kind" in refused.output


def test_the_officer_page_filters_by_kind(client, mixed):
    make_user("officer@flanders.example", Role.OFFICER)
    login(client, "officer@flanders.example")
    for lang in ("nl", "fr", "de", "en"):
        soup = check_page(
            client.get(
                f"/stats?from=2026-01-01&to=2026-06-30&kind=professional_card&lang={lang}"
            ).get_data(as_text=True)
        )
        assert soup.find("select", id="kind").find("option", selected=True)["value"] == CARD
        assert not error_summary(soup)
    links = [a["href"] for a in soup.find_all("a") if "report.json" in a.get("href", "")]
    assert links and "kind=professional_card" in links[0]
    response = client.get(links[0])
    assert response.json["totals"]["submitted"] == 2
    assert "professional-card-figures" in response.headers["Content-Disposition"]
    for value in HOSTILE:
        response = client.get("/stats", query_string={"kind": value, "lang": "en"})
        assert response.status_code == 200
        soup = check_page(response.get_data(as_text=True))
        assert error_summary(soup) == ["Choose a kind of permit from the list."]
        assert soup.find("select", id="kind").find("option", selected=True)["value"] == ""
        download = client.get("/stats/report.csv", query_string={"kind": value})
        assert download.status_code == 400


def test_the_public_page_filters_by_kind(client, mixed):
    for lang in ("nl", "fr", "de", "en"):
        soup = check_page(
            client.get(
                f"/figures?from=2026-01-01&to=2026-06-30&kind=single_permit&lang={lang}"
            ).get_data(as_text=True)
        )
        assert soup.find("select", id="kind").find("option", selected=True)["value"] == (
            "single_permit"
        )
    for value in HOSTILE:
        response = client.get("/figures", query_string={"kind": value, "lang": "en"})
        assert response.status_code == 200
        assert error_summary(check_page(response.get_data(as_text=True))) == [
            "Choose a kind of permit from the list."
        ]


def test_capacity_keeps_one_kind(app, client, mixed):
    officer = make_user("officer@flanders.example", Role.OFFICER)
    for reference in ("S1", "K2"):
        found = db.session.scalar(select(Dossier).where(Dossier.reference == reference))
        action = "status:work_authorised" if reference == "S1" else "status:card_refused"
        audit.record(
            action,
            dossier_id=found.id,
            actor_id=officer.id,
            at=datetime.combine(found.flemish_decision_on, time(10), tzinfo=UTC),
        )
    db.session.flush()
    assert capacity.capacity(START, END)["totals"]["officer_decisions"] == 2
    cards = capacity.capacity(START, END, "professional_card")
    assert cards["totals"]["decisions"] == 1 and cards["totals"]["officer_decisions"] == 1
    login(client, officer.email)
    page = client.get("/stats/capacity?kind=professional_card&lang=en").get_data(as_text=True)
    soup = check_page(page)
    assert soup.find("select", id="kind").find("option", selected=True)["value"] == CARD
    links = [a["href"] for a in soup.find_all("a") if "capacity.csv" in a.get("href", "")]
    assert "kind=professional_card" in links[0]
    assert client.get("/stats/capacity.json?kind=%00").status_code == 400


# --- the import's kind column -------------------------------------------------------------


def _import(app, tmp_path, body: str, header: str = CSV_HEADER.rstrip("\n") + ",kind\n"):
    path = tmp_path / "import.csv"
    path.write_text(header + body, encoding="utf-8")
    return app.test_cli_runner().invoke(args=["dossiers", "import", str(path)])


def test_import_reads_the_kind_column(app, db_session, tmp_path, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    result = _import(
        app,
        tmp_path,
        "H-1,online,highly_qualified,IN,2512,62010,2021-03-01,,,,,,\n"
        + "H-2,online,highly_qualified,IN,2512,62010,2021-03-01,,,,,,single_permit\n"
        + "K-1,online,economic,US,,62010,2021-03-02,,,,,,professional_card\n"
        + "K-2,email,innovative,US,,,2021-03-03,,,,,, professional_card \n"
        + "K-3,online,economic,US,,,2021-03-03,2021-05-03,authorised,,,,professional_card\n",
    )
    assert result.exit_code == 0, result.output
    kinds = dict(db.session.execute(select(Dossier.reference, Dossier.permit)).all())
    assert kinds == {
        "H-1": Permit.SINGLE_PERMIT,
        "H-2": Permit.SINGLE_PERMIT,
        "K-1": CARD,
        "K-2": CARD,  # trimmed, like every other cell
        "K-3": CARD,
    }
    granted = db.session.scalar(select(Dossier).where(Dossier.reference == "K-3"))
    assert granted.status == DossierStatus.CARD_GRANTED  # a card's own outcome
    by_kind = report(date(2021, 1, 1), date(2021, 12, 31))["by_kind"]
    assert [e["submitted"] for e in by_kind] == [2, 3]


def test_import_without_the_kind_column_is_single_permits(app, db_session, tmp_path, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    result = _import(
        app, tmp_path, "H-1,online,highly_qualified,IN,2512,62010,2021-03-01,,,,,\n", CSV_HEADER
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Dossier.permit)) == Permit.SINGLE_PERMIT


def test_import_names_an_unknown_kind_on_its_line(app, db_session, tmp_path, monkeypatch):
    monkeypatch.setattr(db.session, "commit", db.session.flush)
    line = "{ref},online,highly_qualified,IN,2512,62010,2021-03-01,,,,,,{kind}\n"
    body = "".join(
        line.format(ref=f"H-{i}", kind=kind)
        for i, kind in enumerate(("=cmd", "a\x00b", "y" * 10_000, "PROFESSIONAL_CARD"))
    )
    body += line.format(ref="H-9", kind="single_permit")
    body += "K-1,online,highly_qualified,US,,,2021-03-02,,,,,,professional_card\n"
    body += (
        "K-2,online,economic,US,,,2021-03-02,2021-03-05,authorised,2021-03-06,,,professional_card\n"
    )
    body += "H-8,online,economic,US,,,2021-03-02,,,,,,single_permit\n"
    result = _import(app, tmp_path, body)
    assert result.exit_code == 1
    output = result.output
    assert (
        "line 2: kind must be one of ['professional_card', 'single_permit'], not '=cmd'" in output
    )
    assert "line 3: kind must be" in output and "'a\\x00b'" in output
    assert "line 4: kind must be" in output and "y" * 61 not in output and "…" in output
    assert "line 5: kind must be" in output and "'PROFESSIONAL_CARD'" in output
    assert "line 6:" not in output  # a good line among bad ones is checked and passes
    assert "line 7: a professional card's category is one of" in output
    assert "line 8: a professional card is not forwarded to DVZ" in output
    assert "line 9: unknown category 'economic'" in output
    assert len(output) < 3_000
    assert db.session.scalar(select(Dossier.id)) is None  # all or nothing, as before
