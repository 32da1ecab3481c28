"""Helpdesk tickets: anyone reports a technical problem; agents answer, note and resolve.

The requester reaches the ticket through a secret link in every e-mail (no account
needed); each agent reply and the resolution are e-mailed in the ticket's language.
Internal notes never leave the desk. Services take an explicit actor and never commit.
"""

from __future__ import annotations

import functools
import heapq
import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import format_decimal
from sqlalchemy import Index, Row, Select, func, select

from portal import clock, links, mail, paging, uploads
from portal.accounts.models import Role, User
from portal.db import constant, equals
from portal.dossiers.references import ALPHABET
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.fallback.models import EntryKind, HelpdeskTicket, TicketEntry, TicketStatus
from portal.i18n import _
from portal.reference import normalise_kbo

AGENTS = (Role.HELPDESK, Role.ADMIN)
SCREENSHOT_KINDS = ("png", "jpeg", "pdf")


def require_agent(actor: User | None) -> User:
    if actor is None or actor.role not in AGENTS:
        raise NotAllowed
    return actor


def _new_number(year: int) -> str:
    while True:
        number = f"HD-{year}-" + "".join(secrets.choice(ALPHABET) for _ in range(6))
        if db.session.scalar(select(HelpdeskTicket.id).where(HelpdeskTicket.number == number)):
            continue
        return number


def ticket_link(ticket: HelpdeskTicket) -> str:
    return links.external("helpdesk.ticket", token=ticket.access_token)


def open_ticket(
    actor: User | None,
    *,
    name: str,
    email: str,
    organisation_name: str | None,
    organisation_kbo: str | None,
    tried: str,
    error_text: str,
    locale: str,
    screenshot: tuple[bytes, str] | None = None,
    today: date | None = None,
) -> HelpdeskTicket:
    """Record a reported problem and e-mail its number to the requester."""
    today = today or clock.today()
    kbo = None
    if organisation_kbo and organisation_kbo.strip():
        kbo = normalise_kbo(organisation_kbo)
        if kbo is None:
            raise Invalid({"organisation_kbo": [_("This is not a valid enterprise number.")]})
    ticket = HelpdeskTicket(
        number=_new_number(today.year),
        access_token=secrets.token_urlsafe(32),
        requester_name=name.strip(),
        requester_email=email.strip().lower(),
        organisation_name=(organisation_name or "").strip() or None,
        organisation_kbo=kbo,
        user_id=actor.id if actor is not None and actor.is_authenticated else None,
        locale=locale,
        tried=tried.strip(),
        error_text=error_text.strip(),
        status=TicketStatus.OPEN,
    )
    if screenshot is not None:
        data, file_name = screenshot
        stored = uploads.store(
            data,
            file_name,
            SCREENSHOT_KINDS,
            current_app.config.get("HELPDESK_SCREENSHOT_MAX_BYTES", 5 * 1024 * 1024),
            field="screenshot",
        )
        ticket.screenshot_name = stored.file_name
        ticket.screenshot_stored_name = stored.stored_name
        ticket.screenshot_mime = stored.mime
        ticket.screenshot_sha256 = stored.sha256
    db.session.add(ticket)
    db.session.flush()
    mail.queue(
        ticket.requester_email,
        "fallback_ticket_received",
        ticket.locale,
        name=ticket.requester_name,
        number=ticket.number,
        link=ticket_link(ticket),
    )
    return ticket


def ticket_by_token(token: str) -> HelpdeskTicket:
    ticket = db.session.scalar(select(HelpdeskTicket).where(HelpdeskTicket.access_token == token))
    if ticket is None or not secrets.compare_digest(ticket.access_token, token):
        raise NotFound
    return ticket


def visible_entries(ticket: HelpdeskTicket) -> list[TicketEntry]:
    """What the requester sees: everything but the agents' internal notes."""
    return [entry for entry in ticket.entries if entry.kind != EntryKind.NOTE]


def requester_reply(ticket: HelpdeskTicket, body: str) -> TicketEntry:
    """The requester adds to the thread; the ticket goes back to the helpdesk."""
    body = _required_text(body, "body")
    entry = TicketEntry(ticket=ticket, kind=EntryKind.REQUESTER, body=body)
    db.session.add(entry)
    ticket.status = TicketStatus.OPEN
    ticket.resolved_at = ticket.resolved_by_id = None
    ticket.updated_at = clock.now()
    return entry


def _required_text(body: str, field: str) -> str:
    body = (body or "").strip()
    if not body:
        raise Invalid({field: [_("Write a message.")]})
    return body


# --- the agents' desk ---------------------------------------------------------------------

QUEUE_STATES = ("open", "answered", "resolved", "all")


PER_PAGE = paging.PER_PAGE
# The desk a page at a time: one index range per status, longest waiting first.
# Migration 20261202_speedb_letters_and_desk.
Index(
    "ix_helpdesk_ticket_desk", HelpdeskTicket.status, HelpdeskTicket.updated_at, HelpdeskTicket.id
)
# The desk's order: the waiting tickets first, then the answered and the resolved ones
# together; inside each group the longest waiting (the oldest activity) first, then by id.
_GROUPS = ((TicketStatus.OPEN,), (TicketStatus.ANSWERED, TicketStatus.RESOLVED))


def desk_queue(actor: User, state: str = "open", limit: int = PER_PAGE) -> list[Row]:
    """The first page of the desk (see `desk_page`)."""
    return desk_page(actor, state, per_page=limit).tickets


# What the desk's list shows of a ticket (portal/fallback/desk_rows.py): read as rows, not
# as whole tickets with what the requester tried and the error they saw.
DESK_COLUMNS = (
    HelpdeskTicket.id,
    HelpdeskTicket.number,
    HelpdeskTicket.requester_name,
    HelpdeskTicket.requester_email,
    HelpdeskTicket.organisation_name,
    HelpdeskTicket.status,
    HelpdeskTicket.updated_at,
)


@dataclass(frozen=True)
class DeskPage:
    """A page of the desk; `later` is the cursor of the next page (None on the last)."""

    tickets: list[Row]  # DESK_COLUMNS of each ticket, not the whole ticket
    later: int | None
    first: bool


def desk_page(
    actor: User, state: str = "open", after: str | None = None, per_page: int | None = None
) -> DeskPage:
    """Tickets for the desk, waiting ones first, the longest waiting at the top, a page after
    the ticket `after` (keyset on the sort keys, so page 100 costs what page 1 does).

    Each status is read in the order of its index range (status, last activity, id), at
    most a page of it, and the answered and the resolved ones are merged here: one
    statement ordered by the group over all tickets made the database sort every ticket of
    the states shown, which grows with the tickets (issue 15). A page takes one statement
    per status it reaches (one for a single state, at most three for "all").

    The cursor is any ticket's id (agents see every ticket; one that changed state since the
    page before still marks the place); garbage or no such ticket raises `Invalid`.
    """
    require_agent(actor)
    per_page = per_page or PER_PAGE
    shown = {TicketStatus(state)} if state in {s.value for s in TicketStatus} else set(TicketStatus)
    place = None  # (group, last activity, id) of the cursor's ticket
    if paging.given(after):
        ticket_id = paging.cursor_id(after)
        row = db.session.execute(
            select(HelpdeskTicket.status, HelpdeskTicket.updated_at).where(
                HelpdeskTicket.id == ticket_id
            )
        ).first()
        if row is None:
            raise paging.refused()
        group = next(n for n, members in enumerate(_GROUPS) if row.status in members)
        place = (group, row.updated_at, ticket_id)
    found: list[Row] = []
    for group, members in enumerate(_GROUPS):
        if place is not None and group < place[0]:
            continue  # wholly before the cursor
        past = place[1:] if place is not None and group == place[0] else None
        wanted = per_page + 1 - len(found)
        # Each run reads up to a whole page, not only what is still wanted: one statement
        # per status, whose size is written in (`_oldest_first`), rather than one per count.
        runs = [_oldest_first(status, past, per_page) for status in members if status in shown]
        merged = heapq.merge(*runs, key=lambda ticket: (ticket.updated_at, ticket.id))
        found += list(merged)[:wanted]
        if len(found) > per_page:
            break
    later = found[per_page - 1].id if len(found) > per_page else None
    return DeskPage(found[:per_page], later, not paging.given(after))


def _oldest_first(status: TicketStatus, past: tuple | None, per_page: int) -> list[Row]:
    """At most `per_page` + 1 tickets of `status` (the one past the page says another
    follows), the oldest activity first, past (last activity, id) when given: one range of
    the desk's index, read in its order."""
    # The status and the size written in (`db.constant`): PostgreSQL plans a first page once.
    query = select(*DESK_COLUMNS).where(equals(HelpdeskTicket.status, status))
    if past is not None:
        query = query.where(paging.beyond(HelpdeskTicket.updated_at, HelpdeskTicket.id, *past))
    order = (HelpdeskTicket.updated_at, HelpdeskTicket.id)
    return list(db.session.execute(query.order_by(*order).limit(constant(per_page + 1))))


# The desk's badges count up to COUNT_CAP tickets each and say "1,000+" beyond: each count
# reads at most COUNT_CAP + 1 entries of the status index, however many tickets pile up.
COUNT_CAP = 1000


def _capped_count(status: TicketStatus):
    limited = (
        select(HelpdeskTicket.id)
        .where(equals(HelpdeskTicket.status, status))
        .limit(constant(COUNT_CAP + 1))
    ).subquery()
    return select(func.count()).select_from(limited).scalar_subquery()


def desk_counts(actor: User) -> dict[str, str]:
    """The waiting and the answered tickets, as the desk shows them ("12", "1,000+"), in
    one statement."""
    require_agent(actor)
    row = db.session.execute(_counts_statement()).one()
    return {
        status.value: (
            f"{format_decimal(COUNT_CAP)}+" if count > COUNT_CAP else format_decimal(count)
        )
        for status, count in zip(_COUNTED, row, strict=True)
    }


_COUNTED = (TicketStatus.OPEN, TicketStatus.ANSWERED)


@functools.cache
def _counts_statement() -> Select:
    """The desk's two capped counts as one statement, built once per process (building it
    cost about as much as running it)."""
    return select(*(_capped_count(status) for status in _COUNTED))


def get_ticket(actor: User, ticket_id: int) -> HelpdeskTicket:
    require_agent(actor)
    ticket = db.session.get(HelpdeskTicket, ticket_id)
    if ticket is None:
        raise NotFound
    return ticket


def reply(actor: User, ticket_id: int, body: str) -> TicketEntry:
    """An agent answers; the requester gets the answer by e-mail."""
    ticket = get_ticket(actor, ticket_id)
    body = _required_text(body, "body")
    entry = TicketEntry(ticket=ticket, kind=EntryKind.REPLY, author_id=actor.id, body=body)
    db.session.add(entry)
    ticket.status = TicketStatus.ANSWERED
    ticket.resolved_at = ticket.resolved_by_id = None
    ticket.updated_at = clock.now()
    mail.queue(
        ticket.requester_email,
        "fallback_ticket_reply",
        ticket.locale,
        name=ticket.requester_name,
        number=ticket.number,
        body=body,
        link=ticket_link(ticket),
    )
    return entry


def note(actor: User, ticket_id: int, body: str) -> TicketEntry:
    """An internal note: for the agents only, nothing is sent."""
    ticket = get_ticket(actor, ticket_id)
    body = _required_text(body, "body")
    entry = TicketEntry(ticket=ticket, kind=EntryKind.NOTE, author_id=actor.id, body=body)
    db.session.add(entry)
    ticket.updated_at = clock.now()
    return entry


def event(ticket: HelpdeskTicket, actor: User | None, body: str) -> TicketEntry:
    entry = TicketEntry(
        ticket=ticket, kind=EntryKind.EVENT, author_id=actor.id if actor else None, body=body
    )
    db.session.add(entry)
    return entry


def resolve(actor: User, ticket_id: int, message: str = "") -> HelpdeskTicket:
    """Close the ticket, with an optional last word; the requester is told."""
    ticket = get_ticket(actor, ticket_id)
    if ticket.status == TicketStatus.RESOLVED:
        return ticket
    message = (message or "").strip()
    if message:
        db.session.add(
            TicketEntry(ticket=ticket, kind=EntryKind.REPLY, author_id=actor.id, body=message)
        )
    ticket.status = TicketStatus.RESOLVED
    ticket.resolved_at = clock.now()
    ticket.resolved_by_id = actor.id
    ticket.updated_at = ticket.resolved_at
    mail.queue(
        ticket.requester_email,
        "fallback_ticket_resolved",
        ticket.locale,
        name=ticket.requester_name,
        number=ticket.number,
        body=message,
        link=ticket_link(ticket),
    )
    return ticket


def reopen(actor: User, ticket_id: int) -> HelpdeskTicket:
    ticket = get_ticket(actor, ticket_id)
    ticket.status = TicketStatus.OPEN
    ticket.resolved_at = ticket.resolved_by_id = None
    ticket.updated_at = clock.now()
    return ticket
