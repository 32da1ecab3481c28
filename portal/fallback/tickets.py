"""Helpdesk tickets: anyone reports a technical problem; agents answer, note and resolve.

The requester reaches the ticket through a secret link in every e-mail (no account
needed); each agent reply and the resolution are e-mailed in the ticket's language.
Internal notes never leave the desk. Services take an explicit actor and never commit.
"""

from __future__ import annotations

import secrets
from datetime import date

from flask import current_app
from sqlalchemy import case, func, select

from portal import clock, links, mail, uploads
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


def desk_queue(actor: User, state: str = "open", limit: int = 200) -> list[HelpdeskTicket]:
    """Tickets for the desk; waiting ones first, the longest waiting at the top."""
    require_agent(actor)
    query = select(HelpdeskTicket)
    if state in {s.value for s in TicketStatus}:
        query = query.where(HelpdeskTicket.status == TicketStatus(state))
    waiting_first = case((HelpdeskTicket.status == TicketStatus.OPEN, 0), else_=1)
    return list(
        db.session.scalars(
            query.order_by(waiting_first, HelpdeskTicket.updated_at.asc(), HelpdeskTicket.id).limit(
                limit
            )
        )
    )


def desk_counts(actor: User) -> dict[str, int]:
    require_agent(actor)
    rows = db.session.execute(
        select(HelpdeskTicket.status, func.count(HelpdeskTicket.id)).group_by(HelpdeskTicket.status)
    )
    return {status.value: count for status, count in rows}


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
