"""The one loader of a file: it fetches *and* authorises, once per request.

Services take the loaded `Dossier`; only views (and the API) turn an id into one, here.
Anything the actor is not a party to looks exactly like a missing file (404).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Index, or_, select

from portal.accounts.models import Role, User
from portal.dossiers.models import (
    Dossier,
    DossierKind,
    DossierStatus,
    DossierViewer,
    Permit,
    full_name,
)
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import _

PER_PAGE = 50
# A cursor is the id of the last file of the page before: digits only, no sign, no leading
# zero, at most 19 digits and within SQLite's and PostgreSQL's 64-bit integers.
_CURSOR = re.compile(r"[1-9][0-9]{0,18}")
_MAX_ID = 2**63 - 1

# "My applications" newest first, a page after a cursor: one index range per party, read
# backwards, however long the list (SQLite's single-column indexes already end in the rowid;
# PostgreSQL needs the id in the index). Migration 20261202_speed_keyset_indexes.
Index("ix_dossier_organisation_newest", Dossier.organisation_id, Dossier.id)
Index("ix_dossier_mandatary_newest", Dossier.mandatary_id, Dossier.id)


def can_file(actor: User) -> bool:
    return (
        (actor.role == Role.EMPLOYER and actor.organisation_id is not None)
        or (actor.role == Role.MANDATARY and actor.mandatary_id is not None)
        or actor.role == Role.ENTREPRENEUR  # their own professional card, nothing else
    )


def _visible_to(actor: User):
    """The SQL condition for dossiers the actor may see (the parties of the file)."""
    conditions = []
    if actor.organisation_id is not None:
        conditions.append(Dossier.organisation_id == actor.organisation_id)
    if actor.mandatary_id is not None:
        conditions.append(Dossier.mandatary_id == actor.mandatary_id)
    if actor.role in (Role.OFFICER, Role.ADMIN):
        conditions.append(Dossier.status != DossierStatus.DRAFT)
    if actor.role == Role.ENTREPRENEUR:  # the person filing their own card: their files only
        conditions.append(
            (Dossier.created_by_id == actor.id)
            & Dossier.organisation_id.is_(None)
            & Dossier.mandatary_id.is_(None)
        )
    if actor.role == Role.TALENT:
        invited = select(DossierViewer.dossier_id).where(DossierViewer.user_id == actor.id)
        conditions.append(Dossier.id.in_(invited) & (Dossier.status != DossierStatus.DRAFT))
    return or_(*conditions) if conditions else None


def dossiers_for(actor: User, status: DossierStatus | None = None) -> list[Dossier]:
    """The actor's dossiers (only those in `status`, when given), newest first."""
    condition = _visible_to(actor)
    if condition is None:
        return []
    query = select(Dossier).where(condition).order_by(Dossier.id.desc())
    if status is not None:
        query = query.where(Dossier.status == status)
    return list(db.session.scalars(query))


@dataclass(frozen=True, slots=True)
class ListedFile:
    """A file as the list of one's files shows it: its few columns, not the whole file.

    A file has about a hundred columns; a page of 50 whole files cost most of the page's
    time in building objects whose values it never shows (issue 15)."""

    id: int
    reference: str | None
    created_at: datetime
    worker_first_name: str | None
    worker_last_name: str | None
    permit: Permit
    kind: DossierKind
    is_posting: bool
    status: DossierStatus

    @property
    def worker_name(self) -> str:
        return full_name(self.worker_first_name, self.worker_last_name)


_LISTED = tuple(getattr(Dossier, name) for name in ListedFile.__dataclass_fields__)


@dataclass(frozen=True)
class DossierPage:
    """One page of the actor's files, newest first; `older` is the cursor of the next page."""

    dossiers: list[ListedFile]
    older: int | None
    first: bool


def _cursor(actor: User, condition, before: str) -> int:
    """The id in `before` when it is one of the actor's files; anything else is refused."""
    if not _CURSOR.fullmatch(before) or int(before) > _MAX_ID or condition is None:
        raise _refused()
    mine = db.session.scalar(select(Dossier.id).where(Dossier.id == int(before), condition))
    if mine is None:  # someone else's file, or none: the same answer, nothing to learn
        raise _refused()
    return mine


def _refused() -> Invalid:
    return Invalid(_("The request could not be understood"))  # the 400 page's title


def dossiers_page(actor: User, before: str | None = None, per_page: int = PER_PAGE) -> DossierPage:
    """A page of the actor's files, newest first, after the file `before` (keyset: the
    page costs the same however many files came before it, and holds at most `per_page`)."""
    condition = _visible_to(actor)
    query = select(*_LISTED).order_by(Dossier.id.desc()).limit(per_page + 1)
    if before not in (None, ""):
        query = query.where(Dossier.id < _cursor(actor, condition, before))
    if condition is None:
        return DossierPage([], None, before in (None, ""))
    rows = [ListedFile(*row) for row in db.session.execute(query.where(condition))]
    older = rows[per_page - 1].id if len(rows) > per_page else None
    return DossierPage(rows[:per_page], older, before in (None, ""))


def get_dossier(actor: User, dossier_id: int, *, for_update: bool = False) -> Dossier:
    """A dossier the actor is a party to; anything else looks like a missing one.

    `for_update` locks its row until the transaction ends (PostgreSQL; on SQLite a writing
    request's BEGIN IMMEDIATE already holds the database) and reads it afresh: a second request
    that changes the same file (a double submit, two officers deciding) waits for the
    first, then sees what it did, instead of acting on a stale status.
    """
    condition = _visible_to(actor)
    dossier = None
    if condition is not None:
        query = select(Dossier).where(Dossier.id == dossier_id, condition)
        if for_update:
            query = query.with_for_update(of=Dossier).execution_options(populate_existing=True)
        dossier = db.session.scalar(query)
    if dossier is None:
        raise NotFound
    return dossier


def officer_dossier(actor: User, dossier_id: int, *, for_update: bool = False) -> Dossier:
    """A submitted file, for an officer or an administrator (`get_dossier` behind a role check).

    The one loader of the back office and of the e-mail files the officers complete
    (`portal.fallback.completion.email_file`): those two packages may not import each other,
    so the shared code sits here. The role is checked first, so that anyone else is refused
    (NotAllowed) before a file is read, whatever its id.
    """
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise NotAllowed
    return get_dossier(actor, dossier_id, for_update=for_update)


def editable_dossier(actor: User, dossier_id: int) -> Dossier:
    """A draft the actor's organisation or mandatary may still change."""
    dossier = get_dossier(actor, dossier_id)
    if not dossier.is_draft or actor.role not in (Role.EMPLOYER, Role.MANDATARY, Role.ENTREPRENEUR):
        raise NotAllowed
    return dossier
