"""The officers' queue: the files waiting for a Flemish decision, a page at a time.

One query for the page (the assigned officer, the employer and the foreign employer joined
in, only the columns the rows show) and one count, both on indexed columns (`status`,
`category`, `submitted_at`, `deadline_on`, `assigned_officer_id`), so a page costs the same
with 100,000 files.

The search box (`search_condition`) looks through every submitted file, whatever its
status, by reference (exact, any case), the worker's first or last name, the employer's
name (each a prefix, case- and accent-insensitive) or the employer's KBO number (with or
without dots). Every
branch is an index range or equality on a search key (`portal.textsearch`), so it stays
fast at a million files; no LIKE pattern is built, so `%` and `_` match only themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import joinedload, load_only

from portal import clock, textsearch
from portal.accounts.models import ForeignEmployer, Organisation, Role, User
from portal.dossiers.lifecycle import meaning
from portal.dossiers.models import Channel, Dossier, DossierStatus
from portal.errors import NotAllowed
from portal.extensions import db

S = DossierStatus
PER_PAGE = 50
# "Recently forwarded": forwarded to the Immigration Office within this many days.
FORWARDED_WINDOW_DAYS = 30

STATES = ("open", "forwarded")
OWNERS = ("all", "mine", "unassigned")
SORTS = ("deadline", "submitted", "newest")
OPEN = meaning.DECIDING  # the files Flanders is deciding on


@dataclass(frozen=True)
class QueueRow:
    dossier: Dossier
    # deadline_on − today: negative when the legal deadline has passed; None once decided.
    days_left: int | None


@dataclass(frozen=True)
class QueuePage:
    rows: list[QueueRow]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        """The position of the first row on this page (1-based; 0 for an empty queue)."""
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0

    def page_numbers(self, around: int = 2) -> list[int | None]:
        """Page numbers to link: the first, the last and a few around the current; None = gap."""
        wanted = {1, self.pages, *range(self.page - around, self.page + around + 1)}
        numbers = sorted(n for n in wanted if 1 <= n <= self.pages)
        result: list[int | None] = []
        for number in numbers:
            if result and number - result[-1] > 1:
                result.append(None)
            result.append(number)
        return result


def _cutoff(today: date, days: int) -> datetime:
    """Submitted more than `days` days ago: before midnight (Brussels) of today − days."""
    day = today - timedelta(days=days)
    return datetime.combine(day, time.min, tzinfo=clock.BRUSSELS)


# Separators people type inside a KBO number: 0123.456.749, 0123 456 749, BE0123456749.
_KBO_SEPARATORS = re.compile(r"[\s./-]")
_KBO = re.compile(r"(?:be)?(\d{9,10})")


def _kbo_of(query: str) -> str | None:
    match = _KBO.fullmatch(_KBO_SEPARATORS.sub("", query.casefold()))
    return match.group(1).zfill(10) if match else None


def search_condition(query: str | None):
    """The WHERE clause for the search box, or None when there is nothing to search for."""
    term = textsearch.key(query)
    if not term:
        return None
    branches = [Dossier.reference == term.upper()]
    kbo = _kbo_of(term)
    if kbo:
        branches.append(
            Dossier.organisation_id.in_(
                select(Organisation.id).where(Organisation.kbo_number == kbo)
            )
        )
    words = term.split(" ")
    first, last = Dossier.worker_first_key, Dossier.worker_last_key
    branches += [textsearch.prefix_range(first, term), textsearch.prefix_range(last, term)]
    if len(words) > 1:  # "priya sharma" or "sharma priya"
        head, tail = words[0], " ".join(words[1:])
        rest, end = " ".join(words[:-1]), words[-1]
        branches += [
            textsearch.prefix_range(first, head) & textsearch.prefix_range(last, tail),
            textsearch.prefix_range(last, rest) & textsearch.prefix_range(first, end),
        ]
    branches.append(
        Dossier.organisation_id.in_(
            select(Organisation.id).where(textsearch.prefix_range(Organisation.name_key, term))
        )
    )
    return or_(*branches)


def conditions(
    actor: User,
    *,
    query: str | None = None,
    state: str = "open",
    category: str | None = None,
    channel: str | None = None,
    older_than_days: int | None = None,
    owner: str = "all",
    today: date,
) -> list:
    """The WHERE clauses of the queue for these filters (unknown values are ignored).

    With a search query the state filter gives way: a search looks through every file
    that was submitted, whatever its status.
    """
    search = search_condition(query)
    if search is not None:
        where = [Dossier.status != S.DRAFT, search]
    elif state == "forwarded":
        where = [
            Dossier.status == S.FORWARDED,
            Dossier.forwarded_on >= today - timedelta(days=FORWARDED_WINDOW_DAYS),
        ]
    else:
        where = [Dossier.status.in_(OPEN)]
    if category:
        where.append(Dossier.category == category)
    if channel in {c.value for c in Channel}:
        where.append(Dossier.channel == Channel(channel))
    if older_than_days is not None and older_than_days >= 0:
        where.append(Dossier.submitted_at < _cutoff(today, older_than_days))
    if owner == "mine":
        where.append(Dossier.assigned_officer_id == actor.id)
    elif owner == "unassigned":
        where.append(Dossier.assigned_officer_id.is_(None))
    return where


def _order(sort: str) -> list:
    if sort == "submitted":
        return [Dossier.submitted_at.asc(), Dossier.id.asc()]
    if sort == "newest":
        return [Dossier.submitted_at.desc(), Dossier.id.desc()]
    return [Dossier.deadline_on.asc().nulls_last(), Dossier.submitted_at.asc(), Dossier.id.asc()]


def dossier_queue(
    actor: User,
    *,
    query: str | None = None,
    state: str = "open",
    category: str | None = None,
    channel: str | None = None,
    older_than_days: int | None = None,
    owner: str = "all",
    sort: str = "deadline",
    page: int = 1,
    per_page: int = PER_PAGE,
    today: date | None = None,
) -> QueuePage:
    """One page of the queue; by default the soonest legal deadline first, undated last."""
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise NotAllowed
    today = today or clock.today()
    where = conditions(
        actor,
        query=query,
        state=state,
        category=category,
        channel=channel,
        older_than_days=older_than_days,
        owner=owner,
        today=today,
    )
    total = db.session.scalar(select(func.count(Dossier.id)).where(*where)) or 0
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    query = (
        select(Dossier)
        .where(*where)
        .options(
            load_only(
                Dossier.reference,
                Dossier.status,
                Dossier.category,
                Dossier.channel,
                Dossier.submitted_at,
                Dossier.deadline_on,
                Dossier.forwarded_on,
                Dossier.assigned_officer_id,
                Dossier.thresholds_missing,
                Dossier.worker_first_name,
                Dossier.worker_last_name,
                Dossier.organisation_id,
                Dossier.foreign_employer_id,
                Dossier.is_posting,
            ),
            joinedload(Dossier.assigned_officer).load_only(User.id, User.name),
            joinedload(Dossier.organisation).load_only(
                Organisation.id, Organisation.name, Organisation.kbo_number
            ),
            joinedload(Dossier.foreign_employer).load_only(
                ForeignEmployer.id, ForeignEmployer.name, ForeignEmployer.kbo_number
            ),
        )
        .order_by(*_order(sort))
        .limit(per_page)
        .offset((page - 1) * per_page)
    )
    rows = [
        QueueRow(d, (d.deadline_on - today).days if d.deadline_on else None)
        for d in db.session.scalars(query)
    ]
    return QueuePage(rows=rows, total=total, page=page, per_page=per_page)
