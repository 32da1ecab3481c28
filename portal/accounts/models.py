"""Account models: users and the parties they act for."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    and_,
    or_,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from portal import textsearch
from portal.db import TimestampMixin, UtcDateTime, str_enum
from portal.extensions import db
from portal.i18n import _l


class Role(enum.StrEnum):
    """An account's role. One vocabulary for the account table, whichever plug-ins are on.

    PARTNER (with `User.partner_kind` and `partner_refnis`) belongs to the orange carpet:
    the portal grants it no route and no link (tests/test_without_plugins.py), so without
    the plug-in no such account exists. It stays in this enum, rather than being registered
    by the plug-in, because the column's vocabulary is part of the schema: it must not
    change with PORTAL_PLUGINS. TALENT is the portal's own: the worker following a file.
    """

    EMPLOYER = "employer"
    MANDATARY = "mandatary"
    OFFICER = "officer"
    HELPDESK = "helpdesk"
    PARTNER = "partner"
    TALENT = "talent"
    ADMIN = "admin"
    # A foreign entrepreneur filing their own professional card (no organisation, no KBO).
    ENTREPRENEUR = "entrepreneur"

    @property
    def title(self) -> str:
        return str(ROLE_TITLES[self])


ROLE_TITLES = {
    Role.EMPLOYER: _l("Employer"),
    Role.MANDATARY: _l("Mandatary"),
    Role.OFFICER: _l("Officer"),
    Role.HELPDESK: _l("Helpdesk agent"),
    Role.PARTNER: _l("Partner service"),
    Role.TALENT: _l("Arriving talent"),
    Role.ADMIN: _l("Administrator"),
    Role.ENTREPRENEUR: _l("Entrepreneur"),
}


class OrgRole(enum.StrEnum):
    ADMIN = "admin"
    MEMBER = "member"


class PartnerKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    SCHOOL = "school"
    CHILDCARE = "childcare"


class MandataryKind(enum.StrEnum):
    PERSON = "person"
    COMPANY = "company"


class MandateKind(enum.StrEnum):
    """What a mandate allows: filing single permits for a foreign employer, or filing a
    professional card for a named person (a business counter or other mandatary)."""

    EMPLOYER = "employer"
    PROFESSIONAL_CARD = "professional_card"

    @property
    def title(self) -> str:
        return str(
            {
                MandateKind.EMPLOYER: _l("Single permits for a foreign employer"),
                MandateKind.PROFESSIONAL_CARD: _l("A professional card for a person"),
            }[self]
        )


class ResidenceDocument(enum.StrEnum):
    """The document a person lives in Belgium on (or none: they live abroad).

    Filing a professional card online from Belgium needs an A, H, I or J card, a
    diplomatic identity card or an annex 3; an attestation of immatriculation is not
    enough (vlaanderen.be; `rules.toml [card]` holds the source).
    """

    A_CARD = "a_card"
    H_CARD = "h_card"
    I_CARD = "i_card"
    J_CARD = "j_card"
    DIPLOMATIC_ID = "diplomatic_id"
    ANNEX_3 = "annex_3"
    IMMATRICULATION = "immatriculation"
    NONE = "none"

    @property
    def title(self) -> str:
        return str(RESIDENCE_DOCUMENT_TITLES[self])

    @property
    def allows_filing_in_belgium(self) -> bool:
        return self not in (ResidenceDocument.IMMATRICULATION, ResidenceDocument.NONE)


RESIDENCE_DOCUMENT_TITLES = {
    ResidenceDocument.A_CARD: _l("A card (limited stay)"),
    ResidenceDocument.H_CARD: _l("H card (EU Blue Card)"),
    ResidenceDocument.I_CARD: _l("I card (intra-corporate transfer)"),
    ResidenceDocument.J_CARD: _l("J card (mobile intra-corporate transfer)"),
    ResidenceDocument.DIPLOMATIC_ID: _l("Diplomatic identity card"),
    ResidenceDocument.ANNEX_3: _l("Annex 3 (declaration of arrival)"),
    ResidenceDocument.IMMATRICULATION: _l("Attestation of immatriculation (orange card)"),
    ResidenceDocument.NONE: _l("None: I live abroad"),
}


class MandateStatus(enum.StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"

    @property
    def title(self) -> str:
        return str(
            {
                MandateStatus.PENDING: _l("Waiting for verification"),
                MandateStatus.VERIFIED: _l("Verified"),
                MandateStatus.REJECTED: _l("Rejected"),
            }[self]
        )


RELEASED_PREFIX = "X"


class Organisation(TimestampMixin, db.Model):
    """A Belgian employer registered in the KBO/BCE."""

    __tablename__ = "organisation"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # Once a claim on the number lapsed or was refused, a released marker ("X" and nine
    # digits, never a KBO number) takes its place: the number is free again.
    kbo_number: Mapped[str] = mapped_column(String(10), unique=True)
    # portal.textsearch.key of the name, for the officers' search.
    name_key: Mapped[str | None] = mapped_column(textsearch.key_type(200), index=True)
    street: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(4))
    municipality_refnis: Mapped[str] = mapped_column(String(5))
    nace_code: Mapped[str] = mapped_column(String(5))
    users: Mapped[list[User]] = relationship(back_populates="organisation")
    claim: Mapped[OrganisationClaim | None] = relationship(back_populates="organisation")

    @validates("name")
    def _keep_name_key(self, _name: str, value: str | None) -> str | None:
        self.name_key = textsearch.key(value) or None
        return value

    @property
    def kbo_released(self) -> bool:
        return self.kbo_number.startswith(RELEASED_PREFIX)

    def release_kbo_number(self) -> None:
        """Give the number up (the claim keeps it): someone else may register it now."""
        self.kbo_number = f"{RELEASED_PREFIX}{self.id:09d}"

    @property
    def kbo_on_record(self) -> str:
        """The number, also once a lapsed or revoked claim gave it up (letters, exchange)."""
        if self.kbo_released and self.claim is not None:
            return self.claim.kbo_number
        return self.kbo_number

    @property
    def claim_proven(self) -> bool:
        """Only an organisation whose claim is proven may submit files."""
        return self.claim is not None and self.claim.status == ClaimStatus.PROVEN


class Mandatary(TimestampMixin, db.Model):
    """A Belgian natural person or company that files for foreign employers."""

    __tablename__ = "mandatary"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[MandataryKind] = mapped_column(str_enum(MandataryKind))
    name: Mapped[str] = mapped_column(String(200))
    kbo_number: Mapped[str | None] = mapped_column(String(10), unique=True)
    street: Mapped[str] = mapped_column(String(200))
    postal_code: Mapped[str] = mapped_column(String(4))
    municipality_refnis: Mapped[str] = mapped_column(String(5))
    users: Mapped[list[User]] = relationship(back_populates="mandatary")
    foreign_employers: Mapped[list[ForeignEmployer]] = relationship(
        back_populates="mandatary", order_by="ForeignEmployer.name"
    )


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    locale: Mapped[str] = mapped_column(String(2), default="nl")
    email_verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    active: Mapped[bool] = mapped_column(default=True)
    # Part of the login cookie: rotating it (password change) ends every other session.
    session_token: Mapped[str] = mapped_column(
        String(43), default=lambda: secrets.token_urlsafe(32)
    )
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    org_role: Mapped[OrgRole | None] = mapped_column(str_enum(OrgRole))
    mandatary_id: Mapped[int | None] = mapped_column(ForeignKey("mandatary.id"))
    partner_kind: Mapped[PartnerKind | None] = mapped_column(str_enum(PartnerKind))
    partner_refnis: Mapped[str | None] = mapped_column(String(5))
    # Notification kinds this user chose not to receive by e-mail (comma-separated).
    muted_notifications: Mapped[str] = mapped_column(String(200), default="")
    # The person closed the account (it logs in no more); retention or the closure took
    # the person out of the row, which stays for the files and audit entries naming it.
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # The start of the latest session, kept on the account: the account's retention counts
    # from it, and the session rows themselves are purged much sooner (series sessions).
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    organisation: Mapped[Organisation | None] = relationship(back_populates="users")
    mandatary: Mapped[Mandatary | None] = relationship(back_populates="users")

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def is_active(self) -> bool:
        return self.active and self.email_verified_at is not None

    @property
    def is_org_admin(self) -> bool:
        return self.role == Role.EMPLOYER and self.org_role == OrgRole.ADMIN


class ForeignEmployer(TimestampMixin, db.Model):
    """An employer established abroad that a Belgian mandatary represents."""

    __tablename__ = "foreign_employer"
    id: Mapped[int] = mapped_column(primary_key=True)
    mandatary_id: Mapped[int] = mapped_column(ForeignKey("mandatary.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    registration_number: Mapped[str] = mapped_column(String(60))
    kbo_number: Mapped[str | None] = mapped_column(String(10))
    mandatary: Mapped[Mandatary] = relationship(back_populates="foreign_employers")
    mandates: Mapped[list[Mandate]] = relationship(
        back_populates="foreign_employer", order_by="Mandate.created_at.desc()"
    )


class Mandate(TimestampMixin, db.Model):
    """A signed mandate (PDF) from a foreign employer to a mandatary, checked by an officer."""

    __tablename__ = "mandate"
    __table_args__ = (
        # The officers' list: the mandates waiting, oldest upload first, read in the index's
        # order a page at a time; with the status alone the database sorted all that wait.
        Index("ix_mandate_queue", "status", "created_at", "id"),
        # The latest decisions beside it: without it every mandate ever decided was sorted.
        Index("ix_mandate_decided", "decided_at", "id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    foreign_employer_id: Mapped[int] = mapped_column(ForeignKey("foreign_employer.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[MandateStatus] = mapped_column(
        str_enum(MandateStatus), default=MandateStatus.PENDING
    )
    # Single permits for a foreign employer, or a professional card for the person the
    # "foreign employer" row names (a business counter acting for an entrepreneur).
    kind: Mapped[MandateKind] = mapped_column(
        str_enum(MandateKind), default=MandateKind.EMPLOYER, server_default="employer"
    )
    file_name: Mapped[str] = mapped_column(String(200))
    stored_name: Mapped[str] = mapped_column(String(80))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    foreign_employer: Mapped[ForeignEmployer] = relationship(back_populates="mandates")
    uploaded_by: Mapped[User] = relationship(foreign_keys=[uploaded_by_id])

    def is_current(self, on: date) -> bool:
        """Verified and in force on `on`: only such a mandate allows filing."""
        return (
            self.status == MandateStatus.VERIFIED
            and self.starts_on <= on
            and (self.ends_on is None or on <= self.ends_on)
        )

    @classmethod
    def current_clause(cls, on: date, kind: MandateKind):
        """`is_current` for a mandate of `kind`, as a condition: the same rule in SQL, for
        a list that asks it of many parties at once."""
        return and_(
            cls.kind == kind,
            cls.status == MandateStatus.VERIFIED,
            cls.starts_on <= on,
            or_(cls.ends_on.is_(None), cls.ends_on >= on),
        )


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    PROVEN = "proven"
    REJECTED = "rejected"
    EXPIRED = "expired"

    @property
    def title(self) -> str:
        return str(CLAIM_STATUS_TITLES[self])


CLAIM_STATUS_TITLES = {
    ClaimStatus.PENDING: _l("Waiting for proof"),
    ClaimStatus.PROVEN: _l("Proven"),
    ClaimStatus.REJECTED: _l("Rejected"),
    ClaimStatus.EXPIRED: _l("Expired"),
}


class ProofKind(enum.StrEnum):
    KBO_EXTRACT = "kbo_extract"
    POWER_OF_ATTORNEY = "power_of_attorney"

    @property
    def title(self) -> str:
        return str(PROOF_KIND_TITLES[self])


PROOF_KIND_TITLES = {
    ProofKind.KBO_EXTRACT: _l("An extract from the KBO/BCE naming you as a director"),
    ProofKind.POWER_OF_ATTORNEY: _l("A power of attorney signed by a director"),
}


class ContestStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"
    DISMISSED = "dismissed"

    @property
    def title(self) -> str:
        return str(
            {
                ContestStatus.OPEN: _l("To review"),
                ContestStatus.UPHELD: _l("Upheld: the claim was revoked"),
                ContestStatus.DISMISSED: _l("Dismissed"),
            }[self]
        )


def _in(column: str, values: type[enum.Enum], nullable: bool = False) -> str:
    listed = ", ".join(f"'{member.value}'" for member in values)
    condition = f"{column} IN ({listed})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


class OrganisationClaim(TimestampMixin, db.Model):
    """The first administrator's claim to act for an enterprise number.

    Pending until proven by an officer or helpdesk agent (from an uploaded KBO extract or
    power of attorney), later by a federated identity provider's mandate. A pending claim
    without proof lapses at `expires_at` and frees the number.
    """

    __tablename__ = "organisation_claim"
    __table_args__ = (
        CheckConstraint(_in("status", ClaimStatus), name="status"),
        CheckConstraint(_in("proof_kind", ProofKind, nullable=True), name="proof_kind"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), unique=True)
    claimant_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The number claimed; kept here when the organisation lets go of it.
    kbo_number: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[ClaimStatus] = mapped_column(
        str_enum(ClaimStatus), default=ClaimStatus.PENDING, index=True
    )
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    proof_kind: Mapped[ProofKind | None] = mapped_column(str_enum(ProofKind))
    proof_file_name: Mapped[str | None] = mapped_column(String(200))
    proof_stored_name: Mapped[str | None] = mapped_column(String(80))
    proof_sha256: Mapped[str | None] = mapped_column(String(64))
    proof_size: Mapped[int | None] = mapped_column(Integer)
    proof_uploaded_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # Who proved it: officer, helpdesk, admin, idp (future), legacy, demo.
    proven_by: Mapped[str | None] = mapped_column(String(20))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Retention took the proof and the reason out of a rejected claim (series rejected_claims).
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    organisation: Mapped[Organisation] = relationship(back_populates="claim")
    claimant: Mapped[User | None] = relationship(foreign_keys=[claimant_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])


class ClaimContest(TimestampMixin, db.Model):
    """The real company says someone else registered its enterprise number."""

    __tablename__ = "claim_contest"
    __table_args__ = (CheckConstraint(_in("status", ContestStatus), name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kbo_number: Mapped[str] = mapped_column(String(10), index=True)
    # The claim that held the number when the contest came in.
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("organisation_claim.id"))
    company_name: Mapped[str] = mapped_column(String(200))
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40))
    message: Mapped[str] = mapped_column(Text)
    locale: Mapped[str] = mapped_column(String(2))
    proof_file_name: Mapped[str] = mapped_column(String(200))
    proof_stored_name: Mapped[str] = mapped_column(String(80))
    proof_sha256: Mapped[str] = mapped_column(String(64))
    proof_size: Mapped[int] = mapped_column(Integer)
    status: Mapped[ContestStatus] = mapped_column(
        str_enum(ContestStatus), default=ContestStatus.OPEN, index=True
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    # Retention took the person out: contact, message, proof and reason (series claim_contests).
    anonymised_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    claim: Mapped[OrganisationClaim | None] = relationship()


class MembershipClaim(TimestampMixin, db.Model):
    """A second claimant asks to join an organisation whose claim is already proven.

    The person has an account but no organisation until one of its (proven)
    administrators approves; a request nobody answers lapses at `expires_at`.
    """

    __tablename__ = "membership_claim"
    __table_args__ = (CheckConstraint(_in("status", ClaimStatus), name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), unique=True)
    status: Mapped[ClaimStatus] = mapped_column(
        str_enum(ClaimStatus), default=ClaimStatus.PENDING, index=True
    )
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_reason: Mapped[str | None] = mapped_column(Text)
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User] = relationship(foreign_keys=[user_id])


class CardPerson(TimestampMixin, db.Model):
    """The identity an entrepreneur gives when registering to file a professional card.

    One row per ENTREPRENEUR account; a new card file starts from it (the person of the
    file is the dossier's worker_*, copied from here and editable in the wizard).
    """

    __tablename__ = "card_person"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date] = mapped_column(Date)
    nationality: Mapped[str] = mapped_column(String(2))
    residence_document: Mapped[ResidenceDocument] = mapped_column(str_enum(ResidenceDocument))
    residence_valid_until: Mapped[date | None] = mapped_column(Date)
    address_street: Mapped[str] = mapped_column(String(200))
    address_postal_code: Mapped[str] = mapped_column(String(10))
    address_city: Mapped[str] = mapped_column(String(100))
    address_country: Mapped[str] = mapped_column(String(2))
    user: Mapped[User] = relationship()
