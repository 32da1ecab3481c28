"""Legal hold: an officer keeps a file out of the retention purge, with a reason, audited."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from portal import audit, clock
from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.dossiers.lifecycle import hold
from portal.errors import Invalid, NotAllowed
from portal.extensions import db
from portal.privacy import run, schedule
from tests.factories import DossierFactory
from tests.support import check_page, error_summary, field_error, login, make_user

LONG_AGO = datetime(2019, 3, 4, 9, tzinfo=UTC)
NOW = datetime(2026, 12, 3, 10, tzinfo=UTC)


@pytest.fixture
def old_file(db_session):
    with clock.frozen(LONG_AGO):
        return DossierFactory(granted=True)


def entries(dossier_id: int) -> list[tuple[str, str | None]]:
    rows = db.session.scalars(
        select(AuditEntry).where(
            AuditEntry.dossier_id == dossier_id, AuditEntry.action.like("retention:%")
        )
    )
    return [(row.action, row.detail) for row in rows]


def test_an_officer_puts_a_file_on_hold_and_retention_skips_it(client, officer, old_file):
    url = f"/backoffice/dossiers/{old_file.id}"
    shown = check_page(client.get(f"{url}?lang=en").text)
    assert shown.find("h2", id="hold") and shown.find("textarea", id="hold-reason")

    reason = "Appeal at the Council for Alien Law Litigation, case 123.456"
    response = client.post(f"{url}/hold?lang=en", data={"hold-reason": f"  {reason}\n"})
    assert response.status_code == 302
    assert old_file.held_at is not None and old_file.hold_reason == reason
    assert entries(old_file.id) == [("retention:hold_placed", reason)]
    text = check_page(client.get(f"{url}?lang=en").text).get_text(" ", strip=True)
    assert "retention does not anonymise or delete this file" in text and reason in text

    granted = {"files_granted": schedule.load()["files_granted"]}
    (outcome,) = run.run(dry_run=False, now=NOW, entries=granted)
    assert (outcome.done, outcome.held) == (0, 1)
    assert old_file.worker_first_name == "Priya" and old_file.anonymised_at is None

    assert client.post(f"{url}/hold/lift?lang=en").status_code == 302
    assert old_file.held_at is None and old_file.hold_reason is None
    assert entries(old_file.id)[-1] == ("retention:hold_lifted", None)
    (outcome,) = run.run(dry_run=False, now=NOW, entries=granted)
    assert outcome.done == 1 and old_file.anonymised_at == NOW
    assert audit.verify().intact


@pytest.mark.parametrize("reason", ["", "   \n\t ", "x" * 1001])
def test_a_hold_needs_a_reason_that_fits(client, officer, old_file, reason):
    response = client.post(
        f"/backoffice/dossiers/{old_file.id}/hold?lang=en", data={"hold-reason": reason}
    )
    soup = check_page(response.text)
    assert error_summary(soup) and field_error(soup, "hold-reason")
    assert old_file.held_at is None and entries(old_file.id) == []


def test_a_hold_with_control_characters_is_refused(client, officer, old_file):
    response = client.post(
        f"/backoffice/dossiers/{old_file.id}/hold?lang=en",
        data={"hold-reason": "appeal\x00\x1b[2J"},
    )
    assert field_error(check_page(response.text), "hold-reason")
    assert old_file.held_at is None


def test_only_officers_place_or_lift_a_hold(client, old_file):
    employer = old_file.created_by
    login(client, employer.email)
    for path in ("hold", "hold/lift"):
        response = client.post(
            f"/backoffice/dossiers/{old_file.id}/{path}", data={"hold-reason": "mine"}
        )
        assert response.status_code in (403, 404)
    assert old_file.held_at is None
    with pytest.raises(NotAllowed):
        hold.place(employer, old_file, "mine")


def test_a_hold_is_placed_once_and_lifted_once(app, db_session, old_file):
    officer = make_user("officer@flanders.example", Role.OFFICER)
    with app.test_request_context("/?lang=en"):
        twice(officer, old_file)


def twice(officer, old_file):
    hold.place(officer, old_file, "appeal")
    with pytest.raises(Invalid):
        hold.place(officer, old_file, "again")
    hold.lift(officer, old_file)
    with pytest.raises(Invalid):
        hold.lift(officer, old_file)
    draft = DossierFactory()
    with pytest.raises(Invalid):
        hold.place(officer, draft, "appeal")
