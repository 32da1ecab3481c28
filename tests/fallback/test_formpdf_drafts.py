"""The blank-form page lists the organisation's drafts: only the drafts are read from the
database (one statement), not every file the organisation ever filed."""

from __future__ import annotations

from sqlalchemy import event

from portal.extensions import db
from portal.fallback import formpdf
from tests.factories import DossierFactory, EmployerFactory


def test_only_the_drafts_are_read(db_session):
    employer = EmployerFactory()
    drafts = [DossierFactory(owner=employer).id for _ in range(2)]
    for _ in range(3):
        DossierFactory(owner=employer, submitted=True)
    DossierFactory(owner=EmployerFactory())  # another organisation's draft
    db.session.flush()
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        found = [dossier.id for dossier in formpdf.drafts(employer)]
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert found == sorted(drafts, reverse=True)
    assert len(seen) == 1 and "dossier.status = " in seen[0].split("WHERE", 1)[1]
