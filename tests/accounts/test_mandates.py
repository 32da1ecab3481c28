"""Foreign employers and mandates: recorded by a mandatary, verified by an officer."""

from __future__ import annotations

import functools
import io
from datetime import date

import pytest
from sqlalchemy import func, select

from portal import uploads
from portal.accounts import mandates
from portal.accounts.models import ForeignEmployer, Mandate, MandateStatus, Role
from portal.extensions import db
from tests.support import (
    HOSTILE_MARKUP,
    check_page,
    error_summary,
    field_error,
    linked_row_cells,
    login,
    make_user,
    sorted_plans,
    statements_of,
    text_of,
    unmarked_page,
    walked_plans,
)

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture
def mandatary(client):
    user = make_user("m@mandates.example", Role.MANDATARY)
    login(client, user.email)
    return user


def add_employer(client, **changes):
    data = {
        "name": "Montage GmbH",
        "country": "DE",
        "registration_number": "HRB 1",
        "kbo_number": "",
    }
    data.update(changes)
    return client.post("/mandates/employers/new?lang=en", data=data)


def upload(client, employer_id, content=PDF, name="mandate.pdf", start="2026-Q1", end=""):
    return client.post(
        f"/mandates/employers/{employer_id}/mandate?lang=en",
        data={"file": (io.BytesIO(content), name), "start_quarter": start, "end_quarter": end},
        content_type="multipart/form-data",
    )


def the_employer() -> ForeignEmployer:
    return db.session.scalar(select(ForeignEmployer))


def test_mandatary_adds_a_foreign_employer_and_uploads_a_mandate(client, mandatary):
    assert check_page(client.get("/mandates/employers/new?lang=fr").get_data(as_text=True))
    response = add_employer(client)
    employer = the_employer()
    assert response.headers["Location"] == f"/mandates/employers/{employer.id}/mandate"
    assert (employer.country, employer.mandatary_id) == ("DE", mandatary.mandatary_id)
    response = upload(
        client, employer.id, name="../../etc/Mandaat Montage.pdf", start="2026-Q2", end="2027-Q1"
    )
    assert response.headers["Location"] == "/mandates/"
    mandate = db.session.scalar(select(Mandate))
    assert mandate.status == MandateStatus.PENDING
    assert (mandate.starts_on, mandate.ends_on) == (date(2026, 4, 1), date(2027, 3, 31))
    assert mandate.file_name == "Mandaat Montage.pdf"
    stored = uploads.path_of(mandate.stored_name)
    assert stored.read_bytes() == PDF
    assert "uploads" in str(stored) and "static" not in str(stored)
    listing = check_page(client.get("/mandates/?lang=en").get_data(as_text=True))
    assert "Waiting for verification" in listing.get_text()
    with client.get(f"/mandates/{mandate.id}/file") as download:
        assert download.data == PDF and download.mimetype == "application/pdf"


def test_a_belgian_company_is_not_a_foreign_employer(client, mandatary):
    soup = check_page(add_employer(client, country="BE").get_data(as_text=True))
    assert "outside Belgium" in field_error(soup, "country")


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (EXE, "mandate.pdf", "The file must be a PDF file."),
        (b"", "empty.pdf", "The selected file is empty."),
        (PDF + b"0" * (400 * 1024), "big.pdf", "The file is larger than 0.3 MB."),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "scan.pdf", "The file must be a PDF file."),
    ],
)
def test_bad_mandate_files_are_refused_and_the_choices_kept(
    app, client, mandatary, content, name, message
):
    add_employer(client)
    # Small enough for the test client to keep the body in memory (no temporary file).
    app.config["MANDATE_MAX_BYTES"] = 300 * 1024
    try:
        response = upload(client, the_employer().id, content=content, name=name, start="2026-Q3")
    finally:
        app.config["MANDATE_MAX_BYTES"] = 10 * 1024 * 1024
    soup = check_page(response.get_data(as_text=True))
    assert any(message.split(".")[0] in item for item in error_summary(soup)), error_summary(soup)
    assert soup.find(id="start_quarter").find("option", selected=True)["value"] == "2026-Q3"
    assert db.session.scalar(select(Mandate)) is None


def test_the_end_cannot_come_before_the_start(client, mandatary):
    add_employer(client)
    soup = check_page(
        upload(client, the_employer().id, start="2026-Q3", end="2026-Q1").get_data(as_text=True)
    )
    assert "cannot be before" in field_error(soup, "end_quarter")


def test_another_mandatary_cannot_see_or_use_the_employer(app, client, mandatary):
    add_employer(client)
    upload(client, the_employer().id)
    mandate = db.session.scalar(select(Mandate))
    other = app.test_client()
    make_user("other@mandates.example", Role.MANDATARY)
    login(other, "other@mandates.example")
    assert other.get(f"/mandates/employers/{the_employer().id}/mandate").status_code == 404
    assert other.get(f"/mandates/{mandate.id}/file").status_code == 404
    assert "Montage GmbH" not in other.get("/mandates/").get_data(as_text=True)


def test_an_employer_cannot_open_the_mandate_pages(app, client):
    make_user("emp@example.be")
    login(client, "emp@example.be")
    assert client.get("/mandates/").status_code == 403


def test_officer_verifies_a_mandate_and_the_mandatary_is_told(app, client, mandatary, mailbox):
    add_employer(client)
    upload(client, the_employer().id)
    mandate = db.session.scalar(select(Mandate))
    officer = app.test_client()
    make_user("officer@flanders.example", Role.OFFICER)
    login(officer, "officer@flanders.example")
    queue = check_page(officer.get("/backoffice/mandates?lang=en").get_data(as_text=True))
    assert "Montage GmbH" in queue.get_text()
    with officer.get(f"/mandates/{mandate.id}/file") as download:
        assert download.data == PDF
    response = officer.post(f"/backoffice/mandates/{mandate.id}", data={"decision": "verify"})
    assert response.headers["Location"] == "/backoffice/mandates"
    assert mandate.status == MandateStatus.VERIFIED
    assert mandate.is_current(date(2026, 1, 1)) and not mandate.is_current(date(2025, 12, 31))
    assert (
        mandates.current_mandate(mandatary.mandatary_id, the_employer().id, date(2026, 6, 1))
        == mandate
    )
    message = mailbox.last_to("m@mandates.example")
    assert message["Subject"] == "Your mandate has been verified"
    # A decided mandate cannot be decided again.
    again = officer.post(
        f"/backoffice/mandates/{mandate.id}?lang=en", data={"decision": "reject", "reason": "x"}
    )
    assert mandate.status == MandateStatus.VERIFIED
    assert again.status_code == 200


def test_a_rejection_needs_a_reason_which_the_mandatary_reads(app, client, mandatary, mailbox):
    add_employer(client)
    upload(client, the_employer().id)
    mandate = db.session.scalar(select(Mandate))
    officer = app.test_client()
    make_user("officer@flanders.example", Role.OFFICER)
    login(officer, "officer@flanders.example")
    soup = check_page(
        officer.post(
            f"/backoffice/mandates/{mandate.id}?lang=en", data={"decision": "reject"}
        ).get_data(as_text=True)
    )
    assert "Give the reason for the rejection." in field_error(soup, "reason")
    assert mandate.status == MandateStatus.PENDING
    officer.post(
        f"/backoffice/mandates/{mandate.id}",
        data={"decision": "reject", "reason": "Not signed by the employer"},
    )
    assert mandate.status == MandateStatus.REJECTED
    assert "Not signed by the employer" in text_of(mailbox.last_to("m@mandates.example"))
    assert (
        mandates.current_mandate(mandatary.mandatary_id, the_employer().id, date(2026, 6, 1))
        is None
    )


def test_a_mandatary_cannot_decide_its_own_mandate(client, mandatary):
    add_employer(client)
    upload(client, the_employer().id)
    mandate = db.session.scalar(select(Mandate))
    assert (
        client.post(f"/backoffice/mandates/{mandate.id}", data={"decision": "verify"}).status_code
        == 403
    )
    assert mandate.status == MandateStatus.PENDING


@pytest.mark.parametrize(
    ("starts", "ends", "on", "current"),
    [
        (date(2026, 1, 1), None, date(2026, 1, 1), True),
        (date(2026, 1, 1), None, date(2025, 12, 31), False),
        (date(2026, 1, 1), date(2026, 3, 31), date(2026, 3, 31), True),
        (date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 1), False),
    ],
)
def test_a_mandate_is_current_only_inside_its_quarters(starts, ends, on, current):
    mandate = Mandate(starts_on=starts, ends_on=ends, status=MandateStatus.VERIFIED)
    assert mandate.is_current(on) is current
    mandate.status = MandateStatus.PENDING
    assert mandate.is_current(on) is False


def test_quarters():
    assert mandates.parse_quarter("2026-Q4") == (2026, 4)
    assert mandates.parse_quarter("2026-Q5") is None
    assert mandates.quarter_end(2026, 1) == date(2026, 3, 31)
    assert mandates.quarter_end(2026, 4) == date(2026, 12, 31)


def test_a_professional_card_mandate_is_its_own_kind(client, mandatary):
    from portal.accounts.models import MandateKind

    add_employer(client, name="Amara Okafor", country="NG", registration_number="A0123")
    person = the_employer()
    response = client.post(
        f"/mandates/employers/{person.id}/mandate?lang=en",
        data={
            "file": (io.BytesIO(PDF), "mandate.pdf"),
            "start_quarter": "2026-Q1",
            "end_quarter": "",
            "kind": "professional_card",
        },
        content_type="multipart/form-data",
    )
    assert response.headers["Location"] == "/mandates/"
    mandate = db.session.scalar(select(Mandate))
    assert mandate.kind == MandateKind.PROFESSIONAL_CARD
    mandate.status = MandateStatus.VERIFIED
    day = date(2026, 2, 1)
    card = MandateKind.PROFESSIONAL_CARD
    assert mandates.current_mandate(mandatary.mandatary_id, person.id, day, card) is mandate
    assert mandates.current_mandate(mandatary.mandatary_id, person.id, day) is None
    listing = check_page(client.get("/mandates/?lang=en").get_data(as_text=True))
    assert "A professional card for a person" in listing.get_text()
    for wrong in ("everything", "", " ", "professional_card\x00", "EMPLOYER"):
        hostile = client.post(
            f"/mandates/employers/{person.id}/mandate?lang=en",
            data={
                "file": (io.BytesIO(PDF), "mandate.pdf"),
                "start_quarter": "2026-Q1",
                "kind": wrong,
            },
            content_type="multipart/form-data",
        )
        assert hostile.status_code == 200, repr(wrong)
        assert field_error(check_page(hostile.get_data(as_text=True)), "kind"), repr(wrong)
    assert db.session.scalar(select(func.count()).select_from(Mandate)) == 1


# The officers' list of mandates to verify, a page at a time ----------------------------


def _waiting(count: int) -> list[Mandate]:
    """`count` waiting mandates of as many foreign employers, uploaded a minute apart (the
    first oldest), and two of them at the same moment (the id breaks the tie)."""
    from datetime import timedelta

    from portal import clock
    from tests.factories import ForeignEmployerFactory, MandateFactory

    start = clock.now() - timedelta(days=30)
    made = []
    for n in range(count):
        employer = ForeignEmployerFactory(name=f"Firma {n:03d} <GmbH>")
        moment = start + timedelta(minutes=min(n, count - 2))  # the last two tie
        made.append(MandateFactory(foreign_employer=employer, created_at=moment))
    db.session.commit()
    return made


def _names(soup) -> list[str]:
    return [row.select("td")[1].get_text(strip=True) for row in soup.select("table tbody tr")]


def test_the_mandates_to_verify_come_a_page_at_a_time_oldest_first(app, client):
    waiting = _waiting(53)
    officer = make_user("officer@flanders.example", Role.OFFICER)
    login(client, officer.email)
    soup = check_page(client.get("/backoffice/mandates?lang=en").get_data(as_text=True))
    first = _names(soup)
    assert first == [f"Firma {n:03d} <GmbH> (DE)" for n in range(50)]  # escaped, as text
    later = soup.select_one("nav.pagination a[rel=next]")["href"]
    assert later == f"/backoffice/mandates?after={waiting[49].id}"
    # The mandate that marks the place is verified meanwhile: the next page still follows it.
    client.post(f"/backoffice/mandates/{waiting[49].id}", data={"decision": "verify"})
    soup = check_page(client.get(later + "&lang=en").get_data(as_text=True))
    assert _names(soup) == [f"Firma {n:03d} <GmbH> (DE)" for n in (50, 51, 52)]
    assert soup.select_one("nav.pagination a[rel=next]") is None
    assert soup.select_one("nav.pagination a[rel=first]")["href"] == "/backoffice/mandates"
    assert "Firma 049 <GmbH>: Verified" in soup.get_text()  # recently decided, on every page


def _some_decided(count: int, decided: int) -> list[Mandate]:
    """`count` mandates uploaded in order, the first `decided` of them verified since."""
    from portal import clock

    mandates_ = _waiting(count)
    for mandate in mandates_[:decided]:
        mandate.status, mandate.decided_at = MandateStatus.VERIFIED, clock.now()
    db.session.commit()
    return mandates_


def test_the_mandates_page_reads_its_indexes_in_order_and_sorts_nothing(db_session):
    """The waiting mandates (first page and past it) and the latest decisions are read in
    the order of an index: no sort of every mandate waiting or ever decided, which would
    grow with them."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL uses the same btree indexes")
    waiting = _some_decided(40, 10)
    db.session.execute(db.text("ANALYZE mandate"))
    officer = make_user("officer@flanders.example", Role.OFFICER)
    for after in (None, str(waiting[20].id)):
        plans = sorted_plans(functools.partial(mandates.pending_page, officer, after, per_page=5))
        assert plans and all("TEMP B-TREE" not in plan for plan in plans), plans
        assert "ix_mandate_queue" in plans[-1], plans
    plans = sorted_plans(functools.partial(mandates.recent_decisions, officer))
    assert plans == [plans[0]] and "ix_mandate_decided" in plans[0], plans
    assert "TEMP B-TREE" not in plans[0], plans


def test_on_postgresql_the_latest_decisions_walk_no_waiting_mandate(db_session):
    """PostgreSQL sorts a mandate without a decision's moment (a waiting one) last in the
    moments' index, so first in the walk back from the latest: the latest decisions must
    start past them, or they read every waiting mandate before the first decision (9,000
    at 100,000 files, and more as the list grows)."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("SQLite sorts the empty moments first: the walk back never meets them")
    waiting = _some_decided(30, 3)
    officer = make_user("officer@flanders.example", Role.OFFICER)
    decided = []
    plans = walked_plans(lambda: decided.extend(mandates.recent_decisions(officer)))
    assert [row.id for row in decided] == [m.id for m in reversed(waiting[:3])]
    assert len(plans) == 1 and "ix_mandate_decided" in plans[0], plans
    assert "Rows Removed by Filter" not in plans[0], plans


@pytest.mark.parametrize(
    "cursor",
    [
        "abc",
        "-1",
        "0",
        "1.5",
        "01",
        str(10**30),
        "99999",
        "%00",
        "1 OR 1=1",
        "٣",
        "\x00",
        "1\r\n2",
        "9" * 100_000,
    ],
)
def test_a_mandate_cursor_that_names_no_mandate_is_refused(client, cursor):
    _waiting(2)
    login(client, make_user("officer@flanders.example", Role.OFFICER).email)
    response = client.get("/backoffice/mandates", query_string={"after": cursor, "lang": "en"})
    assert response.status_code == 400
    assert "The request could not be understood" in response.get_data(as_text=True)


def test_the_mandates_page_reads_as_much_with_three_waiting_as_with_fifty(client):
    login(client, make_user("officer@flanders.example", Role.OFFICER).email)
    _waiting(3)
    few, _page = statements_of(client, "/backoffice/mandates")
    _waiting(50)
    decided = db.session.scalars(select(Mandate).limit(5)).all()
    for mandate in decided:
        mandate.status, mandate.decided_at = MandateStatus.VERIFIED, mandate.created_at
    db.session.commit()
    many, _page = statements_of(client, "/backoffice/mandates")
    assert len(many) == len(few)


def _mandates_page(client, lang: str):
    return check_page(client.get(f"/backoffice/mandates?lang={lang}").get_data(as_text=True))


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_each_waiting_mandate_shows_what_was_typed_escaped_in_the_page_language(client, lang):
    """The rows are written in Python (portal/backoffice/mandate_rows.py): what a mandatary
    typed is shown as typed, never as markup, nor read as a format ("%(name)s", "{0}");
    the moment and the link read in the page's language; each row links to its mandate."""
    from portal.i18n import _, force_locale, format_datetime
    from tests.factories import ForeignEmployerFactory, MandataryFactory, MandateFactory

    hostile = HOSTILE_MARKUP
    acme = MandataryFactory(name="<i>Acme</i> & Zonen")
    mandate = MandateFactory(
        foreign_employer=ForeignEmployerFactory(name=hostile, country="FR", mandatary=acme)
    )
    plain = MandateFactory(foreign_employer=ForeignEmployerFactory(name="Firma %(name)s {0}"))
    db.session.commit()
    login(client, make_user("officer@flanders.example", Role.OFFICER).email)
    soup = unmarked_page(client, f"/backoffice/mandates?lang={lang}")
    rows = linked_row_cells(soup)
    expected = {}
    with force_locale(lang):
        for shown, employer, mandatary in [
            (mandate, f"{hostile} (FR)", "<i>Acme</i> & Zonen"),
            (plain, "Firma %(name)s {0} (DE)", "Mandates BV"),
        ]:
            expected[shown.id] = [
                format_datetime(shown.created_at, "short"),
                employer,
                mandatary,
                _("Check the mandate of %(name)s", name=shown.foreign_employer.name),
            ]
    assert rows == {
        id_: [" ".join(cell.split()) for cell in cells] for id_, cells in expected.items()
    }
    links = [a["href"] for a in soup.select("table tbody tr a")]
    assert links == [f"/backoffice/mandates/{mandate.id}", f"/backoffice/mandates/{plain.id}"]
    for link in links:
        assert client.get(f"{link}?lang={lang}").status_code == 200


def test_a_kept_row_shows_the_mandate_as_it_is_now(app, client):
    """A row once written is kept (`mandate_rows.STORE`) under the values it shows, not the
    mandate's id alone: the same mandate, its employer and mandatary renamed since, shows
    the new names, never the row kept from before."""
    from portal.backoffice import mandate_rows
    from tests.factories import MandateFactory

    mandate = MandateFactory()
    db.session.commit()
    login(client, make_user("officer@flanders.example", Role.OFFICER).email)
    before = linked_row_cells(_mandates_page(client, "en"))[mandate.id]
    assert before[1:] == ["Bouw GmbH (DE)", "Mandates BV", "Check the mandate of Bouw GmbH"]
    kept = app.extensions[mandate_rows.STORE]["en"].rows
    assert any(mandate.id in values for _url, values in kept), "the row is kept"
    employer = mandate.foreign_employer
    employer.name, employer.country, employer.mandatary.name = "Bau AG", "AT", "Nieuw BV"
    db.session.commit()
    after = linked_row_cells(_mandates_page(client, "en"))[mandate.id]
    assert after == [before[0], "Bau AG (AT)", "Nieuw BV", "Check the mandate of Bau AG"]


# The mandatary's own foreign employers, a page at a time ----------------------------------


def _represented(user, count: int, *, mandates_each: int = 1, name: str = "Firma {n:03d}"):
    """`count` foreign employers of `user`'s mandatary, each with verified mandates in force."""
    from portal.accounts.models import User
    from tests.factories import ForeignEmployerFactory, MandateFactory

    user = db.session.get(User, user.id)  # a page asked since may have closed its session
    made = []
    for n in range(count):
        employer = ForeignEmployerFactory(mandatary=user.mandatary, name=name.format(n=n))
        for _ in range(mandates_each):
            MandateFactory(foreign_employer=employer, uploaded_by=user, verified=True)
        made.append(employer)
    db.session.commit()
    return made


def _employer_names(soup) -> list[str]:
    return [h2.get_text(strip=True) for h2 in soup.select("section.card h2")]


def test_the_foreign_employers_come_a_page_at_a_time_by_name_each_once(client, mandatary):
    from tests.factories import ForeignEmployerFactory

    made = _represented(mandatary, 51, name="Firma {n:03d} <b>&amp;</b>")
    twins = _represented(mandatary, 2, name="Firma 049 <b>&amp;</b>")  # ties broken by id
    ForeignEmployerFactory(name="Aaa of another mandatary")  # never shown
    db.session.commit()
    soup = check_page(client.get("/mandates/?lang=en").get_data(as_text=True))
    expected = sorted([(e.name, e.id) for e in made + twins], key=lambda pair: (pair[0], pair[1]))
    assert _employer_names(soup) == [name for name, _id in expected[:50]]  # escaped, as text
    assert len(soup.select("tbody tr")) == 50  # each with its mandate
    later = soup.select_one("nav.pagination a[rel=next]")["href"]
    assert later == f"/mandates/?after={expected[49][1]}"
    soup = check_page(client.get(later + "&lang=en").get_data(as_text=True))
    assert _employer_names(soup) == [name for name, _id in expected[50:]]
    assert soup.select_one("nav.pagination a[rel=next]") is None
    assert soup.select_one("nav.pagination a[rel=first]")["href"] == "/mandates/"
    assert "You have not added a foreign employer yet." not in soup.get_text()


def test_a_page_past_the_last_employer_links_back_and_does_not_say_there_are_none(
    client, mandatary
):
    (last,) = _represented(mandatary, 1)
    soup = check_page(client.get(f"/mandates/?after={last.id}&lang=en").get_data(as_text=True))
    assert _employer_names(soup) == []
    assert "You have not added a foreign employer yet." not in soup.get_text()
    assert soup.select_one("nav.pagination a[rel=first]")["href"] == "/mandates/"


def test_the_employers_page_reads_as_much_with_three_employers_as_with_sixty(client, mandatary):
    _represented(mandatary, 3, mandates_each=2)
    few, _page = statements_of(client, "/mandates/?lang=en")
    _represented(mandatary, 57, mandates_each=2, name="Later {n:03d}")
    many, page = statements_of(client, "/mandates/?lang=en")
    assert len(many) == len(few)
    assert page.count('<section class="card"') == 50 and 'rel="next"' in page


@pytest.mark.parametrize(
    "cursor",
    ["abc", "-1", "0", "01", "1.5", str(10**30), "٣", "1\x002", "1\r\n2", "%00", "1 OR 1=1"]
    + ["9" * 100_000, "99999"],
)
def test_an_employer_cursor_that_names_none_of_mine_is_refused(client, mandatary, cursor):
    _represented(mandatary, 2)
    response = client.get("/mandates/", query_string={"after": cursor, "lang": "de"})
    assert response.status_code == 400
    h1 = check_page(response.get_data(as_text=True)).h1.get_text(" ", strip=True)
    assert h1 == "Ihre Anfrage konnte nicht verarbeitet werden"  # translated, no stack trace


def test_another_mandatarys_employer_is_no_cursor(client, mandatary):
    from tests.factories import ForeignEmployerFactory

    _represented(mandatary, 2)
    theirs = ForeignEmployerFactory(name="Zzz of another mandatary")
    db.session.commit()
    response = client.get(f"/mandates/?after={theirs.id}&lang=en")
    assert response.status_code == 400  # as a made-up id: its name's place is not told


# Whom a mandatary may file for, on the start pages --------------------------------------------


def _choices(client, url: str, field: str) -> list[str]:
    soup = check_page(client.get(url).get_data(as_text=True))
    return [
        o.get_text(strip=True) for o in soup.select(f"select[name={field}] option") if o["value"]
    ]


def test_the_start_pages_offer_only_parties_with_a_mandate_of_their_kind_in_force(
    client, mandatary
):
    from datetime import timedelta

    from portal import clock
    from portal.accounts.models import MandateKind
    from tests.factories import ForeignEmployerFactory, MandateFactory

    today = clock.today()

    def party(name: str, **mandate) -> None:
        employer = ForeignEmployerFactory(mandatary=mandatary.mandatary, name=name)
        if mandate:
            MandateFactory(foreign_employer=employer, uploaded_by=mandatary, **mandate)

    party("B in force", verified=True)
    party("A ends today", verified=True, ends_on=today)
    party("Ended yesterday", verified=True, ends_on=today - timedelta(days=1))
    party("Starts tomorrow", verified=True, starts_on=today + timedelta(days=1))
    party("Waiting", status=MandateStatus.PENDING)
    party("Rejected", status=MandateStatus.REJECTED)
    party("No mandate")
    party("Card person", verified=True, kind=MandateKind.PROFESSIONAL_CARD)
    ForeignEmployerFactory(name="Another mandatary's")  # with no mandate of ours
    MandateFactory(foreign_employer=ForeignEmployerFactory(name="Theirs"), verified=True)
    db.session.commit()
    assert _choices(client, "/applications/new?lang=en", "foreign_employer") == [
        "A ends today",
        "B in force",
    ]
    assert _choices(client, "/applications/new-card?lang=en", "person") == ["Card person"]


def test_the_start_page_reads_as_much_for_two_employers_as_for_forty(client, mandatary):
    _represented(mandatary, 2)
    few, _page = statements_of(client, "/applications/new?lang=en")
    _represented(mandatary, 38, name="Later {n:03d}")
    many, page = statements_of(client, "/applications/new?lang=en")
    assert len(many) == len(few)
    assert page.count('<option value="') == 41  # "Choose an employer" and the forty


@pytest.mark.parametrize("kind", ["employer", "professional_card"])
def test_the_rule_in_sql_and_in_python_agree_on_every_mandate(db_session, kind):
    from datetime import timedelta

    from portal.accounts.models import MandateKind
    from tests.factories import ForeignEmployerFactory, MandateFactory

    kind = MandateKind(kind)
    on = date(2026, 6, 30)
    employer = ForeignEmployerFactory()
    uploader = make_user("uploader@mandates.example", Role.MANDATARY)
    days = [timedelta(days=d) for d in (-1, 0, 1)]
    for status in MandateStatus:
        for each_kind in MandateKind:
            for start in days:
                for end in [None, *days]:
                    MandateFactory(
                        foreign_employer=employer,
                        uploaded_by=uploader,
                        status=status,
                        kind=each_kind,
                        starts_on=on + start,
                        ends_on=None if end is None else on + end,
                    )
    db.session.flush()
    everything = db.session.scalars(select(Mandate)).all()
    in_sql = set(db.session.scalars(select(Mandate.id).where(Mandate.current_clause(on, kind))))
    in_python = {m.id for m in everything if m.kind == kind and m.is_current(on)}
    # Verified, of the kind, started (yesterday or today) and not ended (open, today, tomorrow).
    assert in_sql == in_python and len(in_python) == 2 * 3
