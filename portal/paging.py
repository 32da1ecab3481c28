"""Keyset pagination's cursors: the id of the last row of the page before.

A cursor is digits only, no sign, no leading zero, at most 19 digits and within SQLite's and
PostgreSQL's 64-bit integers; anything else (garbage, negative, 10^30) is refused with the
400 page's title, as is a row the reader may not see (the caller checks that), so a
hand-made cursor learns nothing.
"""

from __future__ import annotations

import re

from portal.errors import Invalid
from portal.i18n import _

PER_PAGE = 50
_CURSOR = re.compile(r"[1-9][0-9]{0,18}")
_MAX_ID = 2**63 - 1


def refused() -> Invalid:
    return Invalid(_("The request could not be understood"))  # the 400 page's title


def given(cursor: str | None) -> bool:
    return cursor not in (None, "")


def cursor_id(cursor: str) -> int:
    """The row id a cursor names, or `Invalid` when it cannot be one."""
    if not isinstance(cursor, str) or not _CURSOR.fullmatch(cursor) or int(cursor) > _MAX_ID:
        raise refused()
    return int(cursor)
