"""The one loader of a file: it fetches *and* authorises, once per request.

Services take the loaded `Dossier`; only views (and the API) turn an id into one, here.
Anything the actor is not a party to looks exactly like a missing file (404).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Index, Select, bindparam, false, inspect, or_, select
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from portal import paging, transactions
from portal.accounts.models import Organisation, Role, User
from portal.dossiers.lifecycle.status import answered_condition, back_with_officer_condition
from portal.dossiers.models import (
    CardDetails,
    Document,
    Dossier,
    DossierKind,
    DossierStatus,
    DossierViewer,
    Permit,
    full_name,
)
from portal.errors import NotAllowed, NotFound
from portal.extensions import db

PER_PAGE = paging.PER_PAGE

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
    return _condition(_parties(actor))


def _parties(actor: User) -> tuple:
    """All that decides which files the actor may see: their organisation, their
    mandatary, their role, and for an entrepreneur or a talent the person themselves."""
    person = actor.id if actor.role in (Role.ENTREPRENEUR, Role.TALENT) else None
    return (actor.organisation_id, actor.mandatary_id, actor.role, person)


# Conditions and list statements kept per party (an organisation, a mandatary, a role, a
# person): built on every request, they cost a tenth of "My applications". Bounded: the
# least recently used are dropped (a few kB each).
MAX_KEPT_PARTIES = 2048


@functools.lru_cache(maxsize=MAX_KEPT_PARTIES)
def _condition(parties: tuple):
    organisation_id, mandatary_id, role, person = parties
    conditions = []
    if organisation_id is not None:
        conditions.append(Dossier.organisation_id == organisation_id)
    if mandatary_id is not None:
        conditions.append(Dossier.mandatary_id == mandatary_id)
    if role in (Role.OFFICER, Role.ADMIN):
        conditions.append(Dossier.status != DossierStatus.DRAFT)
    if role == Role.ENTREPRENEUR:  # the person filing their own card: their files only
        conditions.append(
            (Dossier.created_by_id == person)
            & Dossier.organisation_id.is_(None)
            & Dossier.mandatary_id.is_(None)
        )
    if role == Role.TALENT:
        invited = select(DossierViewer.dossier_id).where(DossierViewer.user_id == person)
        conditions.append(Dossier.id.in_(invited) & (Dossier.status != DossierStatus.DRAFT))
    return or_(*conditions) if conditions else None


def dossiers_for(actor: User, status: DossierStatus | None = None) -> Select:
    """The statement of the actor's dossiers (only those in `status`, when given), unordered:
    the caller reads it a page at a time. None of them for an actor who may see none."""
    condition = _visible_to(actor)
    query = select(Dossier).where(condition if condition is not None else false())
    if status is not None:
        query = query.where(Dossier.status == status)
    return query


class ListedFile(NamedTuple):
    """A file as the list of one's files shows it: its few columns, not the whole file.

    A file has about a hundred columns; a page of 50 whole files cost most of the page's
    time in building objects whose values it never shows (issue 15). A named tuple is made
    from a row at C speed; a frozen dataclass cost a sixth of the list's reading."""

    id: int
    reference: str | None
    created_at: datetime
    worker_first_name: str | None
    worker_last_name: str | None
    permit: Permit
    kind: DossierKind
    is_posting: bool
    status: DossierStatus
    back_with_officer: bool  # submitted again after an answer (`status.title_of`)

    @property
    def worker_name(self) -> str:
        return full_name(self.worker_first_name, self.worker_last_name)


_COLUMNS = ListedFile._fields[: ListedFile._fields.index("back_with_officer")]


def _listed() -> tuple:
    """The list's columns; whether a file is back with the officer is read in the same
    query (a second one, over the page's ids, cost as much as the page itself)."""
    answered = back_with_officer_condition().label("back_with_officer")
    return (*(getattr(Dossier, name) for name in _COLUMNS), answered)


@dataclass(frozen=True)
class DossierPage:
    """One page of the actor's files, newest first; `older` is the cursor of the next page."""

    dossiers: list[ListedFile]
    older: int | None
    first: bool


def _cursor(actor: User, condition, before: str) -> int:
    """The id in `before` when it is one of the actor's files; anything else is refused."""
    file_id = paging.cursor_id(before)
    if condition is None:
        raise paging.refused()
    mine = db.session.scalar(select(Dossier.id).where(Dossier.id == file_id, condition))
    if mine is None:  # someone else's file, or none: the same answer, nothing to learn
        raise paging.refused()
    return mine


def dossiers_page(actor: User, before: str | None = None, per_page: int = PER_PAGE) -> DossierPage:
    """A page of the actor's files, newest first, after the file `before` (keyset: the
    page costs the same however many files came before it, and holds at most `per_page`)."""
    parties = _parties(actor)
    condition = _condition(parties)
    after = paging.given(before)
    cursor = _cursor(actor, condition, before) if after else None
    if condition is None:
        return DossierPage([], None, not after)
    statement = _page_statement(parties, after, per_page)
    listed = ListedFile._make
    found = transactions.plain_reads().execute(statement, {"before_id": cursor} if after else {})
    rows = list(map(listed, found.all()))
    older = rows[per_page - 1].id if len(rows) > per_page else None
    return DossierPage(rows[:per_page], older, not after)


@functools.lru_cache(maxsize=MAX_KEPT_PARTIES)
def _page_statement(parties: tuple, after: bool, size: int) -> Select:
    """A page of `size` + 1 of the parties' files, newest first (after the file whose id is
    the parameter `before_id`)."""
    statement = (
        select(*_listed()).where(_condition(parties)).order_by(Dossier.id.desc()).limit(size + 1)
    )
    return statement.where(Dossier.id < bindparam("before_id")) if after else statement


@functools.lru_cache(maxsize=MAX_KEPT_PARTIES)
def _dossier_statement(parties: tuple, for_update: bool, answered: bool = False) -> Select:
    """One of the parties' files, by the parameter `dossier_id` (locked and read afresh
    `for_update`), and whether one of its information requests is `answered`: every file
    page asks it, built once per party."""
    columns = [Dossier]
    if answered:
        columns.append(answered_condition(Dossier.id).label("answered"))
    statement = select(*columns).where(Dossier.id == bindparam("dossier_id"), _condition(parties))
    if for_update:
        statement = statement.with_for_update(of=Dossier).execution_options(populate_existing=True)
    return statement


def _find(actor: User, dossier_id: int, for_update: bool, answered: bool):
    parties = _parties(actor)
    found = None
    if _condition(parties) is not None:
        statement = _dossier_statement(parties, for_update, answered)
        found = db.session.execute(statement, {"dossier_id": dossier_id}).first()
    if found is None:
        raise NotFound
    return found


def get_dossier(actor: User, dossier_id: int, *, for_update: bool = False) -> Dossier:
    """A dossier the actor is a party to; anything else looks like a missing one.

    `for_update` locks its row until the transaction ends (PostgreSQL; on SQLite a writing
    request's BEGIN IMMEDIATE already holds the database) and reads it afresh: a second request
    that changes the same file (a double submit, two officers deciding) waits for the
    first, then sees what it did, instead of acting on a stale status.
    """
    return _find(actor, dossier_id, for_update, answered=False)[0]


def get_dossier_answered(actor: User, dossier_id: int) -> tuple[Dossier, bool]:
    """`get_dossier`, and whether one of its information requests is answered, in the same
    statement: what a page that shows the status title needs and does not read the
    requests for (`status.title_of(dossier, answered)`). Asked apart, it was one statement
    more, about 3% of the employer's file page (issue 15). A value beside the file, not an
    attribute of it: it cannot go stale when the file is read again in the session."""
    dossier, answered = _find(actor, dossier_id, False, answered=True)
    return dossier, bool(answered)


@functools.cache
def _contents_statements() -> tuple[Select, Select, Select]:
    """A file's documents (in the relationship's order) and card answers, by the parameter
    `dossier_id`, and an organisation by `organisation_id`: built once per process."""
    documents = (
        select(Document).where(Document.dossier_id == bindparam("dossier_id")).order_by(Document.id)
    )
    card = select(CardDetails).where(CardDetails.dossier_id == bindparam("dossier_id"))
    organisation = select(Organisation).where(Organisation.id == bindparam("organisation_id"))
    return documents, card, organisation


def load_contents(dossier: Dossier) -> Dossier:
    """Load what a page showing the whole file reads: its documents, its card answers (a
    card file's) and its employer, each by a statement kept per process (what is loaded already stays).

    Each was a lazy load, and a lazy load builds its statement on every use: about 125 µs
    each, against about 60 µs for a kept one (issue 15). An organisation already in the
    session (an employer's own, loaded with the user) is taken from there, as the lazy load
    would. Call it after anything that expires the session's objects (an audited view's
    own commit), or they are read again one by one.
    """
    unloaded = inspect(dossier).unloaded
    documents, card, organisation = _contents_statements()
    if "documents" in unloaded:
        found = db.session.scalars(documents, {"dossier_id": dossier.id})
        set_committed_value(dossier, "documents", list(found))
    # Only a card file has card answers, and the pages ask for them only of a card file: a
    # single permit's page sends one statement less (about 3% of the employer's file page).
    if "card" in unloaded and dossier.permit == Permit.PROFESSIONAL_CARD:
        set_committed_value(dossier, "card", db.session.scalar(card, {"dossier_id": dossier.id}))
    employer = dossier.organisation_id
    if (
        "organisation" in unloaded
        and employer is not None
        and identity_key(Organisation, employer) not in db.session.identity_map
    ):
        found = db.session.scalar(organisation, {"organisation_id": employer})
        set_committed_value(dossier, "organisation", found)
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
