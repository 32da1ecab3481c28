"""The officers' queue: the files waiting for a Flemish decision, a page at a time.

One query for the page (the assigned officer, the employer and the foreign employer joined
in, only the columns the rows show) and one count, both on indexed columns (`status`,
`category`, `submitted_at`, `deadline_on`, `assigned_officer_id`), so a page costs the same
with 100,000 files. Pages follow each other by keyset (the next page starts after the last
file shown, by the sort keys), not by OFFSET, so page 1,000 costs what page 1 does; past
the first page one more count gives the position ("Files 51 to 100 of 2,000"). A count
that reaches its cap ("1,000+") is kept a minute per worker and filters (`_total`); one
below it is read every time.

The search box (`search_condition`) looks through every submitted file, whatever its
status, by reference (exact, any case), the worker's first or last name, the employer's
name (each a prefix, case- and accent-insensitive) or the employer's KBO number (with or
without dots). Every branch is an index range or equality on a search key
(`portal.textsearch`), so it stays fast at a million files; no LIKE pattern is built, so
`%` and `_` match only themselves.

How the branches are combined depends on how many index entries they hold, asked first
(skipping entries, never reading a file) and kept a minute per search key and process, so
that paging through a search asks once. Up to COUNT_CAP, or up to `union_limit`
(15 × √files) where that is more: the files are those whose id is in the union of the
branches' ids, each read from its own index. Neither SQLite nor PostgreSQL can combine an
OR of indexes when one branch is a subquery (the employer's name or KBO number): they walk
the files instead, 1.2 s for a name nobody has at 1,000,000 files, and 370 ms for one that
1,111 files have. More: the OR stays, and the page's ordered index scan meets its fifty
files early. A two-word branch ("priya sharma": first name *priya* and last name
*sharma*) is read through whichever of its two ranges holds fewer entries, counted in the
same statement: SQLite's statistics cannot tell, and read "worker 9999" through a last-name
range every file was in.
"""

from __future__ import annotations

import contextlib
import functools
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from time import monotonic

from sqlalchemy import (
    Connection,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    false,
    func,
    literal,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import aliased
from sqlalchemy.sql.expression import ColumnElement
from sqlalchemy.sql.visitors import InternalTraversal
from sqlalchemy.types import Boolean

from portal import clock, pagecache, paging, textsearch, transactions
from portal.accounts.models import ForeignEmployer, Organisation, Role, User
from portal.db import among, constant
from portal.dossiers.lifecycle import meaning
from portal.dossiers.models import Channel, Dossier, DossierStatus, Permit
from portal.errors import NotAllowed

S = DossierStatus
PER_PAGE = paging.PER_PAGE
# "Recently forwarded": forwarded to the Immigration Office within this many days.
FORWARDED_WINDOW_DAYS = 30

STATES = ("open", "forwarded")
OWNERS = ("all", "mine", "unassigned")
SORTS = ("deadline", "submitted", "newest")
OPEN = meaning.DECIDING  # the files Flanders is deciding on


# The officer assigned to a file (the users table joined a second time, under its own name).
_OFFICER = aliased(User, name="officer")
# A row of the queue: the columns it shows, read as plain values (no ORM objects to build:
# that was a sixth of the page's time), named as `portal.backoffice.queue_rows` reads them.
ROW_COLUMNS = (
    Dossier.id,
    Dossier.reference,
    Dossier.status,
    Dossier.permit,
    Dossier.category,
    Dossier.channel,
    Dossier.submitted_at,
    Dossier.deadline_on,
    Dossier.forwarded_on,
    Dossier.thresholds_missing,
    Dossier.worker_first_name,
    Dossier.worker_last_name,
    Organisation.name.label("organisation_name"),
    Organisation.kbo_number.label("organisation_kbo"),
    ForeignEmployer.name.label("foreign_employer_name"),
    _OFFICER.name.label("officer_name"),
)


@functools.cache
def _rows_statement(sort: str, backwards: bool):
    """The rows' columns with their joins, in this order: built once per order and process
    (a statement is never changed in place; `.where()` makes a new one)."""
    return (
        select(*ROW_COLUMNS)
        .outerjoin(Organisation, Organisation.id == Dossier.organisation_id)
        .outerjoin(ForeignEmployer, ForeignEmployer.id == Dossier.foreign_employer_id)
        .outerjoin(_OFFICER, _OFFICER.id == Dossier.assigned_officer_id)
        .order_by(*_order(sort, backwards=backwards))
    )


# The queue's size is counted up to COUNT_CAP files and shown as "1,000+" beyond: a count
# that reads at most COUNT_CAP + 1 index entries however long the queue grows (no law or
# figure needs the exact size here; the figures count in portal.stats). The position of a
# page ("Files 51 to 100") stays exact.
COUNT_CAP = 1000


def _up_to_cap(rows, cap: int | None = None) -> Select:
    """A count of `rows` (a SELECT or a UNION) that stops at `cap` (COUNT_CAP) + 1: it reads
    at most that many index entries, however many match."""
    return select(func.count()).select_from(
        rows.limit(constant((COUNT_CAP if cap is None else cap) + 1)).subquery()
    )


@dataclass(frozen=True)
class QueuePage:
    """A page of the queue. `older`/`newer` are the cursors of the next and the previous
    page (the id of this page's last or first file), None at either end."""

    rows: list  # rows of ROW_COLUMNS
    total: int
    first: int  # the position of the first row (1-based; 0 for an empty page)
    per_page: int
    next_cursor: int | None = None
    previous_cursor: int | None = None
    today: date | None = None  # the day the rows' deadlines count from

    @property
    def total_capped(self) -> bool:
        """More than COUNT_CAP files: `total` is then COUNT_CAP + 1, shown as "1,000+"."""
        return self.total > COUNT_CAP

    @property
    def cap(self) -> int:
        return COUNT_CAP

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


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


# How a search is read (see `_reading`). The union of its branches' ids reads every file
# found and sorts them; the OR walks past files that do not match, and its count (up to
# COUNT_CAP) walks past about COUNT_CAP × files ÷ found of them. Measured at a million
# files: the union costs 0.7 µs a file found on SQLite and 1.4 µs on PostgreSQL, the OR 0.4
# and 0.21 µs a file walked past. The union is the cheaper up to about 24 × √files found on
# SQLite and 12 × √files on PostgreSQL; 15 serves both (the two ways cost about the same
# near there), always up to COUNT_CAP, and never past PROBE_CAP, where the union's page
# would take 15 to 30 ms.
UNION_PER_ROOT = 15
PROBE_CAP = 20_000


def search_condition(query: str | None):
    """The WHERE clause for the search box, or None when there is nothing to search for.

    The indexes are asked first how the search is cheaper read (see `_reading`): through
    the union of its branches' indexes or as the OR (see the module)."""
    plan = _search_plan(query)
    return None if plan is None else _search_clause(plan)


# How long a search key's reading (`_reading`) is kept, per process. An officer pages
# through a search, opens a file and comes back to it: each page asked the indexes again
# (at a million files, 0.1 to 0.4 ms of a 2.5 to 3.3 ms page). Either reading finds the same
# files in the same order, so a reading that has grown stale (many files added since) only
# costs time, for at most this long.
PLAN_SECONDS = 60.0


def _search_plan(query: str | None) -> tuple[str, tuple[int, ...], bool] | None:
    """(the search key, each two-word branch's side, whether to read the union), as the
    indexes said at most PLAN_SECONDS ago; None when there is nothing to search for."""
    term = textsearch.key(query)
    if not term:
        return None
    kept = _search(term).kept
    moment = monotonic()
    found = kept.get("plan")
    if found is not None and moment - found[0] < PLAN_SECONDS:
        return found[1]
    sides, few = _reading(term)
    plan = (term, sides, few)
    kept["plan"] = (moment, plan)  # one assignment: a thread beside this one sees either
    return plan


def _search_clause(plan: tuple[str, tuple[int, ...], bool]):
    term, sides, few = plan
    anywhere, union_of_ids = _clauses(term, sides)
    return union_of_ids if few else anywhere


def _reading(term: str) -> tuple[tuple[int, ...], bool]:
    """How to read `term` now: each two-word branch's side (0: through the first-name index,
    1: the last name's, whichever holds fewer entries), and whether to read the union.

    The union is read while each two-word branch's smaller range holds at most COUNT_CAP
    entries, and the one-index branches together at most `union_limit` (a file matching two
    counts twice, which can only choose the OR, never lose a file). One statement counts
    the ranges, tells whether the one-index branches hold more than COUNT_CAP entries, and
    reads the highest file id (how many files there are, near enough); a second statement
    is needed only when they do, and skips up to `union_limit` entries without reading a
    file."""
    search = _search(term)
    beyond, files, *counts = transactions.plain_reads().execute(search.probe).one()
    pairs = _twos(counts)
    sides = tuple(int(by_last < by_first) for by_first, by_last in pairs)
    if any(min(pair) > COUNT_CAP for pair in pairs):
        return sides, False
    if beyond is None:
        return sides, True
    limit = union_limit(files or 0)
    if limit <= COUNT_CAP:
        return sides, False
    return sides, transactions.plain_reads().execute(
        search.further, {"skip": limit}
    ).first() is None


def union_limit(files: int) -> int:
    """The most index entries a search may hold among `files` files and still be read as the
    union of its branches' ids (see UNION_PER_ROOT)."""
    return min(PROBE_CAP, int(UNION_PER_ROOT * math.sqrt(max(files, 0))))


def _twos(values) -> list[tuple]:
    """(a, b, c, d) → [(a, b), (c, d)]."""
    return list(zip(values[::2], values[1::2], strict=True))


@dataclass(frozen=True)
class _Search:
    """What one search key asks of the indexes."""

    single: tuple  # branches on one index each
    pairs: tuple  # two-word branches: (first-name range, last-name range) both to hold
    probe: object  # what chooses how to read (see `_reading`)
    further: object  # an entry of the one-index branches past :skip of them, if any
    # The reading last chosen, with when (`_search_plan`): kept with the statements, so
    # that it goes when they do.
    kept: dict = field(default_factory=dict, compare=False)


# Officers search the same references and names again (and page through their results):
# the clauses are built once per search key (at most 200 characters) and kept, a few hundred
# at most. SQL clauses are never changed in place, so one can serve every request.
@functools.lru_cache(maxsize=512)
def _search(term: str) -> _Search:
    single, pairs = _search_branches(term)
    entries = union_all(*[select(Dossier.id).where(branch) for branch in single]).subquery()

    def past(skip):
        # The entry after the first `skip`, if any: skipping entries costs a third of
        # counting them, and a common name skips them on every search.
        return select(literal(1)).select_from(entries).offset(skip).limit(1)

    sides = [
        _up_to_cap(select(Dossier.id).where(textsearch.prefix_range(*side))).scalar_subquery()
        for pair in pairs
        for side in pair
    ]
    files = select(func.max(Dossier.id)).scalar_subquery()
    probe = select(past(COUNT_CAP).scalar_subquery(), files, *sides)
    return _Search(tuple(single), tuple(pairs), probe, past(bindparam("skip", type_=Integer)))


@functools.lru_cache(maxsize=512)
def _clauses(term: str, sides: tuple[int, ...]) -> tuple:
    """(the OR of the branches, the file's id among the union of the branches' ids), each
    two-word branch read through the index its side names (0: first name, 1: last name).

    The other range of the pair is put as `column || ''`, which no index serves: SQLite's
    statistics have no selectivity per prefix, and it read a two-word name through a range
    every file's last name is in (a million entries at a million files)."""
    search = _search(term)
    branches = list(search.single)
    for (by_first, by_last), side in zip(search.pairs, sides, strict=True):
        indexed, other = (by_last, by_first) if side else (by_first, by_last)
        branches.append(and_(textsearch.prefix_range(*indexed), _unindexed(other)))
    ids = [select(Dossier.id).where(branch) for branch in branches]
    # UNION ALL: a file two branches find is still one file (`IN` and `= ANY` test
    # membership), and no temporary index sorts the ids apart first: the count and the page
    # statement of a name 11,111 files have took 7.8 ms on SQLite at a million files, now 5.4.
    return or_(*branches), _IdAmong(Dossier.id, union_all(*ids))


class _IdAmong(ColumnElement):
    """`id IN (ids)`, where `ids` is a statement that is known to give few ids.

    PostgreSQL cannot tell: it estimated a million ids for the union of the search's
    branches (the employer's branch is a subquery) and walked the whole primary key to meet
    the 111 that "worker 9999" gave (300 ms at a million files). Written as
    `id = ANY(ARRAY(ids))`, the ids are gathered first and looked up by primary key (0.4 ms).
    SQLite plans `IN` so already."""

    type = Boolean()
    _is_implicitly_boolean = True  # a condition as it stands: never written `… = 1`
    inherit_cache = True
    _traverse_internals = [
        ("column", InternalTraversal.dp_clauseelement),
        ("ids", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, column, ids) -> None:
        self.column = column
        self.ids = ids


@compiles(_IdAmong)
def _id_in(element: _IdAmong, compiler, **kw) -> str:
    return f"{compiler.process(element.column, **kw)} IN ({compiler.process(element.ids, **kw)})"


@compiles(_IdAmong, "postgresql")
def _id_any(element: _IdAmong, compiler, **kw) -> str:
    column, ids = compiler.process(element.column, **kw), compiler.process(element.ids, **kw)
    return f"{column} = ANY(ARRAY({ids}))"


def _unindexed(prefix: tuple) -> object:
    column, term = prefix
    return textsearch.prefix_range(column.concat(""), term)


def _search_branches(term: str) -> tuple[list, list]:
    """Each way a file can match `term`: the branches on one index each (an equality or a
    range), and the two-word ones as (first-name range, last-name range) pairs, each range
    as (column, prefix)."""
    single = [Dossier.reference == term.upper()]
    kbo = _kbo_of(term)
    if kbo:
        single.append(
            Dossier.organisation_id.in_(
                select(Organisation.id).where(Organisation.kbo_number == kbo)
            )
        )
    words = term.split(" ")
    first, last = Dossier.worker_first_key, Dossier.worker_last_key
    single += [textsearch.prefix_range(first, term), textsearch.prefix_range(last, term)]
    pairs = []
    if len(words) > 1:  # "priya sharma" or "sharma priya"
        head, tail = words[0], " ".join(words[1:])
        rest, end = " ".join(words[:-1]), words[-1]
        pairs = [((first, head), (last, tail)), ((first, end), (last, rest))]
    single.append(
        Dossier.organisation_id.in_(
            select(Organisation.id).where(textsearch.prefix_range(Organisation.name_key, term))
        )
    )
    return single, pairs


@dataclass(frozen=True)
class _Shape:
    """Everything a page's statements are built from but the values of a cursor: the
    filters as given, the search as the indexes said to read it (`_search_plan`), the day.

    Officers ask the same few filter sets again and again: a page's statements are built
    once per shape and kept (`_where`, `_count_statement`, `_page_statement`), with the
    cursor's values as parameters. Building them anew (conditions, joins, order, and
    SQLAlchemy's cache key of the result) cost a sixth of the queue's time."""

    search: tuple[str, tuple[int, ...], bool] | None
    state: str
    category: str | None
    channel: str | None
    kind: str | None
    older_than_days: int | None
    owner: str
    officer_id: int | None  # the actor, for "Files I took" only
    today: date


# Shapes kept per process: about 4 kB each, all statements of one shape together. A day's
# officers ask a few hundred; at the limit the least recently asked are dropped.
MAX_SHAPES = 1024


def _shape(
    actor: User,
    *,
    today: date,
    query: str | None = None,
    state: str = "open",
    category: str | None = None,
    channel: str | None = None,
    older_than_days: int | None = None,
    owner: str = "all",
    kind: str | None = None,
) -> _Shape:
    return _Shape(
        search=_search_plan(query),
        state=state,
        category=category,
        channel=channel,
        kind=kind,
        older_than_days=older_than_days,
        owner=owner,
        officer_id=actor.id if owner == "mine" else None,
        today=today,
    )


def conditions(actor: User, *, today: date, **filters) -> list:
    """The WHERE clauses of the queue for these filters (those of `dossier_queue`; unknown
    values are ignored).

    With a search query the state filter gives way: a search looks through every file
    that was submitted, whatever its status.
    """
    return list(_where(_shape(actor, today=today, **filters)))


@functools.lru_cache(maxsize=MAX_SHAPES)
def _where(shape: _Shape) -> tuple:
    if shape.search is not None:
        where = [Dossier.status != S.DRAFT, _search_clause(shape.search)]
    elif shape.state == "forwarded":
        where = [
            Dossier.status == S.FORWARDED,
            Dossier.forwarded_on >= shape.today - timedelta(days=FORWARDED_WINDOW_DAYS),
        ]
    else:
        where = [_OPEN_FILTER]
    if shape.category:
        where.append(Dossier.category == shape.category)
    if shape.channel in {c.value for c in Channel}:
        where.append(Dossier.channel == Channel(shape.channel))
    if shape.kind in Permit.values():  # the kind of file: single permit or professional card
        where.append(Dossier.permit == Permit(shape.kind))
    if shape.older_than_days is not None and shape.older_than_days >= 0:
        where.append(Dossier.submitted_at < _cutoff(shape.today, shape.older_than_days))
    if shape.owner == "mine":
        where.append(Dossier.assigned_officer_id == shape.officer_id)
    elif shape.owner == "unassigned":
        where.append(Dossier.assigned_officer_id.is_(None))
    return tuple(where)


@functools.lru_cache(maxsize=MAX_SHAPES)
def _count_statement(shape: _Shape, cap: int) -> Select:
    """The shape's files counted up to `cap` + 1 (more means "more than")."""
    return _up_to_cap(select(Dossier.id).where(*_where(shape)), cap)


# A count that reached the cap says "1,000+", and says it again on the next page view: it is
# kept per worker under the filters (the shape, which holds the day and, for "Files I took",
# the officer), the cap and the data's generation (`pagecache.bump`: a file submitted,
# decided, taken or changed in this process is counted anew at once), for at most
# CAPPED_MAX_AGE seconds, within which a change made by another process shows. Re-reading
# the cap's thousand and one index entries only to say "1,000+" was a twentieth of the
# queue's time, and a tenth of a search's that many files match (issue 15). A count below
# the cap is exact and is read every time; none is kept or used while the session may hold
# changes of its own that are not committed (`pagecache.fresh`, as the timeline's estimates).
CAPPED_STORE = "portal.queue_capped_counts"
CAPPED_MAX_AGE = 60.0


def _total(read, shape: _Shape) -> int:
    """The shape's files, counted up to COUNT_CAP + 1 (more means "more than")."""
    return pagecache.fresh(
        CAPPED_STORE,
        (shape, COUNT_CAP),
        lambda: read.scalar(_count_statement(shape, COUNT_CAP)) or 0,
        max_age=CAPPED_MAX_AGE,
        limit=MAX_SHAPES,
        keep=lambda total: total > COUNT_CAP,
    )


@functools.lru_cache(maxsize=MAX_SHAPES)
def _page_statement(
    shape: _Shape, sort: str, backwards: bool, cursor: tuple[bool, ...] | None, size: int
) -> Select:
    """The rows of a page of `size` + 1 files (one more tells whether a next page exists),
    after (backwards: before) a file whose sort values are the parameters `_cursor_params`
    names; `cursor` tells which of them are NULL (None: the first page)."""
    page_where = [_by_sort_index(c) for c in _where(shape)]
    if cursor is not None:
        page_where.append(_beyond(sort, cursor, backwards=backwards))
    order = _order(sort, backwards=backwards)
    # The page's ids first, from the files alone, then their rows with the joins: joined,
    # SQLite sorts every matching file (all open files, or every match of a search) before
    # the LIMIT; alone, it walks the sort key's index and stops after a page.
    # The size is written into the statement (`db.constant`): a first page then has no
    # parameter, and PostgreSQL plans it once per connection instead of on every view.
    page_ids = select(Dossier.id).where(*page_where).order_by(*order).limit(constant(size + 1))
    return _rows_statement(sort, backwards).where(Dossier.id.in_(page_ids.scalar_subquery()))


@functools.lru_cache(maxsize=MAX_SHAPES)
def _earlier_statement(shape: _Shape, sort: str, nulls: tuple[bool, ...]) -> Select:
    """The shape's files before a file whose sort values are the cursor's parameters."""
    return select(func.count(Dossier.id)).where(
        *_where(shape), _beyond(sort, nulls, backwards=True)
    )


# The sort keys of each order: (column, ascending). NULLs sort last in every order, on SQLite
# and PostgreSQL alike; the id breaks ties, so every file has one place.
SORT_KEYS = {
    "deadline": [(Dossier.deadline_on, True), (Dossier.submitted_at, True), (Dossier.id, True)],
    "submitted": [(Dossier.submitted_at, True), (Dossier.id, True)],
    "newest": [(Dossier.submitted_at, False), (Dossier.id, False)],
}


def _keys(sort: str) -> list:
    return SORT_KEYS.get(sort, SORT_KEYS["deadline"])


def _order(sort: str, *, backwards: bool = False) -> list:
    order = []
    for column, ascending in _keys(sort):
        term = column.asc() if ascending != backwards else column.desc()
        order.append(term.nulls_first() if backwards else term.nulls_last())
    return order


def _beyond(sort: str, nulls: tuple[bool, ...], *, backwards: bool = False):
    """The files after (backwards: before) a file, in the order of `sort`: keyset
    pagination, one index range however deep the page. That file's sort values are the
    parameters `_cursor_params` gives; `nulls` tells which of them are NULL."""
    condition = None
    keyed = list(zip(_keys(sort), nulls, strict=True))
    for index, ((column, ascending), null) in reversed(list(enumerate(keyed))):
        if null:  # NULLs are last: nothing is after one but other NULLs
            strictly = column.is_not(None) if backwards else false()
            equal = column.is_(None)
        else:
            value = bindparam(f"cursor_{index}")  # typed as the column it is compared with
            strictly = (column > value) if ascending != backwards else (column < value)
            if not backwards:
                strictly = or_(strictly, column.is_(None))
            equal = column == value
        condition = strictly if condition is None else or_(strictly, and_(equal, condition))
    return condition


def _cursor_params(values) -> dict:
    """The parameters of `_beyond` for a file with these sort values."""
    return {f"cursor_{i}": value for i, value in enumerate(values) if value is not None}


def _nulls(values) -> tuple[bool, ...]:
    return tuple(value is None for value in values)


class _WalkSortIndex(ColumnElement):
    """A column in a condition the database should check while it walks the sort key's
    index, not find rows by: `column || ''` on SQLite, the column itself on PostgreSQL.

    SQLite's planner takes any index the condition can use (the status index) and sorts
    what it finds; hidden behind `|| ''`, the status is checked file by file along the sort
    key's index instead. PostgreSQL weighs both ways by its statistics, which know how many
    files are open (a fifth), and walks the sort index itself; behind `|| ''` it knows
    nothing and guesses 0.5%, so at 10,000 files it read every file and sorted them (2.9 ms
    for the queue's first page; 0.2 ms walking the index)."""

    inherit_cache = True
    _traverse_internals = [("column", InternalTraversal.dp_clauseelement)]

    def __init__(self, column) -> None:
        self.column = column
        self.type = column.type


@compiles(_WalkSortIndex)
def _walk_by_concatenation(element: _WalkSortIndex, compiler, **kw) -> str:
    return f"({compiler.process(element.column, **kw)} || '')"


@compiles(_WalkSortIndex, "postgresql")
def _walk_by_statistics(element: _WalkSortIndex, compiler, **kw) -> str:
    return compiler.process(element.column, **kw)


# The open queue's filter, and the same checked along the sort key's index for the page's
# rows (`_WalkSortIndex`): the database walks that index and checks each file's status as
# it goes, stopping after a page. Served by the status index, SQLite hands over every open
# file (a fifth of them all) to be sorted before the first page, a cost that grows with
# the files (38 ms at 100,000 on SQLite, against 0.4). Counts keep the index.
_OPEN_FILTER = among(Dossier.status, OPEN)
_OPEN_FILTER_UNINDEXED = among(
    _WalkSortIndex(type_coerce(Dossier.status, String)), [status.value for status in OPEN]
)


def _by_sort_index(condition):
    return _OPEN_FILTER_UNINDEXED if condition is _OPEN_FILTER else condition


@functools.cache
def _cursor_statement(sort: str) -> Select:
    """The sort values of a submitted file, by its id."""
    columns = [column for column, _ascending in _keys(sort)]
    return select(*columns).where(Dossier.id == bindparam("file_id"), Dossier.status != S.DRAFT)


def _cursor_values(cursor: str, sort: str) -> list:
    """The sort values of the file a cursor names: a submitted file, else refused."""
    file_id = paging.cursor_id(cursor)  # a file's id, or refused
    read = transactions.plain_reads()
    found = read.execute(_cursor_statement(sort), {"file_id": file_id}).first()
    if found is None:
        raise paging.refused()
    return list(found)


@contextlib.contextmanager
def _plans_kept(read: Connection, shape: _Shape) -> Iterator[None]:
    """On PostgreSQL, a search read as the union of its branches' ids (`_reading`) runs the
    plans PostgreSQL made once for its statements, whatever the words searched.

    Such a search reads only the few files in its branches' index ranges, by the same plan
    whatever the words. Unsure how many files a prefix range holds, PostgreSQL planned its
    count and its page anew on every request at 100,000 files (1.1 to 1.3 ms each, for 0.2
    to 0.6 ms of reading), and reused its plans at 10,000: the page cost 1.4 times as much
    at 100,000 files (issue 15). Only for the union: the OR of the branches walks the sort
    key's index, and a plan made without the words' values took 7 times as long. Set for
    the queue's statements alone (SET LOCAL, and back after them; on an error the
    transaction's rollback undoes it).
    """
    if shape.search is None or not shape.search[2] or read.dialect.name != "postgresql":
        yield
        return
    read.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    yield
    read.exec_driver_sql("SET LOCAL plan_cache_mode = DEFAULT")


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
    kind: str | None = None,
    after: str | None = None,
    before: str | None = None,
    per_page: int = PER_PAGE,
    today: date | None = None,
) -> QueuePage:
    """One page of the queue; by default the soonest legal deadline first, undated last.

    `after` (the next page) or `before` (the previous one) is the id of a file the officer
    saw on the page before; anything else (garbage, a draft, no file) raises `Invalid`.
    """
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise NotAllowed
    today = today or clock.today()
    sort = sort if sort in SORT_KEYS else "deadline"
    shape = _shape(
        actor,
        query=query,
        state=state,
        category=category,
        channel=channel,
        older_than_days=older_than_days,
        owner=owner,
        today=today,
        kind=kind,
    )
    read = transactions.plain_reads()
    with _plans_kept(read, shape):
        total = _total(read, shape)
        backwards = not after and bool(before)
        cursor = after or before or None
        if cursor:
            values = _cursor_values(cursor, sort)
            statement = _page_statement(shape, sort, backwards, _nulls(values), per_page)
            found = read.execute(statement, _cursor_params(values)).all()
        else:
            found = read.execute(_page_statement(shape, sort, backwards, None, per_page)).all()
        more = len(found) > per_page
        rows = found[:per_page]
        if backwards:
            rows.reverse()
        if not rows:
            return QueuePage(rows=[], total=total, first=0, per_page=per_page, today=today)
        # The position of the first row: the files before it (only counted past the first page).
        earlier = 0
        if cursor and (more or not backwards):
            values = [getattr(rows[0], column.key) for column, _asc in _keys(sort)]
            statement = _earlier_statement(shape, sort, _nulls(values))
            earlier = read.scalar(statement, _cursor_params(values)) or 0
    at_start = earlier == 0
    at_end = not more if not backwards else False
    return QueuePage(
        rows=rows,
        total=total,
        first=earlier + 1,
        per_page=per_page,
        next_cursor=None if at_end else rows[-1].id,
        previous_cursor=None if at_start else rows[0].id,
        today=today,
    )
