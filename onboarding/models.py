"""The orange carpet's tables: welcome profiles, checklist state, partners and referrals.

The checklist itself is not stored: `onboarding.rules` derives it from the profile and the
permit each time. Only what the talent or a partner *did* is stored (an item marked done, a
reminder sent, a referral with its answers), so a change of rules never leaves stale items.
"""

from __future__ import annotations

import enum
import json
from datetime import date, datetime, time

from sqlalchemy import Date, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal import clock, jobs
from portal.accounts.models import PartnerKind, User
from portal.db import TimestampMixin, UtcDateTime, str_enum
from portal.dossiers.models import Dossier
from portal.extensions import db
from portal.i18n import _l

PARTNER_KIND_TITLES = {
    PartnerKind.MUNICIPALITY: _l("Municipality (civil affairs)"),
    PartnerKind.SCHOOL: _l("School registration desk"),
    PartnerKind.CHILDCARE: _l("Childcare desk"),
}


def partner_kind_title(kind: PartnerKind) -> str:
    return str(PARTNER_KIND_TITLES[kind])


class WelcomeProfile(TimestampMixin, db.Model):
    """What the arriving talent tells us, all optional: each field says why it is asked."""

    __tablename__ = "onboarding_profile"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    # The granted permit whose facts (category, grant date) shape the checklist: the latest
    # one granted. Who may see what is NOT decided here: see `WelcomeInvitation`.
    dossier_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"), index=True)
    arrival_on: Mapped[date | None] = mapped_column(Date)
    street: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(4))
    refnis: Mapped[str | None] = mapped_column(String(5))
    has_partner: Mapped[bool | None] = mapped_column()
    preferred_locale: Mapped[str | None] = mapped_column(String(2))
    # The talent withdrew consent for the welcome: no referrals from then on, and the profile
    # ends with it (`onboarding.withdrawal`, the retention schedule's `welcome_profiles`).
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    user: Mapped[User] = relationship()
    dossier: Mapped[Dossier | None] = relationship()
    children: Mapped[list[Child]] = relationship(
        back_populates="profile", order_by="Child.birth_date", cascade="all, delete-orphan"
    )
    invitations: Mapped[list[WelcomeInvitation]] = relationship(
        back_populates="profile", order_by="WelcomeInvitation.id"
    )

    @property
    def locale(self) -> str:
        return self.preferred_locale or self.user.locale or "nl"


class WelcomeInvitation(TimestampMixin, db.Model):
    """One granted permit's invitation to the welcome space, with that employer's consent.

    Consent belongs to one dossier, hence to one employer: a second employer's permit for
    the same person gets its own row, starting without consent. Nothing moves between
    rows, and an employer's "resend" touches only its own.
    """

    __tablename__ = "onboarding_invitation"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("onboarding_profile.id"), index=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), unique=True)
    last_sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The talent lets this file's employer see which steps are done (never the details).
    consent_employer_view: Mapped[bool] = mapped_column(default=False)
    consent_changed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    profile: Mapped[WelcomeProfile] = relationship(back_populates="invitations")
    dossier: Mapped[Dossier] = relationship()


class Child(db.Model):
    """A child who comes along: only the birth date, which decides school or childcare."""

    __tablename__ = "onboarding_child"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("onboarding_profile.id"), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    profile: Mapped[WelcomeProfile] = relationship(back_populates="children")


class ChecklistItem(db.Model):
    """What happened to one checklist item of a talent: done, or reminded of its deadline."""

    __tablename__ = "onboarding_checklist_item"
    __table_args__ = (UniqueConstraint("profile_id", "code", name="uq_onboarding_item_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("onboarding_profile.id"), index=True)
    code: Mapped[str] = mapped_column(String(60))
    done_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The deadline the last reminder was about: a moved deadline gets a new reminder.
    reminded_for: Mapped[date | None] = mapped_column(Date)


class Partner(TimestampMixin, db.Model):
    """A local service that receives referrals, configured by an administrator."""

    __tablename__ = "onboarding_partner"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PartnerKind] = mapped_column(str_enum(PartnerKind), index=True)
    refnis: Mapped[str] = mapped_column(String(5), index=True)
    email: Mapped[str] = mapped_column(String(254))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    webhook_secret: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    # The language of the service's e-mails (a Brussels or German-speaking service, say).
    locale: Mapped[str] = mapped_column(String(2), default="nl", server_default="nl")

    @property
    def kind_title(self) -> str:
        return partner_kind_title(self.kind)


class ReferralStatus(enum.StrEnum):
    SENT = "sent"
    ACKNOWLEDGED = "acknowledged"
    APPOINTMENT = "appointment"
    CLOSED = "closed"

    @property
    def title(self) -> str:
        return str(
            {
                ReferralStatus.SENT: _l("Sent, waiting for an answer"),
                ReferralStatus.ACKNOWLEDGED: _l("Received by the service"),
                ReferralStatus.APPOINTMENT: _l("Appointment proposed"),
                ReferralStatus.CLOSED: _l("Closed"),
            }[self]
        )


class Referral(TimestampMixin, db.Model):
    """A talent's request, with consent, to be introduced to one partner for one item."""

    __tablename__ = "onboarding_referral"
    id: Mapped[int] = mapped_column(primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("onboarding_profile.id"), index=True)
    talent_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    item_code: Mapped[str] = mapped_column(String(60))
    partner_id: Mapped[int] = mapped_column(ForeignKey("onboarding_partner.id"), index=True)
    consent_given_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    consent_withdrawn_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    status: Mapped[ReferralStatus] = mapped_column(
        str_enum(ReferralStatus), default=ReferralStatus.SENT, index=True
    )
    # Exactly what was shared, as the talent saw it when consenting; emptied on withdrawal.
    shared_data: Mapped[str | None] = mapped_column(Text)
    profile: Mapped[WelcomeProfile] = relationship()
    talent: Mapped[User] = relationship()
    partner: Mapped[Partner] = relationship()
    messages: Mapped[list[ReferralMessage]] = relationship(
        back_populates="referral", order_by="ReferralMessage.id", cascade="all, delete-orphan"
    )

    @property
    def withdrawn(self) -> bool:
        return self.consent_withdrawn_at is not None

    @property
    def data(self) -> list[list[str]]:
        """The shared data as [[key, value], …] pairs, in the order shown at consent."""
        return json.loads(self.shared_data) if self.shared_data else []


class MessageKind(enum.StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    APPOINTMENT = "appointment"
    NEXT_STEP = "next_step"
    MESSAGE = "message"
    CLOSED = "closed"

    @property
    def title(self) -> str:
        return str(
            {
                MessageKind.ACKNOWLEDGEMENT: _l("Received"),
                MessageKind.APPOINTMENT: _l("Appointment"),
                MessageKind.NEXT_STEP: _l("Next step"),
                MessageKind.MESSAGE: _l("Message"),
                MessageKind.CLOSED: _l("Closed"),
            }[self]
        )


class ReferralMessage(db.Model):
    """A partner's answer to a referral, which the talent sees and receives by e-mail."""

    __tablename__ = "onboarding_referral_message"
    id: Mapped[int] = mapped_column(primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("onboarding_referral.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    kind: Mapped[MessageKind] = mapped_column(str_enum(MessageKind))
    appointment_on: Mapped[date | None] = mapped_column(Date)
    appointment_time: Mapped[time | None] = mapped_column(Time)
    place: Mapped[str | None] = mapped_column(String(300))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    referral: Mapped[Referral] = relationship(back_populates="messages")


class WebhookDelivery(jobs.Claimable, db.Model):
    """Outbox for partners' own systems: one signed JSON POST, retried until it is taken."""

    __tablename__ = "onboarding_webhook_delivery"
    __table_args__ = (jobs.due_index("onboarding_webhook_delivery"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("onboarding_partner.id"), index=True)
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("onboarding_referral.id"))
    event: Mapped[str] = mapped_column(String(40))
    url: Mapped[str] = mapped_column(String(500))
    payload: Mapped[str] = mapped_column(Text)
    signature: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    # Set when consent was withdrawn before the data left: the payload is emptied, not sent.
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    partner: Mapped[Partner] = relationship()


class WelcomeTally(db.Model):
    """Anonymous counts of erased welcome data, so the figures outlive the people.

    When a profile is erased (withdrawal or the retention schedule) what it counted for is
    added here: per month (the first day of the month it happened in), per event and per
    kind of partner (empty for the profile's own counts). No person, municipality or date
    of a person is kept. `onboarding.withdrawal.figures()` adds these to the live rows.
    """

    __tablename__ = "onboarding_tally"
    __table_args__ = (
        UniqueConstraint("month", "event", "partner_kind", name="uq_onboarding_tally"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[date] = mapped_column(Date)
    event: Mapped[str] = mapped_column(String(40))
    partner_kind: Mapped[str] = mapped_column(String(20), default="")
    count: Mapped[int] = mapped_column(Integer, default=0)
