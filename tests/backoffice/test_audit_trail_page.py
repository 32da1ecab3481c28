"""The officer's file page shows its audit trail a page at a time: the latest entries, and a
link to the older ones (keyset on the entry id), so the page stays the same size however
often the file is opened (each opening adds an entry)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select

from portal import audit
from portal.audit import AuditEntry
from portal.dossiers.lifecycle.models import StatusEvent
from portal.extensions import db
from tests.factories import InfoRequestFactory, QueuedDossierFactory


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(audit, "TRAIL_PER_PAGE", 3)


def _entries(dossier, count: int, action: str = "claim") -> list[int]:
    entries = [audit.record(action, dossier_id=dossier.id) for _ in range(count)]
    db.session.commit()
    return [e.id for e in entries]


def _trail(html: str) -> tuple[list[str], dict[str, str]]:
    """The rows of the audit trail's table and its page links (rel → href)."""
    soup = BeautifulSoup(html, "html.parser")
    table = soup.find(id="audit-trail").find_next("table")
    rows = [tr.get_text(" ", strip=True) for tr in table.tbody.find_all("tr")]
    nav = table.find_next_sibling("nav")
    links = {a["rel"][0]: a["href"] for a in nav.find_all("a")} if nav else {}
    return rows, links


def _trail_ids(dossier_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(AuditEntry.id).where(AuditEntry.dossier_id == dossier_id).order_by(AuditEntry.id)
        )
    )


def test_the_page_shows_the_latest_entries_and_links_the_older(client, officer, small_pages):
    dossier = QueuedDossierFactory()
    _entries(dossier, 7)
    html = client.get(f"/backoffice/dossiers/{dossier.id}?lang=en").get_data(as_text=True)
    rows, links = _trail(html)
    ids = _trail_ids(dossier.id)  # the factory's entries, 7 claims and this opening
    assert len(ids) >= 8
    assert len(rows) == 3
    assert "opened the file" in rows[-1]  # the latest last: oldest first on the page
    assert set(links) == {"prev"} and f"trail_before={ids[-3]}" in links["prev"]
    seen = 3
    while "prev" in links:
        html = client.get(links["prev"].split("#")[0] + "&lang=en").get_data(as_text=True)
        rows, links = _trail(html)
        assert 0 < len(rows) <= 3
        assert "first" in links  # back to the latest entries
        seen += len(rows)
    # Each page opened the file once more: those entries are newer, never on an older page.
    assert seen == len(ids)


def test_a_short_trail_has_no_page_links(client, officer):
    dossier = QueuedDossierFactory()
    html = client.get(f"/backoffice/dossiers/{dossier.id}?lang=en").get_data(as_text=True)
    rows, links = _trail(html)
    assert len(rows) == len(_trail_ids(dossier.id)) <= audit.TRAIL_PER_PAGE
    assert links == {}


def test_the_page_never_shows_more_than_its_size(client, officer):
    dossier = QueuedDossierFactory()
    _entries(dossier, audit.TRAIL_PER_PAGE * 2 + 5)
    html = client.get(f"/backoffice/dossiers/{dossier.id}").get_data(as_text=True)
    rows, links = _trail(html)
    assert len(rows) == audit.TRAIL_PER_PAGE and "prev" in links


@pytest.mark.parametrize(
    "cursor",
    ["abc", "-1", "0", "007", "1e3", " 5", "1.5", str(10**30), str(2**63), "9" * 19, "%00"],
)
def test_a_hostile_cursor_is_a_clean_400(client, officer, cursor):
    dossier = QueuedDossierFactory()
    _entries(dossier, 2)
    before = _trail_ids(dossier.id)
    response = client.get(
        f"/backoffice/dossiers/{dossier.id}", query_string={"trail_before": cursor}
    )
    assert response.status_code == 400
    # Refused before the opening is written: a refused page leaves no trace.
    assert _trail_ids(dossier.id) == before


def test_another_files_entry_is_no_cursor(client, officer):
    dossier, other = QueuedDossierFactory(), QueuedDossierFactory()
    _entries(dossier, 2)
    foreign = _entries(other, 2)
    url = f"/backoffice/dossiers/{dossier.id}?trail_before={foreign[-1]}"
    assert client.get(url).status_code == 400
    own = _trail_ids(dossier.id)[-1]
    assert client.get(f"/backoffice/dossiers/{dossier.id}?trail_before={own}").status_code == 200


def test_two_files_opened_in_turn_each_show_only_their_own_trail(client, officer, small_pages):
    """The trail's, the history's and the requests' statements are built once and kept:
    each view binds its own file, also on the pages after a cursor."""
    first = InfoRequestFactory(question="Asked of the first file only").dossier
    second = QueuedDossierFactory()
    db.session.add(
        StatusEvent(
            dossier_id=second.id, to_status=second.status, reason="Reason of the second file only"
        )
    )
    _entries(first, 4, action="claim")
    _entries(second, 4, action="download")
    pages = {}
    for dossier, own, other in ((first, "took", "downloaded"), (second, "downloaded", "took")):
        html = client.get(f"/backoffice/dossiers/{dossier.id}?lang=en").get_data(as_text=True)
        rows, links = _trail(html)
        assert any(own in row for row in rows) and not any(other in row for row in rows)
        older = client.get(links["prev"].split("#")[0] + "&lang=en").get_data(as_text=True)
        rows, _links = _trail(older)
        assert any(own in row for row in rows) and not any(other in row for row in rows)
        pages[dossier.id] = html
    assert "Asked of the first file only" in pages[first.id]
    assert "Asked of the first file only" not in pages[second.id]
    assert "Reason of the second file only" in pages[second.id]
    assert "Reason of the second file only" not in pages[first.id]


def test_each_row_says_what_the_entry_says_for_every_kind_of_author(client, officer, app):
    """The page reads its trail as plain rows: each row's sentence is the one the stored
    entry gives (`describe_entry` of the ORM entry), whoever wrote it: an officer, an
    administrator, an employer, a closed account, the exchange with the Immigration Office,
    or the portal, and a hostile detail is shown as text."""
    from portal import clock
    from portal.api.models import ApiClient
    from portal.backoffice.services import describe_entry
    from tests.factories import AdminFactory, EmployerFactory, OfficerFactory

    dossier = QueuedDossierFactory()
    hostile = '<img src=x onerror=alert(1)>\u202e"; DROP TABLE audit_entry; --'
    officer_b = OfficerFactory(name="An <b>Peeters</b>")
    admin = AdminFactory(name="Ward Admin")
    employer = EmployerFactory(name="Eva Employer")
    closed = OfficerFactory(name="Lea Closed")
    closed.anonymised_at = clock.now()
    exchange = ApiClient(name="DVZ", key_prefix="dvz-trail", key_hash="0" * 64, scopes="")
    db.session.add(exchange)
    db.session.flush()
    audit.record("download", dossier_id=dossier.id, actor_id=officer_b.id, detail=hostile)
    audit.record("info:document", dossier_id=dossier.id, actor_id=admin.id, detail="passport x")
    audit.record("claim", dossier_id=dossier.id, actor_id=employer.id)
    audit.record("claim", dossier_id=dossier.id, actor_id=closed.id)
    audit.record("status:granted", dossier_id=dossier.id, api_client_id=exchange.id)
    audit.record("status:nonsense", dossier_id=dossier.id)
    audit.record("no-such-action", dossier_id=dossier.id, detail=hostile)
    db.session.commit()
    html = client.get(f"/backoffice/dossiers/{dossier.id}?lang=en").get_data(as_text=True)
    assert "<img src=x" not in html and "<b>Peeters" not in html
    rows, _links = _trail(html)
    stored = audit.trail(dossier.id)[-len(rows) :]
    assert len(rows) == len(stored) >= 8
    with app.test_request_context("/?lang=en"):
        expected = [f"{_when(e)} {describe_entry(e)}" for e in stored]
    assert rows == expected
    page = " ".join(rows)
    for said in [
        "Officer An <b>Peeters</b>",
        "Administrator Ward Admin",
        "Eva Employer",
        "A closed account",
        "exchange with the Immigration Office",
        "The portal",
        hostile,
    ]:
        assert said in page, said
    assert "Lea Closed" not in page


def _when(entry) -> str:
    from portal.i18n import format_datetime

    return format_datetime(entry.at, "short")


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_each_trail_row_is_the_entrys_sentence_escaped_in_the_page_language(client, officer, lang):
    """The rows are written in Python (portal/backoffice/trail_rows.py): a person's name and
    an entry's detail show as written, never as markup; the moment and the sentence read
    in the page's language, as `describe_entry` words them."""
    from portal import clock
    from portal.backoffice.services import describe_entry
    from portal.i18n import force_locale, format_datetime
    from tests.factories import OfficerFactory
    from tests.support import HOSTILE_MARKUP as HOSTILE
    from tests.support import unmarked_page

    dossier = QueuedDossierFactory()
    colleague = OfficerFactory(name=f"<i>{HOSTILE}</i>")
    closed = OfficerFactory(name="<b>Gone</b>", anonymised_at=clock.now())
    made = [
        audit.record("claim", dossier_id=dossier.id, actor_id=colleague.id),
        audit.record("brand.new_action", dossier_id=dossier.id, actor_id=officer.id),
        audit.record("download", dossier_id=dossier.id, actor_id=closed.id, detail=HOSTILE),
        audit.record("status:submitted", dossier_id=dossier.id),
    ]
    db.session.commit()
    soup = unmarked_page(client, f"/backoffice/dossiers/{dossier.id}?lang={lang}")
    table = soup.find(id="audit-trail").find_next("table")
    rows = [[td.get_text() for td in tr.select("td")] for tr in table.tbody.find_all("tr")]
    entries = {e.id: e for e in audit.trail_page(dossier.id).entries}
    with force_locale(lang):
        expected = [
            [format_datetime(entries[e.id].at, "short"), describe_entry(entries[e.id], {})]
            for e in made
        ]
    assert all(row in rows for row in expected), (expected, rows)
    assert expected[0][1].endswith(".") and HOSTILE in expected[0][1]


def test_a_kept_trail_row_follows_its_actor(client, officer):
    """Rows are kept under their values: once its actor's account is closed, a row reads
    as it does now, not as it was written."""
    from portal import clock
    from tests.factories import OfficerFactory

    dossier = QueuedDossierFactory()
    colleague = OfficerFactory(name="Piet Peeters")
    audit.record("claim", dossier_id=dossier.id, actor_id=colleague.id)
    db.session.commit()
    url = f"/backoffice/dossiers/{dossier.id}?lang=en"
    rows, _links = _trail(client.get(url).get_data(as_text=True))
    assert any("Officer Piet Peeters took the file." in row for row in rows)
    colleague.anonymised_at = clock.now()
    db.session.commit()
    rows, _links = _trail(client.get(url).get_data(as_text=True))
    assert not any("Piet Peeters" in row for row in rows)
    assert any("A closed account took the file." in row for row in rows)
