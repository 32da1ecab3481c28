""" "My applications" a page at a time (keyset): a page never grows with the number of files,
and a cursor that is not one of the actor's own files is refused with a 400."""

from __future__ import annotations

import re

import pytest

from portal.dossiers import access
from portal.extensions import db
from tests.factories import DossierFactory, EmployerFactory
from tests.support import PASSWORD, check_page, login

ROW = re.compile(r'<a href="/applications/(\d+)">')
NEXT = re.compile(r'href="/applications/\?before=(\d+)" rel="next"')


@pytest.fixture
def employer(client):
    user = EmployerFactory()
    login(client, user.email, PASSWORD)
    return user


def _rows(html: str) -> list[int]:
    return [int(n) for n in ROW.findall(html)]


def _page(client, before: int | str | None = None):
    url = "/applications/?lang=en" + (f"&before={before}" if before is not None else "")
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    html = response.get_data(as_text=True)
    following = NEXT.search(html)
    return _rows(html), int(following.group(1)) if following else None, html


def test_a_few_files_fit_on_one_page_without_links(client, employer):
    made = [DossierFactory(owner=employer).id for _ in range(3)]
    rows, following, html = _page(client)
    assert rows == sorted(made, reverse=True)
    assert following is None and 'class="pagination"' not in html


def test_pages_never_grow_and_walk_every_file_once_newest_first(client, employer):
    made = [DossierFactory(owner=employer).id for _ in range(2 * access.PER_PAGE + 3)]
    DossierFactory()  # someone else's file is never listed
    seen, sizes, before = [], [], None
    while True:
        rows, before, html = _page(client, before)
        sizes.append(len(rows))
        seen += rows
        if before is None:
            break
        assert rows[-1] == before  # the cursor is the last row shown
    assert sizes == [access.PER_PAGE, access.PER_PAGE, 3]
    assert seen == sorted(made, reverse=True)
    assert 'rel="first"' in check_page(html).decode()  # back to the newest from a later page


def test_the_service_holds_at_most_its_page_size_whatever_the_count(employer):
    for count in range(12):
        page = access.dossiers_page(employer, per_page=5)
        assert len(page.dossiers) == min(count, 5)
        assert (page.older is not None) == (count > 5)
        DossierFactory(owner=employer)


def test_the_oldest_file_as_cursor_shows_an_empty_page_not_the_first(client, employer):
    oldest = DossierFactory(owner=employer).id
    DossierFactory(owner=employer)
    rows, following, html = _page(client, oldest)
    assert rows == [] and following is None
    assert 'href="/applications/" rel="first"' in check_page(html).decode()  # to the newest
    assert "You have no applications yet." not in html


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",
        "-1",
        "0",
        "007",
        "1e3",
        " 5",
        "5%00",
        "١٢",  # Arabic-Indic digits: int() would take them
        str(10**30),
        str(2**63),
        "9" * 19,
        "1" * 5000,
    ],
)
def test_hostile_cursors_are_refused(client, employer, cursor):
    DossierFactory(owner=employer)
    response = client.get("/applications/", query_string={"before": cursor})
    assert response.status_code == 400


def test_another_employers_file_as_cursor_is_refused_like_a_missing_one(client, employer):
    mine = DossierFactory(owner=employer)
    theirs = DossierFactory(reference="SP-2026-THEIRS-X")
    newer = DossierFactory(owner=employer)
    db.session.commit()  # a refused request rolls back; the files stay (a savepoint here)
    refused = client.get(f"/applications/?before={theirs.id}")
    missing = client.get(f"/applications/?before={theirs.id + 1000}")
    assert refused.status_code == missing.status_code == 400
    assert "SP-2026-THEIRS-X" not in refused.get_data(as_text=True)
    rows, _, _ = _page(client, newer.id)  # one's own file is a good cursor
    assert rows == [mine.id]


def test_each_row_links_to_its_file_and_shows_its_status(app, client, employer):
    from flask import url_for

    made = DossierFactory(owner=employer)
    rows, _following, html = _page(client)
    assert rows == [made.id]
    # The list builds the file's address from its own (once, not per row): the route's.
    with app.test_request_context():
        assert url_for("applications.task_list", dossier_id=made.id) == f"/applications/{made.id}"
    assert client.get(f"/applications/{made.id}").status_code == 200
    tag = check_page(html).select_one(f"td strong.tag-{made.status.value}")
    assert tag is not None and tag.get_text(strip=True)
