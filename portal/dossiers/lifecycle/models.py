"""Status events, information requests and the DVZ exchange outbox of a dossier."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock, jobs
from portal.accounts.models import User
from portal.db import UtcDateTime, str_enum
from portal.dossiers.models import Dossier, DossierStatus, enum_check
from portal.extensions import db


class StatusEvent(db.Model):
    """One change of a dossier's status (written only by `tracking.status.change`)."""

    __tablename__ = "status_event"
    __table_args__ = (
        enum_check("from_status", DossierStatus),
        enum_check("to_status", DossierStatus),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    from_status: Mapped[DossierStatus | None] = mapped_column(str_enum(DossierStatus))
    to_status: Mapped[DossierStatus] = mapped_column(str_enum(DossierStatus))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    api_client_id: Mapped[int | None] = mapped_column(ForeignKey("api_client.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    # Codes of portal.dossiers.lifecycle.reasons (comma-separated), shown in the reader's language.
    reason_codes: Mapped[str | None] = mapped_column(String(400))
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now, index=True)
    dossier: Mapped[Dossier] = relationship()
    actor: Mapped[User | None] = relationship()


class InfoRequest(db.Model):
    """An officer's request for more information; the legal clock stops while it is open."""

    __tablename__ = "info_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    question: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    dossier: Mapped[Dossier] = relationship()
    requested_by: Mapped[User] = relationship(foreign_keys=[requested_by_id])


class ExchangeMessage(jobs.Claimable, db.Model):
    """A message to the federal Immigration Office, sent by an adapter from this outbox."""

    __tablename__ = "exchange_message"
    __table_args__ = (jobs.due_index("exchange_message"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    dossier: Mapped[Dossier] = relationship()
