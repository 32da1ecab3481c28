"""Dossiers (single-permit files) and their documents."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal import textsearch
from portal.accounts.models import ForeignEmployer, Mandatary, Organisation, User
from portal.db import TimestampMixin, UtcDateTime, str_enum
from portal.extensions import db
from portal.i18n import Choices, _l


def full_name(first: str | None, last: str | None) -> str:
    """A worker's name as pages show it: the parts given, one space apart ("" for none)."""
    return " ".join(part for part in (first, last) if part)


class DossierKind(enum.StrEnum):
    NEW = "new"
    RENEWAL = "renewal"
    CHANGE_OF_EMPLOYER = "change_of_employer"

    @property
    def title(self) -> str:
        return str(
            {
                DossierKind.NEW: _l("New application"),
                DossierKind.RENEWAL: _l("Renewal"),
                DossierKind.CHANGE_OF_EMPLOYER: _l("Change of employer"),
            }[self]
        )


class Permit(Choices):
    """What the file asks for: the kind of dossier (`dossier.permit`).

    Both kinds share one lifecycle; where they differ, the lifecycle table says so. The
    public interfaces call this the *kind* (`stats report` JSON `by_kind`, the `kind`
    column of `dossiers import`); `DossierKind` (new, renewal, change of employer) is older
    and stays what `Dossier.kind` means.
    """

    SINGLE_PERMIT = "single_permit", _l("Single permit")
    PROFESSIONAL_CARD = "professional_card", _l("Professional card")


class DossierStatus(Choices):
    """Every status a dossier can have, with its title.

    `portal.dossiers.lifecycle.status` moves between them (`ALLOWED`); what each one means
    (open, clock stopped, final, withdrawable, timeline step, next step) is the one table
    in `portal.dossiers.lifecycle.meaning`.
    """

    DRAFT = "draft", _l("Draft")
    SUBMITTED = "submitted", _l("Submitted")
    INFO_REQUESTED = "info_requested", _l("Additional information requested")
    WORK_AUTHORISED = "work_authorised", _l("Work authorised by Flanders")
    FORWARDED = "forwarded", _l("Forwarded to the Immigration Office")
    RESIDENCE_GRANTED = "residence_granted", _l("Single permit granted")
    RESIDENCE_REFUSED = "residence_refused", _l("Residence refused")
    INADMISSIBLE = "inadmissible", _l("Inadmissible")
    WORK_REFUSED = "work_refused", _l("Work authorisation refused")
    WITHDRAWN = "withdrawn", _l("Withdrawn")
    # The professional card's own outcomes (Flanders decides alone; no DVZ).
    CARD_GRANTED = "card_granted", _l("Professional card granted")
    CARD_REFUSED = "card_refused", _l("Professional card refused")


class FlemishDecision(Choices):
    """What Flanders decides, admissibility and work authorisation together
    (`dossier.flemish_decision`; the exchange API and the import use these values)."""

    AUTHORISED = "authorised", _l("Work authorised")
    INADMISSIBLE = "inadmissible", _l("Inadmissible")
    REFUSED = "refused", _l("Work authorisation refused")


class FederalDecision(Choices):
    """What the Immigration Office (DVZ) decides on residence (`dossier.federal_decision`)."""

    GRANTED = "granted", _l("Residence granted")
    REFUSED = "refused", _l("Residence refused")


def enum_check(column: str, vocabulary: type[enum.Enum]) -> CheckConstraint:
    """The database refuses a value of `column` outside `vocabulary` (named
    ``ck_<table>_<column>`` by the naming convention). NULL passes; nullability is the
    column's own business."""
    allowed = ", ".join(f"'{member.value}'" for member in vocabulary)
    return CheckConstraint(f"{column} IN ({allowed})", name=column)


class Channel(enum.StrEnum):
    ONLINE = "online"
    EMAIL = "email"


# Who the worker (or the card's person) is, beyond the nationality the figures count: what a
# follow-up file copies and what anonymising takes out (with the rest each names).
WORKER_IDENTITY = (
    "worker_first_name",
    "worker_last_name",
    "worker_birth_date",
    "worker_passport",
    "worker_national_number",
    "worker_residence_country",
    "worker_diplomatic_post",
    "worker_email",
    "worker_locale",
)


class Dossier(TimestampMixin, db.Model):
    """One single-permit file, from draft to decision."""

    __tablename__ = "dossier"
    # Covering indexes for the figures: a year's report reads only index pages.
    __table_args__ = (
        Index(
            "ix_dossier_stats_submitted",
            "submitted_on",
            "worker_nationality",
            "category",
            "nace_code",
            "isco_code",
            "channel",
            "workplace_refnis",
        ),
        Index(
            "ix_dossier_stats_decided", "flemish_decision_on", "flemish_decision", "submitted_on"
        ),
        # The expected decision date: recent decisions of one category.
        Index("ix_dossier_category_decided", "category", "flemish_decision_on"),
        enum_check("status", DossierStatus),
        enum_check("flemish_decision", FlemishDecision),
        enum_check("federal_decision", FederalDecision),
        enum_check("permit", Permit),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(20), unique=True)
    kind: Mapped[DossierKind] = mapped_column(str_enum(DossierKind), default=DossierKind.NEW)
    permit: Mapped[Permit] = mapped_column(
        str_enum(Permit), default=Permit.SINGLE_PERMIT, server_default="single_permit", index=True
    )
    status: Mapped[DossierStatus] = mapped_column(
        str_enum(DossierStatus), default=DossierStatus.DRAFT, index=True
    )
    channel: Mapped[Channel] = mapped_column(str_enum(Channel), default=Channel.ONLINE)
    locale: Mapped[str] = mapped_column(String(2), default="nl")
    # Empty for files imported from before the portal.
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    mandatary_id: Mapped[int | None] = mapped_column(ForeignKey("mandatary.id"), index=True)
    foreign_employer_id: Mapped[int | None] = mapped_column(ForeignKey("foreign_employer.id"))
    # An e-mail file of an employer that is not registered: the KBO number the helpdesk
    # bound the proof to (portal.fallback.proofs), checksum-valid, without an organisation.
    employer_kbo: Mapped[str | None] = mapped_column(String(10))
    employer_name: Mapped[str | None] = mapped_column(String(200))  # as the form gave it
    is_posting: Mapped[bool] = mapped_column(default=False)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))
    previous_permit_expires_on: Mapped[date | None] = mapped_column(Date)
    submitted_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    # The day of submission in Brussels: what the figures count by.
    submitted_on: Mapped[date | None] = mapped_column(Date, index=True)
    # The token of the check-answers form: a replayed submission finds it and stops.
    submission_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    thresholds_missing: Mapped[bool] = mapped_column(default=False)
    sections_done: Mapped[str] = mapped_column(String(200), default="")

    # Worker
    worker_first_name: Mapped[str | None] = mapped_column(String(100))
    worker_last_name: Mapped[str | None] = mapped_column(String(100))
    worker_birth_date: Mapped[date | None] = mapped_column(Date)
    worker_nationality: Mapped[str | None] = mapped_column(String(2))
    worker_passport: Mapped[str | None] = mapped_column(String(40))
    worker_national_number: Mapped[str | None] = mapped_column(String(11))
    worker_residence_country: Mapped[str | None] = mapped_column(String(2))
    worker_diplomatic_post: Mapped[str | None] = mapped_column(String(100))
    worker_email: Mapped[str | None] = mapped_column(String(254))
    worker_locale: Mapped[str | None] = mapped_column(String(2))
    # Search keys of the names (portal.textsearch.key), kept by `_keep_keys`, indexed.
    worker_first_key: Mapped[str | None] = mapped_column(textsearch.key_type(100), index=True)
    worker_last_key: Mapped[str | None] = mapped_column(textsearch.key_type(100), index=True)

    # Job
    isco_code: Mapped[str | None] = mapped_column(String(4), index=True)
    nace_code: Mapped[str | None] = mapped_column(String(5))
    annual_salary: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    reduced_threshold: Mapped[bool] = mapped_column(default=False)
    start_date: Mapped[date | None] = mapped_column(Date)
    duration_months: Mapped[int | None] = mapped_column(Integer)
    workplace_street: Mapped[str | None] = mapped_column(String(200))
    workplace_postal_code: Mapped[str | None] = mapped_column(String(4))
    workplace_refnis: Mapped[str | None] = mapped_column(String(5))

    # Category
    category: Mapped[str | None] = mapped_column(String(40), index=True)
    vacancy_reference: Mapped[str | None] = mapped_column(String(60))
    vacancy_published_on: Mapped[date | None] = mapped_column(Date)

    # Posting
    posting_start: Mapped[date | None] = mapped_column(Date)
    posting_end: Mapped[date | None] = mapped_column(Date)
    client_name: Mapped[str | None] = mapped_column(String(200))
    client_kbo: Mapped[str | None] = mapped_column(String(10))
    site_address: Mapped[str | None] = mapped_column(String(300))
    limosa_reference: Mapped[str | None] = mapped_column(String(60))

    # Declarations
    declared_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    withdrawn_reason: Mapped[str | None] = mapped_column(Text)

    # Handling (written by the status machine; the figures of `stats` read these)
    assigned_officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("user_account.id"), index=True
    )
    flemish_decision: Mapped[FlemishDecision | None] = mapped_column(str_enum(FlemishDecision))
    flemish_decision_on: Mapped[date | None] = mapped_column(Date, index=True)
    flemish_reasons: Mapped[str | None] = mapped_column(Text)
    # The grounds as codes of portal.dossiers.lifecycle.reasons, comma-separated; the text above is
    # the officer's own explanation.
    flemish_reason_codes: Mapped[str | None] = mapped_column(String(400))
    forwarded_on: Mapped[date | None] = mapped_column(Date, index=True)
    federal_decision: Mapped[FederalDecision | None] = mapped_column(str_enum(FederalDecision))
    federal_decision_on: Mapped[date | None] = mapped_column(Date)
    # The legal deadline, kept current by the status machine so the queue can sort on it.
    deadline_on: Mapped[date | None] = mapped_column(Date, index=True)

    # Retention (portal.privacy): an officer's legal hold (an appeal pending) makes the
    # purge skip the file; `anonymised_at` is when the purge took the person out of it.
    held_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    hold_reason: Mapped[str | None] = mapped_column(Text)
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    assigned_officer: Mapped[User | None] = relationship(foreign_keys=[assigned_officer_id])
    organisation: Mapped[Organisation | None] = relationship()
    mandatary: Mapped[Mandatary | None] = relationship()
    foreign_employer: Mapped[ForeignEmployer | None] = relationship()
    previous: Mapped[Dossier | None] = relationship(remote_side=[id])
    documents: Mapped[list[Document]] = relationship(
        back_populates="dossier", order_by="Document.id", cascade="all, delete-orphan"
    )
    # The professional card's own answers; None for a single permit.
    card: Mapped[CardDetails | None] = relationship(
        back_populates="dossier", uselist=False, cascade="all, delete-orphan"
    )

    @validates("worker_first_name", "worker_last_name")
    def _keep_keys(self, name: str, value: str | None) -> str | None:
        key = textsearch.key(value, 100) or None
        setattr(self, name.replace("_name", "_key"), key)
        return value

    @property
    def worker_name(self) -> str:
        return full_name(self.worker_first_name, self.worker_last_name)

    @property
    def done(self) -> set[str]:
        return set(filter(None, (self.sections_done or "").split(",")))

    def mark_done(self, section: str, done: bool = True) -> None:
        sections = self.done | {section} if done else self.done - {section}
        self.sections_done = ",".join(sorted(sections))

    @property
    def is_draft(self) -> bool:
        return self.status == DossierStatus.DRAFT


class Document(TimestampMixin, db.Model):
    """An uploaded file that meets one requirement of a dossier."""

    __tablename__ = "dossier_document"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    requirement: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    mime: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date | None] = mapped_column(Date)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # Set when the file answers an officer's request for more information.
    info_request_id: Mapped[int | None] = mapped_column(ForeignKey("info_request.id"))
    dossier: Mapped[Dossier] = relationship(back_populates="documents")


class DossierViewer(TimestampMixin, db.Model):
    """A worker invited to follow a dossier read-only."""

    __tablename__ = "dossier_viewer"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    dossier: Mapped[Dossier] = relationship()
    user: Mapped[User] = relationship()


class CardDetails(TimestampMixin, db.Model):
    """What a professional-card file adds to the dossier (one row per card dossier).

    The person is the dossier's worker (`worker_*`: name, birth date, nationality,
    passport, e-mail, language), the activity's NACE code and place of establishment are
    the dossier's `nace_code` and `workplace_*`, and its category is `dossier.category`
    (the card's own codes, see `rules.toml [card]`), so the figures count both kinds
    alike. The rest lives here.
    """

    __tablename__ = "card_details"
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), primary_key=True)
    # Where the person files from: "belgium" (online) or "abroad" (a Belgian post).
    files_from: Mapped[str | None] = mapped_column(String(10))
    # The residence document in Belgium (A, H, I, J card, diplomatic id, annex 3)
    residence_document: Mapped[str | None] = mapped_column(String(20))
    residence_valid_until: Mapped[date | None] = mapped_column(Date)
    address_street: Mapped[str | None] = mapped_column(String(200))
    address_postal_code: Mapped[str | None] = mapped_column(String(10))
    address_city: Mapped[str | None] = mapped_column(String(100))
    address_country: Mapped[str | None] = mapped_column(String(2))
    # The activity: "company" or "sole_trader"; the KBO number if there is one yet.
    legal_form: Mapped[str | None] = mapped_column(String(20))
    company_name: Mapped[str | None] = mapped_column(String(200))
    company_kbo: Mapped[str | None] = mapped_column(String(10))
    activity_description: Mapped[str | None] = mapped_column(Text)
    # The economic benefit
    jobs_planned: Mapped[int | None] = mapped_column(Integer)
    investment_eur: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    start_capital_eur: Mapped[Decimal | None] = mapped_column(Numeric(14, 2))
    innovation: Mapped[str | None] = mapped_column(Text)
    export: Mapped[str | None] = mapped_column(Text)
    # Qualifications: the diploma's qualification level (1-8) and a regulated profession
    diploma_level: Mapped[int | None] = mapped_column(Integer)
    regulated_profession: Mapped[bool | None] = mapped_column()
    # Means of subsistence a year, in euro (checked against 110% of the leefloon)
    means_eur: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    # The officer's grant: the card's validity (1-3 years, never past the residence right)
    valid_from: Mapped[date | None] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date, index=True)
    # A card first granted before 2022 renews from 90 days before expiry, later ones 60.
    first_granted_before_2022: Mapped[bool] = mapped_column(default=False)
    # The renewal reminders already sent ("90,60"): each goes out once.
    reminders_sent: Mapped[str] = mapped_column(String(20), default="")
    dossier: Mapped[Dossier] = relationship(back_populates="card")
