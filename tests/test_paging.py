"""Keyset pages (portal/paging.py): a list's page statement is built once and kept, and a
kept one is only ever given back for the very statement, key and order it was made of."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal import paging
from portal.accounts.models import Mandate, MandateStatus
from portal.extensions import db
from tests.factories import MandateFactory


@pytest.fixture
def waiting(db_session) -> list[int]:
    made = [MandateFactory().id for _ in range(5)]
    db.session.commit()
    return made


def test_a_lists_page_statement_is_built_once_and_pages_go_on_by_parameters(waiting):
    statement = select(Mandate.id).where(Mandate.status == MandateStatus.PENDING)
    first = paging.oldest_first(statement, Mandate, Mandate.id, None, 2, rows=True)
    built = dict(paging._PAGED)
    second = paging.oldest_first(statement, Mandate, Mandate.id, str(first.later), 2, rows=True)
    third = paging.oldest_first(statement, Mandate, Mandate.id, str(second.later), 2, rows=True)
    again = paging.oldest_first(statement, Mandate, Mandate.id, None, 2, rows=True)
    assert [row.id for page in (first, second, third) for row in page.items] == waiting
    assert third.later is None and again.items == first.items
    # One statement for the first page and one past it, however many pages are read.
    assert len(paging._PAGED) == len(built) + 1
    newest = paging.newest_first(statement, Mandate, None, 2, rows=True)
    older = paging.newest_first(statement, Mandate, str(newest.later), 2, rows=True)
    assert [row.id for row in newest.items + older.items] == waiting[::-1][:4]


def test_a_kept_page_statement_is_never_given_for_other_objects(waiting, monkeypatch):
    """Kept by the ids of what it was made of, it is checked against the objects
    themselves: an id is reused once its object is gone, and a statement built anew for
    each request must never get another one's page."""
    mine = select(Mandate.id).where(Mandate.status == MandateStatus.PENDING)
    other = select(Mandate.id).where(Mandate.id < 0)  # no rows at all
    index = (id(mine), id(Mandate.id), id(None), False, 10)
    paged_other = paging._paged(other, Mandate.id, None, False, 10)
    # As if `other` had been kept under `mine`'s ids.
    monkeypatch.setitem(paging._PAGED, index, ((other, Mandate.id, None), paged_other))
    page = paging.newest_first(mine, Mandate, None, 10, rows=True)
    assert [row.id for row in page.items] == waiting[::-1]


def test_the_kept_page_statements_stay_bounded(db_session, monkeypatch):
    monkeypatch.setattr(paging, "_PAGED", {})
    monkeypatch.setattr(paging, "_MAX_PAGED", 8)
    for n in range(30):  # a statement built anew for each request, as a careless caller does
        statement = select(Mandate.id).where(Mandate.id > n)
        paging.newest_first(statement, Mandate, None, 2, rows=True)
    assert 0 < len(paging._PAGED) <= 8
