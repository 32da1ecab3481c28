"""Helpdesk tickets, proofs that allow e-mail submission, and the messages the intake read."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock
from portal.accounts.models import ForeignEmployer, Mandatary, Organisation, User
from portal.db import TimestampMixin, UtcDateTime, str_enum
from portal.dossiers.models import Dossier
from portal.extensions import db
from portal.i18n import _l
from portal.reference import format_kbo


class TicketStatus(enum.StrEnum):
    OPEN = "open"  # waiting for the helpdesk
    ANSWERED = "answered"  # waiting for the requester
    RESOLVED = "resolved"

    @property
    def title(self) -> str:
        return str(TICKET_STATUS_TITLES[self])


TICKET_STATUS_TITLES = {
    TicketStatus.OPEN: _l("Waiting for the helpdesk"),
    TicketStatus.ANSWERED: _l("Answered"),
    TicketStatus.RESOLVED: _l("Resolved"),
}


class EntryKind(enum.StrEnum):
    REQUESTER = "requester"  # written by the person who reported the problem
    REPLY = "reply"  # an agent's answer, e-mailed to the requester
    NOTE = "note"  # an agent's internal note, never shown to the requester
    EVENT = "event"  # what happened (resolved, proof issued), shown to both


class HelpdeskTicket(TimestampMixin, db.Model):
    """A technical problem reported by anyone, logged in or not."""

    __tablename__ = "helpdesk_ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(20), unique=True)
    # The requester's key to the ticket page (in the links we e-mail); never shown to agents.
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[TicketStatus] = mapped_column(
        str_enum(TicketStatus), default=TicketStatus.OPEN, index=True
    )
    requester_name: Mapped[str] = mapped_column(String(200))
    requester_email: Mapped[str] = mapped_column(String(254), index=True)
    organisation_name: Mapped[str | None] = mapped_column(String(200))
    organisation_kbo: Mapped[str | None] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    locale: Mapped[str] = mapped_column(String(2), default="nl")
    tried: Mapped[str] = mapped_column(Text)
    error_text: Mapped[str] = mapped_column(Text)
    screenshot_name: Mapped[str | None] = mapped_column(String(200))
    screenshot_stored_name: Mapped[str | None] = mapped_column(String(80))
    screenshot_mime: Mapped[str | None] = mapped_column(String(40))
    screenshot_sha256: Mapped[str | None] = mapped_column(String(64))
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # Retention took the requester out of the ticket (portal.privacy.tickets).
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    user: Mapped[User | None] = relationship(foreign_keys=[user_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])
    entries: Mapped[list[TicketEntry]] = relationship(
        back_populates="ticket", order_by="TicketEntry.id", cascade="all, delete-orphan"
    )
    proofs: Mapped[list[Proof]] = relationship(back_populates="ticket", order_by="Proof.id")


class TicketEntry(db.Model):
    """One message in a ticket's thread."""

    __tablename__ = "helpdesk_ticket_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_ticket.id"), index=True)
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    ticket: Mapped[HelpdeskTicket] = relationship(back_populates="entries")
    author: Mapped[User | None] = relationship()


class Proof(db.Model):
    """Permission to submit one application by e-mail: bound to an address and a party.

    `code` carries an HMAC signature over (id, e-mail, expiry), so a made-up or altered
    code is recognised without reading the database (see `portal.fallback.proofs`).
    """

    __tablename__ = "fallback_proof"
    # The helpdesk's list of one state, newest first (`proofs.desk_proofs`): each partial
    # index holds the proofs of its state in id order, so a page reads a range of it rather
    # than walking every proof ever issued past those of the other states.
    __table_args__ = tuple(
        Index(name, "id", sqlite_where=text(where), postgresql_where=text(where))
        for name, where in (
            ("ix_fallback_proof_open", "used_at IS NULL AND revoked_at IS NULL"),
            ("ix_fallback_proof_used", "used_at IS NOT NULL"),
            ("ix_fallback_proof_revoked", "revoked_at IS NOT NULL"),
        )
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("helpdesk_ticket.id"), index=True)
    email: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    mandatary_id: Mapped[int | None] = mapped_column(ForeignKey("mandatary.id"))
    foreign_employer_id: Mapped[int | None] = mapped_column(ForeignKey("foreign_employer.id"))
    # For an employer that is not registered: the KBO number alone (organisation empty).
    kbo_number: Mapped[str | None] = mapped_column(String(10))
    expires_on: Mapped[date] = mapped_column(Date)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    ticket: Mapped[HelpdeskTicket] = relationship(back_populates="proofs")
    organisation: Mapped[Organisation | None] = relationship()
    mandatary: Mapped[Mandatary | None] = relationship()
    foreign_employer: Mapped[ForeignEmployer | None] = relationship()
    issued_by: Mapped[User] = relationship()
    dossier: Mapped[Dossier | None] = relationship()

    @property
    def party_name(self) -> str:
        return party_name(
            self.organisation and self.organisation.name,
            self.mandatary and self.mandatary.name,
            self.foreign_employer and self.foreign_employer.name,
            self.kbo_number,
        )


def party_name(
    organisation: str | None, mandatary: str | None, foreign_employer: str | None, kbo: str | None
) -> str:
    """Whom a proof lets file, by the names of its party: a registered employer, a mandatary
    for one of its foreign employers, or an enterprise number nobody registered."""
    if organisation is not None:
        return organisation
    if mandatary is not None and foreign_employer is not None:
        return f"{mandatary} / {foreign_employer}"
    if kbo:
        return format_kbo(kbo)
    return ""


class Outcome(enum.StrEnum):
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    DUPLICATE = "duplicate"
    ERROR = "error"

    @property
    def title(self) -> str:
        return str(OUTCOME_TITLES[self])


OUTCOME_TITLES = {
    Outcome.ACCEPTED: _l("Accepted"),
    Outcome.REJECTED: _l("Rejected"),
    Outcome.DUPLICATE: _l("Duplicate"),
    Outcome.ERROR: _l("Error"),
}


# The outcomes whose messages wait in the quarantine until an agent reviews them.
QUARANTINED = (Outcome.REJECTED, Outcome.ERROR)


class Review(enum.StrEnum):
    CONVERTED = "converted"  # an agent turned the message into a dossier
    DISMISSED = "dismissed"  # an agent looked at it and left it


class IntakeMessage(db.Model):
    """One delivery read by the intake, with its outcome; the raw bytes are kept on disk."""

    __tablename__ = "intake_message"
    __table_args__ = (
        # The quarantine of each outcome, newest first, read in the index's order (the
        # helpdesk's default list; `in_quarantine`): no scan of every message kept.
        Index("ix_intake_message_quarantine", "outcome", "reviewed_at", "id"),
        # The list of one outcome, newest first (accepted, rejected, duplicate, error).
        Index("ix_intake_message_outcome", "outcome", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # Where the delivery came from (Maildir unique name, IMAP UIDVALIDITY/UID): reading the
    # same delivery again after a crash finds this row instead of recording it twice.
    source_key: Mapped[str] = mapped_column(String(300), unique=True)
    sha256: Mapped[str] = mapped_column(String(64))  # of the raw bytes: the stored file's name
    # Of the message without its transport headers: a second delivery has the same one.
    content_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(500), index=True)
    size: Mapped[int] = mapped_column(Integer)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now, index=True)
    sender: Mapped[str | None] = mapped_column(String(254))
    subject: Mapped[str | None] = mapped_column(String(300))
    locale: Mapped[str] = mapped_column(String(2), default="nl")
    outcome: Mapped[Outcome] = mapped_column(str_enum(Outcome))
    reason: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[str | None] = mapped_column(Text)
    proof_id: Mapped[int | None] = mapped_column(ForeignKey("fallback_proof.id"))
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("intake_message.id"))
    answered: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    review: Mapped[Review | None] = mapped_column(str_enum(Review))
    review_reason: Mapped[str | None] = mapped_column(Text)
    # Retention deleted the raw message and the sender's details (portal.privacy.intake);
    # the row stays with its hashes, so a second delivery is still known as a duplicate.
    purged_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    proof: Mapped[Proof | None] = relationship()
    dossier: Mapped[Dossier | None] = relationship()
    reviewed_by: Mapped[User | None] = relationship()

    @property
    def in_quarantine(self) -> bool:
        return self.outcome in QUARANTINED and self.reviewed_at is None and self.purged_at is None
