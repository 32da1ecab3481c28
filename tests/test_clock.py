"""The one clock: aware UTC moments, the Brussels day, and a clock that tests can stop."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from portal import clock
from portal.dossiers.models import DossierStatus
from tests.applications_support import fill, start, submit
from tests.support import login, make_user

NEW_YEARS_EVE = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)  # 00:30 on 1 January in Brussels


def test_now_is_aware_and_in_utc():
    moment = clock.now()
    assert moment.tzinfo is not None and moment.utcoffset().total_seconds() == 0


def test_the_day_is_the_day_in_brussels():
    assert clock.local_day(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == date(2026, 4, 1)
    assert clock.local_day(datetime(2026, 1, 15, 22, 30, tzinfo=UTC)) == date(2026, 1, 15)
    with clock.frozen(NEW_YEARS_EVE):
        assert clock.today() == date(2027, 1, 1)


def test_a_frozen_clock_stands_still_moves_on_request_and_thaws():
    with clock.frozen(NEW_YEARS_EVE) as stopped:
        assert clock.now() == NEW_YEARS_EVE == clock.now()
        stopped.advance(hours=2)
        assert clock.now() == datetime(2027, 1, 1, 1, 30, tzinfo=UTC)
    assert clock.now() > datetime(2026, 1, 1, tzinfo=UTC) and clock.now() != stopped.moment


def test_the_clock_refuses_a_naive_moment():
    with pytest.raises(ValueError), clock.frozen(datetime(2026, 12, 31, 23, 30)):
        pass


def test_a_submission_at_midnight_takes_year_and_day_from_the_same_clock(client):
    """23:30 UTC on 31 December is 1 January in Brussels: a 2027 reference, a 2027 day."""
    with clock.frozen(NEW_YEARS_EVE):
        make_user("hr@acme.example")
        login(client, "hr@acme.example")
        dossier = start(client)
        fill(client, dossier)
        assert submit(client, dossier.id).status_code == 302
    assert dossier.status == DossierStatus.SUBMITTED
    assert dossier.reference.startswith("SP-2027-")
    assert dossier.submitted_on == date(2027, 1, 1)
    assert dossier.submitted_at == NEW_YEARS_EVE
