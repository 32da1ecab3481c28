"""Retention of helpdesk tickets: two years after the ticket was resolved (by default).

*anonymise* keeps the ticket as a record of the helpdesk's work (number, status, language,
the dates it was opened and resolved, the kinds and dates of its thread entries, the agents
who answered, the proofs it gave and what they were used for) and takes the requester out:
name, e-mail, organisation, the account it was linked to, what they tried and the error
they saw, the screenshot (its stored file too), the text of every entry of the thread, and
the address a proof was bound to. The link the requester was e-mailed stops working (a new
random access token). *delete* removes the ticket with its thread; a ticket that gave a
proof stays (the proof is the record of an e-mail filing) and is reported.

Either way the audit entries naming no file that hold the requester's address or the
address a proof was bound to (the proof issued to it, say) are redacted
(`audit.redact_mentions`); the chain still verifies.

Only resolved tickets count: one still open or answered has no end yet.
"""

from __future__ import annotations

import secrets

from sqlalchemy import exists, select, update

from portal import audit, uploads
from portal.extensions import db
from portal.fallback.models import HelpdeskTicket, Proof, TicketEntry, TicketStatus
from portal.privacy.batches import Outcome, Pass, count, ended_before, records_in_batches
from portal.privacy.schedule import ANONYMISE, Entry


def helpdesk_tickets(entry: Entry, p: Pass) -> Outcome:
    cutoff = entry.period.before(p.now)
    resolved = HelpdeskTicket.status == TicketStatus.RESOLVED
    due = ended_before(HelpdeskTicket, HelpdeskTicket.resolved_at, cutoff, resolved)
    outcome = Outcome(entry.series, entry.action, cutoff)
    if entry.action != ANONYMISE:
        with_proof = exists().where(Proof.ticket_id == HelpdeskTicket.id)
        outcome.left = [f"ticket {i} (proof)" for i in db.session.scalars(due.where(with_proof))]
        due = due.where(~with_proof)
    outcome.due = count(due)
    for tickets in records_in_batches(outcome, p, due, HelpdeskTicket, "ticket"):
        for ticket in tickets:
            if entry.action == ANONYMISE:
                outcome.unredacted += anonymise_ticket(ticket, p).legacy
            else:
                outcome.unredacted += _redact_addresses(ticket, p).legacy
                _discard_screenshot(ticket)
                db.session.delete(ticket)  # its thread goes with it (delete-orphan)
            outcome.done += 1
    return outcome


def _redact_addresses(ticket: HelpdeskTicket, p: Pass) -> audit.Redaction:
    """Redact the file-less audit entries holding the ticket's addresses (see module)."""
    bound = db.session.scalars(select(Proof.email).where(Proof.ticket_id == ticket.id))
    return audit.redact_mentions([ticket.requester_email, *bound], now=p.now)


def anonymise_ticket(ticket: HelpdeskTicket, p: Pass) -> audit.Redaction:
    """Take the requester out of `ticket` (see this module); the caller commits."""
    redaction = _redact_addresses(ticket, p)
    _discard_screenshot(ticket)
    ticket.requester_name = ""
    ticket.requester_email = ""
    ticket.organisation_name = None
    ticket.organisation_kbo = None
    ticket.user_id = None
    ticket.tried = ""
    ticket.error_text = ""
    ticket.screenshot_name = None
    ticket.access_token = secrets.token_hex(32)  # the e-mailed link opens nothing any more
    ticket.anonymised_at = p.now
    db.session.execute(
        update(TicketEntry)
        .where(TicketEntry.ticket_id == ticket.id)
        .values(body="")
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Proof)
        .where(Proof.ticket_id == ticket.id)
        .values(email="")
        .execution_options(synchronize_session=False)
    )
    return redaction


def _discard_screenshot(ticket: HelpdeskTicket) -> None:
    uploads.discard_if_stored(ticket.screenshot_stored_name)  # once the commit has gone through
    ticket.screenshot_stored_name = None
