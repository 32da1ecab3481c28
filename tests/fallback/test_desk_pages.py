"""The helpdesk desk a page at a time (keyset on waiting first, longest waiting, id): never
more than a page, hostile cursors a clean 400, nothing skipped or doubled when tickets
arrive between two pages."""

from __future__ import annotations

import functools
from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import clock
from portal.errors import Invalid
from portal.extensions import db
from portal.fallback import tickets
from portal.fallback.models import HelpdeskTicket, TicketStatus
from tests.factories import HelpdeskFactory, reported_ticket
from tests.support import (
    HOSTILE_MARKUP,
    PASSWORD,
    linked_row_cells,
    login,
    sorted_plans,
    unmarked_page,
)


@pytest.fixture
def agent(db_session):
    return HelpdeskFactory()


@pytest.fixture
def request_context(app):
    with app.test_request_context("/?lang=en"):
        yield


def _tickets(count: int, status=TicketStatus.OPEN, hours_ago: int = 0) -> list[int]:
    made = []
    for n in range(count):
        ticket = reported_ticket("Jan Peeters", f"jan{n}@example.be")
        ticket.status = status
        made.append(ticket)
    db.session.flush()
    base = clock.now() - timedelta(hours=hours_ago)
    for n, ticket in enumerate(made):  # two share a moment: the id breaks the tie
        ticket.updated_at = base + timedelta(minutes=n // 2)
    db.session.flush()
    return [ticket.id for ticket in made]


def _walk(agent, state: str, per_page: int, after: str | None = None) -> list[list[int]]:
    pages = []
    while True:
        page = tickets.desk_page(agent, state, after, per_page=per_page)
        pages.append([ticket.id for ticket in page.tickets])
        if page.later is None:
            return pages
        after = str(page.later)


def test_pages_never_hold_more_than_their_size_waiting_tickets_first(request_context, agent):
    answered = _tickets(3, TicketStatus.ANSWERED, hours_ago=48)
    waiting = _tickets(4, hours_ago=24)
    pages = _walk(agent, "all", 3)
    assert [len(page) for page in pages] == [3, 3, 1]
    assert [i for page in pages for i in page] == waiting + answered
    assert [i for page in _walk(agent, "answered", 2) for i in page] == answered


def test_tickets_arriving_between_two_pages_are_neither_skipped_nor_doubled(request_context, agent):
    older = _tickets(5, hours_ago=24)
    first = tickets.desk_page(agent, "all", per_page=2)
    newer = _tickets(3)  # arrive while the agent reads page 1
    rest = [i for page in _walk(agent, "all", 2, str(first.later)) for i in page]
    seen = [t.id for t in first.tickets] + rest
    assert seen == older + newer  # the longest waiting first; each once
    assert len(set(seen)) == len(seen)


def test_the_desk_shows_at_most_a_page_and_links_the_next(client, agent, monkeypatch):
    monkeypatch.setattr(tickets, "PER_PAGE", 2)
    ids = _tickets(3, hours_ago=1)
    db.session.commit()
    login(client, agent.email, PASSWORD)
    html = client.get("/helpdesk/desk?lang=en").get_data(as_text=True)
    assert html.count("/helpdesk/desk/tickets/") == 2
    assert f"after={ids[1]}" in html
    html = client.get(f"/helpdesk/desk?state=open&after={ids[1]}&lang=en").get_data(as_text=True)
    assert html.count("/helpdesk/desk/tickets/") == 1 and f"/tickets/{ids[2]}" in html
    assert 'rel="next"' not in html


@pytest.mark.parametrize(
    "cursor",
    ["abc", "-1", "0", "007", "1e3", " 5", "1.5", str(10**30), str(2**63), "9" * 19, "2000000000"],
)
def test_a_hostile_cursor_is_a_clean_400(client, agent, cursor):
    _tickets(1)
    db.session.commit()
    login(client, agent.email, PASSWORD)
    response = client.get("/helpdesk/desk", query_string={"after": cursor})
    assert response.status_code == 400


def test_no_ticket_no_cursor(request_context, agent):
    with pytest.raises(Invalid):
        tickets.desk_page(agent, "all", "123456789")


def test_the_badges_are_exact_up_to_the_cap_and_capped_beyond(client, agent, monkeypatch):
    monkeypatch.setattr(tickets, "COUNT_CAP", 3)
    _tickets(3)
    _tickets(5, TicketStatus.ANSWERED, hours_ago=2)
    _tickets(2, TicketStatus.RESOLVED, hours_ago=3)
    db.session.commit()
    login(client, agent.email, PASSWORD)
    html = client.get("/helpdesk/desk?lang=en").get_data(as_text=True)
    assert "3 waiting for the helpdesk, 3+ answered." in " ".join(html.split())


def test_all_tickets_come_waiting_first_then_answered_and_resolved_merged_by_activity(
    request_context, agent
):
    """ "All": the waiting tickets, then the answered and the resolved ones together, each
    group the oldest activity first; pages of two cross from one group and one status to
    the next without skipping or doubling any."""
    answered = _tickets(3, TicketStatus.ANSWERED, hours_ago=50)
    resolved = _tickets(4, TicketStatus.RESOLVED, hours_ago=49)  # between the answered ones
    waiting = _tickets(3, hours_ago=1)
    moments = {
        ticket.id: (ticket.updated_at, ticket.id)
        for ticket in db.session.scalars(
            select(HelpdeskTicket).where(HelpdeskTicket.id.in_(answered + resolved))
        )
    }
    pages = _walk(agent, "all", 2)
    assert all(len(page) <= 2 for page in pages)
    assert [i for page in pages for i in page] == waiting + sorted(moments, key=moments.get)
    assert [i for page in _walk(agent, "resolved", 3) for i in page] == resolved
    # A cursor in the second group goes on from there, waiting tickets not shown again.
    second = tickets.desk_page(agent, "all", str(waiting[-1]), per_page=3)
    assert [t.id for t in second.tickets] == sorted(moments, key=moments.get)[:3]


def test_a_desk_page_reads_index_ranges_in_their_order_and_sorts_nothing(request_context, agent):
    """Each statement of a page reads the desk's index (status, last activity, id) in its
    order: no sort of every ticket of a state, which would grow with the tickets."""
    if db.engine.dialect.name != "sqlite":
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's; PostgreSQL uses the same btree index")
    _tickets(30, TicketStatus.ANSWERED, hours_ago=5)
    _tickets(30, TicketStatus.RESOLVED, hours_ago=4)
    cursor = _tickets(30, hours_ago=1)[10]
    db.session.execute(db.text("ANALYZE helpdesk_ticket"))
    for state, after in (("open", None), ("all", None), ("all", str(cursor)), ("resolved", None)):
        plans = sorted_plans(functools.partial(tickets.desk_page, agent, state, after, per_page=5))
        assert plans, state
        for text in plans:
            assert "ix_helpdesk_ticket_desk" in text and "TEMP B-TREE" not in text, text


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
def test_each_row_shows_the_requesters_words_escaped_and_the_status_in_the_page_language(
    client, agent, lang
):
    """The rows are written in Python (portal/fallback/desk_rows.py): what a requester
    typed is shown as they typed it, never as markup; the status and the moment read in
    the page's language; each ticket links to its page."""

    from portal.fallback.models import TICKET_STATUS_TITLES
    from portal.i18n import force_locale, format_datetime

    hostile = HOSTILE_MARKUP
    ticket = reported_ticket(hostile[:200], "o'brien+<b>@example.be", "<i>Acme</i> & Zonen")
    plain = reported_ticket("Jan", "jan@example.be", "")
    db.session.commit()
    login(client, agent.email, PASSWORD)
    soup = unmarked_page(client, f"/helpdesk/desk?lang={lang}")
    rows = linked_row_cells(soup)
    with force_locale(lang):
        waiting = str(TICKET_STATUS_TITLES[TicketStatus.OPEN])
        moment = format_datetime(ticket.updated_at, "short")
    assert rows[ticket.id] == [
        ticket.number,
        " ".join(f"{hostile} o'brien+<b>@example.be".split()),
        "<i>Acme</i> & Zonen",
        waiting,
        " ".join(moment.split()),
    ]
    assert rows[plain.id][2] == "–"  # no organisation given
    assert client.get(f"/helpdesk/desk/tickets/{ticket.id}").status_code == 200
