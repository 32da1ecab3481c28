"""Statements per page: the dashboard, "my applications" and the officer queue send the same
number of statements to the database with few files or many (no N+1), within a budget.

Counted with SQLAlchemy's `before_cursor_execute` on the engine, for one GET, after a
warm-up GET (caches of the first request are no page's cost).
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from portal.backoffice import queue
from portal.extensions import db
from tests.factories import DossierFactory, EmployerFactory, InfoRequestFactory, OfficerFactory
from tests.support import PASSWORD, login

# At most this many statements a page, whatever the number of files (measured on SQLite:
# dashboard 1, my applications 3, officer queue 3 on its first page and 5 past it; a little
# room, never a row's worth).
BUDGET = {"/dashboard": 3, "/applications/": 4, "/backoffice/dossiers": 8}


def statements(client, url: str) -> list[str]:
    """The statements one GET of `url` runs (after a warm-up GET of the same page)."""
    assert client.get(url).status_code == 200
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 200, response.status_code
    return seen


def show(sql: list[str]) -> str:
    return "\n".join(s.split("\n")[0][:160] for s in sql)


@pytest.fixture
def employer(client):
    user = EmployerFactory()
    login(client, user.email, PASSWORD)
    return user


@pytest.fixture
def officer(client):
    user = OfficerFactory()
    login(client, user.email, PASSWORD)
    return user


def _files(employer, count: int, **traits) -> None:
    for _ in range(count):
        DossierFactory(owner=employer, **traits)
    db.session.commit()


@pytest.mark.parametrize("url", ["/dashboard", "/applications/"])
def test_employer_pages_do_not_grow_with_the_files(client, employer, url):
    _files(employer, 2, submitted=True)
    few = statements(client, url)
    _files(employer, 8, submitted=True)
    _files(employer, 3)
    InfoRequestFactory(answered=True, dossier=DossierFactory(owner=employer, submitted=True))
    db.session.commit()
    many = statements(client, url)
    assert len(many) == len(few), show(many)
    assert len(many) <= BUDGET[url], show(many)


def test_my_applications_still_says_back_with_the_officer_after_an_answer(client, employer):
    answered = DossierFactory(owner=employer, submitted=True)
    InfoRequestFactory(answered=True, dossier=answered)
    DossierFactory(owner=employer, submitted=True)
    html = client.get("/applications/?lang=en").get_data(as_text=True)
    assert html.count("Back with the officer") == 1
    assert html.count(">Submitted<") == 1


@pytest.mark.parametrize("cursor", [False, True])
def test_officer_queue_does_not_grow_with_the_files(client, officer, cursor):
    owners = [EmployerFactory() for _ in range(6)]
    for owner in owners[:2]:
        _files(owner, 1, submitted=True)
    first = queue.dossier_queue(officer).rows[0].dossier.id
    # Past the first page: the cursor's file is read, and the files before are counted.
    url = f"/backoffice/dossiers?after={first}" if cursor else "/backoffice/dossiers"
    few = statements(client, url)
    for owner in owners[2:]:
        _files(owner, 1, submitted=True)
        _files(owner, 1, in_review=True, officer=officer)
    many = statements(client, url)
    assert len(many) == len(few), show(many)
    assert len(many) <= BUDGET["/backoffice/dossiers"], show(many)
