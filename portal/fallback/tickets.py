"""Helpdesk tickets: anyone reports a technical problem; agents answer, note and resolve.

The requester reaches the ticket through a secret link in every e-mail (no account
needed); each agent reply and the resolution are e-mailed in the ticket's language.
Internal notes never leave the desk. Services take an explicit actor and never commit.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from flask_babel import format_decimal
from sqlalchemy import Index, and_, case, func, or_, select

from portal import clock, links, mail, paging, uploads
from portal.accounts.models import Role, User
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
# Waiting tickets first (0), then the rest (1); inside each, the longest waiting first.
_WAITING_FIRST = case((HelpdeskTicket.status == TicketStatus.OPEN, 0), else_=1)


def desk_queue(actor: User, state: str = "open", limit: int = PER_PAGE) -> list[HelpdeskTicket]:
    """The first page of the desk (see `desk_page`)."""
    return desk_page(actor, state, per_page=limit).tickets


@dataclass(frozen=True)
class DeskPage:
    """A page of the desk; `later` is the cursor of the next page (None on the last)."""

    tickets: list[HelpdeskTicket]
    later: int | None
    first: bool


def desk_page(
    actor: User, state: str = "open", after: str | None = None, per_page: int | None = None
) -> DeskPage:
    """Tickets for the desk, waiting ones first, the longest waiting at the top, a page after
    the ticket `after` (keyset on the sort keys, so page 100 costs what page 1 does).

    The cursor is any ticket's id (agents see every ticket; one that changed state since the
    page before still marks the place); garbage or no such ticket raises `Invalid`.
    """
    require_agent(actor)
    per_page = per_page or PER_PAGE
    rank = _WAITING_FIRST
    query = select(HelpdeskTicket)
    if state in {s.value for s in TicketStatus}:
        query = query.where(HelpdeskTicket.status == TicketStatus(state))
    if paging.given(after):
        ticket_id = paging.cursor_id(after)
        row = db.session.execute(
            select(rank, HelpdeskTicket.updated_at).where(HelpdeskTicket.id == ticket_id)
        ).first()
        if row is None:
            raise paging.refused()
        waiting, updated_at = row
        query = query.where(
            or_(
                rank > waiting,
                and_(
                    rank == waiting,
                    or_(
                        HelpdeskTicket.updated_at > updated_at,
                        and_(
                            HelpdeskTicket.updated_at == updated_at,
                            HelpdeskTicket.id > ticket_id,
                        ),
                    ),
                ),
            )
        )
    found = list(
        db.session.scalars(
            query.order_by(
                _WAITING_FIRST, HelpdeskTicket.updated_at.asc(), HelpdeskTicket.id
            ).limit(per_page + 1)
        )
    )
    later = found[per_page - 1].id if len(found) > per_page else None
    return DeskPage(found[:per_page], later, not paging.given(after))


# The desk's badges count up to COUNT_CAP tickets each and say "1,000+" beyond: each count
# reads at most COUNT_CAP + 1 entries of the status index, however many tickets pile up.
COUNT_CAP = 1000


def _capped_count(status: TicketStatus):
    limited = (
        select(HelpdeskTicket.id).where(HelpdeskTicket.status == status).limit(COUNT_CAP + 1)
    ).subquery()
    return select(func.count()).select_from(limited).scalar_subquery()


def desk_counts(actor: User) -> dict[str, str]:
    """The waiting and the answered tickets, as the desk shows them ("12", "1,000+"), in
    one statement."""
    require_agent(actor)
    shown = (TicketStatus.OPEN, TicketStatus.ANSWERED)
    row = db.session.execute(select(*(_capped_count(status) for status in shown))).one()
    return {
        status.value: (
            f"{format_decimal(COUNT_CAP)}+" if count > COUNT_CAP else format_decimal(count)
        )
        for status, count in zip(shown, row, strict=True)
    }


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
