"""Foreign employers and mandates: a mandatary records them, an officer verifies them."""

from __future__ import annotations

import functools
from datetime import date

from sqlalchemy import Row, Select, exists, select
from sqlalchemy.orm import selectinload

from portal import clock, mail, paging, uploads
from portal.accounts.models import (
    ForeignEmployer,
    Mandatary,
    Mandate,
    MandateKind,
    MandateStatus,
    Role,
    User,
)
from portal.db import constant, equals
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import _


def quarter_start(year: int, quarter: int) -> date:
    return date(year, 3 * (quarter - 1) + 1, 1)


def quarter_end(year: int, quarter: int) -> date:
    if quarter == 4:
        return date(year, 12, 31)
    return date.fromordinal(quarter_start(year, quarter + 1).toordinal() - 1)


def parse_quarter(value: str) -> tuple[int, int] | None:
    """'2026-Q3' → (2026, 3)."""
    year, _sep, q = (value or "").partition("-Q")
    if year.isdigit() and q in {"1", "2", "3", "4"}:
        return int(year), int(q)
    return None


def quarter_choices(today: date, years_back: int = 1, years_ahead: int = 3) -> list[str]:
    return [
        f"{year}-Q{q}"
        for year in range(today.year - years_back, today.year + years_ahead + 1)
        for q in (1, 2, 3, 4)
    ]


def _require_mandatary(actor: User) -> None:
    if actor.role != Role.MANDATARY or actor.mandatary_id is None:
        raise NotAllowed


def employers_page(
    actor: User, after: str | None = None, per_page: int | None = None
) -> paging.Page:
    """The actor's foreign employers by name (ties by id), a page past the employer `after`,
    each with its mandates: two statements for a page, whatever the number of employers (a
    social secretariat may represent thousands). A cursor that is not one of the actor's
    employers raises `Invalid`, so another mandatary's ids teach nothing."""
    _require_mandatary(actor)
    mine = ForeignEmployer.mandatary_id == actor.mandatary_id
    statement = select(ForeignEmployer).where(mine).options(selectinload(ForeignEmployer.mandates))
    size = per_page or paging.PER_PAGE
    return paging.oldest_first(
        statement, ForeignEmployer, ForeignEmployer.name, after, size, scope=mine
    )


def represented(
    actor: User, on: date, kind: MandateKind = MandateKind.EMPLOYER
) -> list[ForeignEmployer]:
    """The parties the actor may file for on `on` (a verified mandate of `kind` in force),
    by name: one statement, not one per employer, for the choice on the start pages."""
    _require_mandatary(actor)
    in_force = exists().where(
        Mandate.foreign_employer_id == ForeignEmployer.id, Mandate.current_clause(on, kind)
    )
    statement = (
        select(ForeignEmployer)
        .where(ForeignEmployer.mandatary_id == actor.mandatary_id, in_force)
        .order_by(ForeignEmployer.name, ForeignEmployer.id)
    )
    return list(db.session.scalars(statement))


def get_foreign_employer(actor: User, employer_id: int) -> ForeignEmployer:
    _require_mandatary(actor)
    employer = db.session.get(ForeignEmployer, employer_id)
    if employer is None or employer.mandatary_id != actor.mandatary_id:
        raise NotFound  # another mandatary's employer looks exactly like a missing one
    return employer


def add_foreign_employer(
    actor: User, *, name: str, country: str, registration_number: str, kbo_number: str | None
) -> ForeignEmployer:
    """Record a foreign employer for the actor's mandatary."""
    _require_mandatary(actor)
    if country == "BE":
        raise Invalid({"country": [_("A foreign employer is established outside Belgium.")]})
    employer = ForeignEmployer(
        mandatary_id=actor.mandatary_id,
        name=name.strip(),
        country=country,
        registration_number=registration_number.strip(),
        kbo_number=kbo_number or None,
    )
    db.session.add(employer)
    db.session.flush()
    return employer


def upload_mandate(
    actor: User,
    employer_id: int,
    *,
    data: bytes,
    file_name: str,
    start: tuple[int, int],
    end: tuple[int, int] | None,
    max_bytes: int,
    kind: MandateKind = MandateKind.EMPLOYER,
) -> Mandate:
    """Store a mandate PDF for a foreign employer (or, of kind professional_card, for the
    person the row names); it waits for an officer's check."""
    employer = get_foreign_employer(actor, employer_id)
    if end is not None and end < start:
        raise Invalid({"end_quarter": [_("The last quarter cannot be before the first quarter.")]})
    stored = uploads.store(data, file_name, ("pdf",), max_bytes, field="file")
    mandate = Mandate(
        foreign_employer=employer,
        kind=kind,
        starts_on=quarter_start(*start),
        ends_on=quarter_end(*end) if end else None,
        file_name=stored.file_name,
        stored_name=stored.stored_name,
        sha256=stored.sha256,
        size=stored.size,
        uploaded_by_id=actor.id,
    )
    db.session.add(mandate)
    db.session.flush()
    return mandate


def current_mandate(
    mandatary_id: int, employer_id: int, on: date, kind: MandateKind = MandateKind.EMPLOYER
) -> Mandate | None:
    """The verified mandate of `kind` in force on `on`, which filing for that party requires
    (a professional-card mandate allows no single permit, and the other way round)."""
    employer = db.session.get(ForeignEmployer, employer_id)
    if employer is None or employer.mandatary_id != mandatary_id:
        return None
    return next((m for m in employer.mandates if m.kind == kind and m.is_current(on)), None)


def _require_officer(actor: User) -> None:
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise NotAllowed


# What the officers' list of mandates to verify shows of a mandate
# (portal/backoffice/mandate_rows.py), and of one decided lately: read as rows, not as whole
# mandates with their foreign employer and its mandatary joined in (each a dozen columns
# the page never shows, made into three objects a row).
PENDING_COLUMNS = (
    Mandate.id,
    Mandate.created_at,
    ForeignEmployer.name.label("employer_name"),
    ForeignEmployer.country.label("employer_country"),
    Mandatary.name.label("mandatary_name"),
)
DECIDED_COLUMNS = (Mandate.id, ForeignEmployer.name.label("employer_name"), Mandate.status)


@functools.cache
def _pending_statement() -> Select:
    # Both keys are required (NOT NULL): the inner joins drop no mandate.
    return (
        select(*PENDING_COLUMNS)
        .select_from(Mandate)
        .join(Mandate.foreign_employer)
        .join(ForeignEmployer.mandatary)
        .where(equals(Mandate.status, MandateStatus.PENDING))
    )


def pending_page(actor: User, after: str | None = None, per_page: int | None = None) -> paging.Page:
    """The mandates waiting for verification, oldest upload first, a page past the mandate
    `after` (`paging.oldest_first`: one verified since the page before still marks the
    place; garbage or no such mandate raises `Invalid`). Its items are rows of
    `PENDING_COLUMNS`, not mandates."""
    _require_officer(actor)
    size = per_page or paging.PER_PAGE
    return paging.oldest_first(
        _pending_statement(), Mandate, Mandate.created_at, after, size, rows=True
    )


@functools.lru_cache(maxsize=8)
def _decided_statement(limit: int) -> Select:
    # Every decided mandate has its moment (`decide_mandate`); asked for it, PostgreSQL
    # starts its backward walk of `ix_mandate_decided` past the waiting mandates, whose
    # empty moments it sorts last in that index and so first in a descending walk: it read
    # them all before the first decision (9,000 at 100,000 files: 0.95 ms, growing with the
    # waiting list; SQLite sorts empty moments first, and never saw them). The size is
    # written in (`db.constant`): without a parameter, PostgreSQL plans it once.
    return (
        select(*DECIDED_COLUMNS)
        .select_from(Mandate)
        .join(Mandate.foreign_employer)
        .where(
            ~equals(Mandate.status, MandateStatus.PENDING),
            Mandate.decided_at.is_not(None),
        )
        .order_by(Mandate.decided_at.desc(), Mandate.id.desc())
        .limit(constant(limit))
    )


def recent_decisions(actor: User, limit: int = 20) -> list[Row]:
    """The `limit` mandates decided last, newest first: rows of `DECIDED_COLUMNS`."""
    _require_officer(actor)
    return list(db.session.execute(_decided_statement(limit)))


def get_mandate(actor: User, mandate_id: int) -> Mandate:
    """An officer sees any mandate; a mandatary only its own."""
    mandate = db.session.get(Mandate, mandate_id)
    if mandate is None:
        raise NotFound
    if actor.role in (Role.OFFICER, Role.ADMIN):
        return mandate
    if actor.role == Role.MANDATARY and mandate.foreign_employer.mandatary_id == actor.mandatary_id:
        return mandate
    raise NotFound


def decide_mandate(actor: User, mandate_id: int, *, verified: bool, reason: str = "") -> Mandate:
    """Verify or reject a pending mandate; a rejection needs a reason. Tells the uploader."""
    _require_officer(actor)
    mandate = get_mandate(actor, mandate_id)
    if mandate.status != MandateStatus.PENDING:
        raise Invalid({"": [_("This mandate has already been decided.")]})
    reason = (reason or "").strip()
    if not verified and not reason:
        raise Invalid({"reason": [_("Give the reason for the rejection.")]})
    mandate.status = MandateStatus.VERIFIED if verified else MandateStatus.REJECTED
    mandate.rejection_reason = None if verified else reason
    mandate.decided_by_id = actor.id
    mandate.decided_at = clock.now()
    uploader = mandate.uploaded_by
    mail.queue(
        uploader.email,
        "mandate_decided",
        uploader.locale,
        name=uploader.name,
        employer=mandate.foreign_employer.name,
        verified=verified,
        reason=reason,
    )
    return mandate
