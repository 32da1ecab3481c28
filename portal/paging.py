"""Keyset pagination's cursors: the id of the last row of the page before.

A cursor is digits only, no sign, no leading zero, at most 19 digits and within SQLite's and
PostgreSQL's 64-bit integers; anything else (garbage, negative, 10^30) is refused with the
400 page's title, as is a row the reader may not see (the caller checks that), so a
hand-made cursor learns nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, bindparam, or_, select

from portal import transactions
from portal.db import constant
from portal.errors import Invalid
from portal.extensions import db
from portal.i18n import _
from portal.keep import remember
from portal.validation import record_id

PER_PAGE = 50


def refused() -> Invalid:
    return Invalid(_("The request could not be understood"))  # the 400 page's title


def given(cursor: str | None) -> bool:
    return cursor not in (None, "")


def cursor_id(cursor: str) -> int:
    """The row id a cursor names, or `Invalid` when it cannot be one (`record_id`)."""
    found = record_id(cursor)
    if found is None:
        raise refused()
    return found


@dataclass(frozen=True)
class Page:
    """A page of a list read oldest first; `later` is the cursor of the next page (None on
    the last), `first` whether this is the first page."""

    items: list
    later: int | None
    first: bool


def take(found: list, size: int, after: str | None) -> Page:
    """The page of `size` from the `size + 1` rows read (one more tells whether a next page
    exists); its cursor is the id of the last row shown."""
    later = found[size - 1].id if len(found) > size else None
    return Page(found[:size], later, not given(after))


def beyond(moment: Any, key: Any, at: Any, key_at: Any):
    """The rows past the one at (`at`, `key_at`) in the ascending order (`moment`, `key`):
    a keyset page's condition. `at` and `key_at` are values or bind parameters; the key
    (an id) breaks ties between rows of the same moment."""
    return or_(moment > at, and_(moment == at, key > key_at))


def oldest_first(
    statement: Select,
    model: Any,
    moment: Any,
    after: str | None,
    size: int,
    *,
    scope: Any = True,
    rows: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Page:
    """A page of `statement`'s rows of `model`, oldest `moment` first (ties by id), past the
    row whose id the cursor `after` names (keyset: page 100 costs what page 1 does). The
    cursor's row may have left the list since (decided, say): it still marks the place. A
    cursor that names no row, one without that moment, or one outside `scope` (a condition
    on `model`: the reader's own rows, say) raises `Invalid`. `moment` is any column of a
    stable order: a name gives an alphabetical list.

    `rows=True` for a statement of columns (`select(model.id, …)`, the id among them, named
    `id`) rather than of `model`: the page then holds those rows as read, for a list that
    shows a few columns and need not load whole objects (issue 15); as `newest_first`.
    `params`: the values of `statement`'s own bind parameters."""
    values = dict(params or {})
    if given(after):
        row_id = cursor_id(after)
        at = db.session.scalar(select(moment).where(model.id == row_id, scope))
        if at is None:
            raise refused()
        values.update(page_at=at, page_key=row_id)
    paged = _paged(statement, model.id, moment, given(after), size)
    return take(_read(paged, rows, values), size, after)


def newest_first(
    statement: Select,
    model: Any,
    before: str | None,
    size: int,
    *,
    rows: bool = False,
    params: Mapping[str, Any] | None = None,
) -> Page:
    """A page of `statement`'s rows of `model`, newest (highest id) first, past the row whose
    id the cursor `before` names. Any id marks a place, so only its form is checked: a
    cursor that cannot be an id raises `Invalid`. `rows` and `params`: as `oldest_first`'s."""
    values = dict(params or {})
    if given(before):
        values["page_key"] = cursor_id(before)
    paged = _paged(statement, model.id, None, given(before), size)
    return take(_read(paged, rows, values), size, before)


# Page statements built from a list's statement, key and moment (by their identity: the
# objects are kept with it) and whether a cursor is given. A list's statements are built
# once per process (and kept by their services), so a page costs no statement building:
# the cursor is a bind parameter, and the size is written into the statement
# (`db.constant`: a first page has no parameter, and PostgreSQL plans it once). Bounded: a caller that builds its statement
# anew each time only fills it, and it is emptied at the limit.
_PAGED: dict[tuple, tuple[tuple, Select]] = {}
_MAX_PAGED = 256


def _paged(statement: Select, key: Any, moment: Any, past: bool, size: int) -> Select:
    """`statement` in the page's order (`moment` and `key` ascending, or `key` descending
    when `moment` is None), past the bind parameters `page_at`/`page_key` when `past`, and
    cut after `size` + 1 rows (one more tells whether a next page exists)."""
    index = (id(statement), id(key), id(moment), past, size)
    kept = _PAGED.get(index)
    # The very objects, kept with it (an id alone may be reused once its object is gone).
    mine = (statement, key, moment)
    if kept is not None and all(a is b for a, b in zip(kept[0], mine, strict=True)):
        return kept[1]
    paged = statement
    if moment is None:
        if past:
            paged = paged.where(key < bindparam("page_key"))
        paged = paged.order_by(key.desc())
    else:
        if past:
            paged = paged.where(beyond(moment, key, bindparam("page_at"), bindparam("page_key")))
        paged = paged.order_by(moment, key)
    paged = paged.limit(constant(size + 1))
    remember(_PAGED, index, (mine, paged), _MAX_PAGED)
    return paged


def _read(statement: Select, rows: bool, values: dict[str, Any]) -> list:
    """A page's rows (`_paged`: one more than the page's size): as read, on the
    request's transaction past the ORM (`rows`: a statement of columns, read as plain rows,
    `transactions.plain_reads`), or the objects of its model, each once (a collection joined
    in repeats them)."""
    if rows:
        return transactions.plain_reads().execute(statement, values).all()
    return list(db.session.scalars(statement, values).unique())
