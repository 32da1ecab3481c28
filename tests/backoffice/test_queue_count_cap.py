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


def _counts(client, url: str = "/backoffice/dossiers?lang=en") -> tuple[str, int]:
    """The caption one view shows, and how many count statements it sent."""
    with statements_sent() as seen:
        html = client.get(url).get_data(as_text=True)
    start = html.index("<caption>") + len("<caption>")
    caption = " ".join(html[start : html.index("</caption>", start)].split())
    return caption, sum("count(" in s.lower() for s in seen)


def test_a_capped_count_is_kept_and_an_exact_one_is_read_every_time(client, officer, monkeypatch):
    """ "4+" needs five index entries read once, not on every view; "of 3" is read anew
    each time, so the caption never lags behind the files."""
    monkeypatch.setattr(queue, "COUNT_CAP", 4)
    _queue(3)
    assert _counts(client) == ("Files 1 to 3 of 3", 1)
    assert _counts(client) == ("Files 1 to 3 of 3", 1)  # exact: counted again
    _queue(2)
    assert _counts(client) == ("Files 1 to 5 of 4+", 1)
    assert _counts(client) == ("Files 1 to 5 of 4+", 0)  # capped: kept
    assert _counts(client) == ("Files 1 to 5 of 4+", 0)
    # Another cap is another count (a setting changed, or another list of the same shape).
    monkeypatch.setattr(queue, "COUNT_CAP", 10)
    assert _counts(client) == ("Files 1 to 5 of 5", 1)


def test_a_change_committed_in_this_process_is_counted_at_once(client, officer, monkeypatch):
    """Deciding files drops the queue below the cap: the next view counts it exactly."""
    monkeypatch.setattr(queue, "COUNT_CAP", 4)
    _queue(6)
    assert _counts(client) == ("Files 1 to 6 of 4+", 1)
    assert _counts(client)[1] == 0
    from portal.dossiers.models import Dossier, DossierStatus

    for dossier in db.session.scalars(db.select(Dossier).limit(3)):
        dossier.status = DossierStatus.WORK_AUTHORISED
    db.session.commit()
    assert _counts(client) == ("Files 1 to 3 of 3", 1)


def test_a_kept_count_is_not_used_past_its_age_nor_with_changes_not_yet_committed(
    client, officer, monkeypatch
):
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    _queue(3)
    assert _counts(client)[1] == 1
    assert _counts(client)[1] == 0
    monkeypatch.setattr(queue, "CAPPED_MAX_AGE", 0.0)  # a change elsewhere shows this late
    assert _counts(client) == ("Files 1 to 3 of 2+", 1)
    monkeypatch.setattr(queue, "CAPPED_MAX_AGE", 60.0)
    assert _counts(client)[1] == 0
    # A file added in this session and not committed: what the count reads may be the
    # session's own, so nothing kept is used, and nothing it reads is kept.
    QueuedDossierFactory(owner=EmployerFactory())
    db.session.flush()
    with statements_sent() as seen:
        page = queue.dossier_queue(officer)
    assert page.total == 3 and sum("count(" in s.lower() for s in seen) == 1
    db.session.rollback()


def test_each_officers_own_files_are_counted_apart(client, officer, monkeypatch):
    """ "Files I took" is a filter per officer: one officer's kept "2+" is not another's."""
    monkeypatch.setattr(queue, "COUNT_CAP", 2)
    employer = EmployerFactory()
    other = OfficerFactory()
    for _ in range(3):
        QueuedDossierFactory(owner=employer, assigned_officer_id=officer.id)
    QueuedDossierFactory(owner=employer, assigned_officer_id=other.id)
    db.session.commit()
    mine = "/backoffice/dossiers?owner=mine&lang=en"
    assert _counts(client, mine) == ("Files 1 to 3 of 2+", 1)
    assert _counts(client, mine)[1] == 0
    assert queue.dossier_queue(other, owner="mine").total == 1
    assert queue.dossier_queue(officer, owner="mine").total == 3  # kept: cap + 1
