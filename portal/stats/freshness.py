"""The public figures are kept as a page (portal/pagecache.py): this says when they changed.

Any committed change to a dossier or its status history in this process raises the data
generation (`pagecache.bump`), so a submission or a decision shows on /figures at the next
request of the same worker. The figures count submissions, decisions, forwardings and
withdrawals, all columns of `dossier` or rows of `status_event`; the check is wide on
purpose (any change to those tables, an ORM flush or an INSERT/UPDATE/DELETE statement,
text statements included): a needless rebuild costs one render, a missed one shows old
figures. Changes made by another process (the other web workers, `dossiers import`, the
retention run) show once the page is `PUBLIC_PAGE_CACHE_MAX_AGE` old (60 s).
"""

from __future__ import annotations

from sqlalchemy import TextClause, event
from sqlalchemy.orm import Session

from portal import pagecache
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Dossier

CHANGED = "portal.stats.freshness.changed"
_WATCHED = (Dossier, StatusEvent)
_TABLES = frozenset({Dossier.__table__.name, StatusEvent.__table__.name})


@event.listens_for(Session, "after_flush")
def _flushed(session: Session, _context) -> None:
    for group in (session.new, session.dirty, session.deleted):
        if any(isinstance(obj, _WATCHED) for obj in group):
            session.info[CHANGED] = True
            return


@event.listens_for(Session, "do_orm_execute")
def _executed(state) -> None:
    if state.is_select:
        return
    statement = state.statement
    if isinstance(statement, TextClause):
        if statement.text.lstrip()[:6].upper() != "SELECT":
            state.session.info[CHANGED] = True
        return
    table = getattr(statement, "table", None)
    if table is None or getattr(table, "name", None) in _TABLES:
        state.session.info[CHANGED] = True


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    if session.info.pop(CHANGED, False):
        pagecache.bump()


@event.listens_for(Session, "after_rollback")
def _rolled_back(session: Session) -> None:
    session.info.pop(CHANGED, None)
