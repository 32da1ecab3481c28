"""Demo data of the e-mail fallback: a ticket of the demo employer, answered, with a proof.

Call `load()` after `portal.demo.load()` (it needs the demo accounts); it does nothing
when a ticket exists already, and sends no e-mail. Returns the proof's code, or None.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from portal import clock
from portal.accounts.models import User
from portal.extensions import db
from portal.fallback import codes
from portal.fallback.models import EntryKind, HelpdeskTicket, Proof, TicketEntry, TicketStatus

EMPLOYER = "employer@demo.example"
AGENT = "helpdesk@demo.example"


def load() -> str | None:
    if db.session.scalar(select(HelpdeskTicket.id).limit(1)) is not None:
        return None
    employer = db.session.scalar(select(User).where(User.email == EMPLOYER))
    agent = db.session.scalar(select(User).where(User.email == AGENT))
    if employer is None or agent is None or employer.organisation is None:
        return None
    today = clock.today()
    ticket = HelpdeskTicket(
        number=f"HD-{today.year}-DEMAB2",
        access_token=secrets.token_urlsafe(32),
        status=TicketStatus.ANSWERED,
        requester_name=employer.name,
        requester_email=employer.email,
        organisation_name=employer.organisation.name,
        organisation_kbo=employer.organisation.kbo_number,
        user_id=employer.id,
        locale=employer.locale,
        tried="De aanvraag voor een vrachtwagenchauffeur indienen.",
        error_text="Foutmelding 500 bij het indienen, drie keer na elkaar.",
    )
    db.session.add(ticket)
    db.session.add_all(
        [
            TicketEntry(
                ticket=ticket,
                kind=EntryKind.REPLY,
                author_id=agent.id,
                body="We onderzoeken het probleem. Het wordt vandaag niet opgelost.",
            ),
            TicketEntry(
                ticket=ticket,
                kind=EntryKind.NOTE,
                author_id=agent.id,
                body="Bekende fout in de indieningsstap; bewijs voor e-mail gegeven.",
            ),
        ]
    )
    proof = Proof(
        code=f"pending-{secrets.token_hex(12)}",
        ticket=ticket,
        email=employer.email,
        organisation_id=employer.organisation_id,
        expires_on=today + timedelta(days=4),
        issued_by_id=agent.id,
    )
    db.session.add(proof)
    db.session.flush()
    proof.code = codes.make(
        current_app.config["SECRET_KEY"], proof.id, proof.email, proof.expires_on
    )
    db.session.add(
        TicketEntry(
            ticket=ticket,
            kind=EntryKind.EVENT,
            author_id=agent.id,
            body=f"proof_issued|{proof.code}|{proof.expires_on.isoformat()}",
        )
    )
    return proof.code
