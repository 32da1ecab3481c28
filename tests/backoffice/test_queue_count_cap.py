"""The queue's size is a capped count: exact up to the cap, "cap+" beyond, and the count
reads no more than cap + 1 rows however long the queue."""

from __future__ import annotations

import pytest

from portal.backoffice import queue
from portal.extensions import db
from tests.factories import EmployerFactory, OfficerFactory, QueuedDossierFactory
from tests.support import PASSWORD, login, statements_sent


@pytest.fixture
def officer(client):
    user = OfficerFactory()
    login(client, user.email, PASSWORD)
    return user


def _queue(count: int) -> None:
    employer = EmployerFactory()
    for _ in range(count):
        QueuedDossierFactory(owner=employer)
    db.session.commit()


def _caption(client) -> str:
    html = client.get("/backoffice/dossiers?lang=en").get_data(as_text=True)
    start = html.index("<caption>") + len("<caption>")
    return " ".join(html[start : html.index("</caption>", start)].split())


def test_the_size_is_exact_up_to_the_cap_and_capped_beyond(client, officer, monkeypatch):
    monkeypatch.setattr(queue, "COUNT_CAP", 4)
    _queue(4)
    assert _caption(client) == "Files 1 to 4 of 4"
    _queue(3)
    assert _caption(client) == "Files 1 to 7 of 4+"
    page = queue.dossier_queue(officer)
    assert page.total == 5 and page.total_capped and len(page.rows) == 7


def test_the_count_reads_at_most_cap_plus_one_rows(app, officer, monkeypatch):
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    _queue(6)
    with statements_sent() as seen:
        queue.dossier_queue(officer)
    [counting] = [s for s in seen if "count(" in s.lower()]
    assert "LIMIT" in counting.upper()
