"""The blank-form page lists the organisation's drafts: only the drafts are read from the
database (one statement), not every file the organisation ever filed, and a page at a time,
newest first."""

from __future__ import annotations

import pytest

from portal import paging
from portal.accounts.models import Role
from portal.extensions import db
from portal.fallback import formpdf
from tests.factories import DossierFactory, EmployerFactory
from tests.support import check_page, login, make_user, statements_of, statements_sent


def test_only_the_drafts_are_read(db_session):
    employer = EmployerFactory()
    drafts = [DossierFactory(owner=employer).id for _ in range(2)]
    for _ in range(3):
        DossierFactory(owner=employer, submitted=True)
    DossierFactory(owner=EmployerFactory())  # another organisation's draft
    db.session.flush()
    with statements_sent() as seen:
        found = [dossier.id for dossier in formpdf.drafts(employer).items]
    assert found == sorted(drafts, reverse=True)
    assert len(seen) == 1 and "dossier.status = " in seen[0].split("WHERE", 1)[1]


def test_someone_who_files_nothing_has_no_drafts_to_list(db_session):
    """An agent belongs to no organisation or mandatary: no file is theirs, not every one."""
    DossierFactory()
    agent = make_user("agent@helpdesk.example", Role.HELPDESK)
    page = formpdf.drafts(agent)
    assert page.items == [] and page.later is None and page.first


def _drafts_page(client, url: str) -> tuple[list[int], str | None, str | None]:
    """(the drafts' ids shown, the next page's link, the first page's link)."""
    soup = check_page(client.get(url).get_data(as_text=True))
    ids = [
        int(a["href"].split("/")[3])
        for a in soup.select("table tbody a")
        if a["href"].endswith("/form.pdf")
    ]
    nav = soup.select_one("nav.pagination")
    following = nav.select_one("a[rel=next]") if nav else None
    first = nav.select_one("a[rel=first]") if nav else None
    return ids, following and following["href"], first and first["href"]


def test_the_drafts_come_a_page_at_a_time_newest_first_each_once(client, db_session, monkeypatch):
    monkeypatch.setattr(paging, "PER_PAGE", 2)
    user = make_user("eva@bouw.be")
    mine = [
        DossierFactory(
            owner=user, worker_first_name="<script>alert(1)</script>", worker_last_name="Ø"
        ).id
        for _ in range(5)
    ]
    DossierFactory(owner=user, submitted=True)  # filed: not a draft
    DossierFactory()  # another organisation's draft
    db.session.flush()
    login(client, user.email)
    url, seen, pages = "/helpdesk/drafts?lang=en", [], 0
    while url:
        ids, url, first = _drafts_page(client, url)
        assert (first is None) == (pages == 0)  # a link back to page 1 past the first page
        seen += ids
        pages += 1
    assert seen == sorted(mine, reverse=True) and pages == 3
    body = client.get("/helpdesk/drafts?lang=en").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Ø" in body and "<script>alert" not in body


def test_a_page_past_the_last_draft_links_back_and_does_not_say_there_are_none(client, db_session):
    user = make_user("eva@bouw.be")
    draft = DossierFactory(owner=user)
    db.session.flush()
    login(client, user.email)
    ids, following, first = _drafts_page(client, f"/helpdesk/drafts?lang=en&before={draft.id}")
    assert ids == [] and following is None and first == "/helpdesk/drafts"
    body = client.get(f"/helpdesk/drafts?lang=en&before={draft.id}").get_data(as_text=True)
    assert "You have no drafts" not in body
    assert "You have no drafts" not in client.get("/helpdesk/drafts?lang=en").get_data(as_text=True)


def test_the_drafts_page_costs_the_same_statements_with_few_and_many_drafts(client, db_session):
    user = make_user("eva@bouw.be")
    DossierFactory(owner=user)
    db.session.flush()
    login(client, user.email)
    few, _ = statements_of(client, "/helpdesk/drafts?lang=en")
    for _ in range(paging.PER_PAGE + 3):
        DossierFactory(owner=user)
    db.session.flush()
    many, body = statements_of(client, "/helpdesk/drafts?lang=en")
    assert len(many) == len(few)
    assert body.count("/form.pdf") == paging.PER_PAGE and 'rel="next"' in body


@pytest.mark.parametrize(
    "cursor",
    ["abc", "-1", "0", "01", "1.5", str(10**30), "٣", "1\x002", "1\r\n2", "%00", "1 OR 1=1"]
    + ["9" * 100_000],
)
def test_a_cursor_that_cannot_be_a_draft_is_refused(client, db_session, cursor):
    user = make_user("eva@bouw.be")
    login(client, user.email)
    response = client.get("/helpdesk/drafts", query_string={"before": cursor, "lang": "fr"})
    assert response.status_code == 400
    h1 = check_page(response.get_data(as_text=True)).h1.get_text(" ", strip=True)
    assert h1 == "Votre demande n'a pas pu être traitée"  # translated, and no stack trace
