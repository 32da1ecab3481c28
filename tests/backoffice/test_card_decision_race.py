"""Officers deciding the same professional card at once: exactly one decision wins, every
other officer gets the page back with a clean message (never a 500, never two decisions).
Runs on SQLite and, with DATABASE_URL, on PostgreSQL (`with-postgres.sh`)."""

from __future__ import annotations

from collections import Counter
from datetime import date

from sqlalchemy import select

from portal.accounts.models import Role
from portal.dossiers.lifecycle import handling
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Dossier, DossierStatus
from portal.extensions import db
from tests.factories import DossierFactory, card_details
from tests.support import make_user
from tests.test_concurrency import _client, _run_together, live  # noqa: F401 (fixture)

S = DossierStatus
OFFICERS = 6


def test_two_officers_deciding_one_card_at_once_one_wins(live):  # noqa: F811
    with live.app_context():
        owner = make_user("person@race.example", Role.EMPLOYER)
        dossier = DossierFactory(
            owner=owner,
            card_submitted=True,
            card=card_details(residence_valid_until=date(2040, 1, 1)),
        )
        db.session.commit()
        dossier_id = dossier.id
        start = handling._today()
        until = handling.longest_until(start, 2)
    officers = [_client(live, f"officer{1 + n % 2}@live.example") for n in range(OFFICERS)]
    grant = {
        "decision-outcome": "authorised",
        "decision-valid_from": start.isoformat(),
        "decision-valid_until": until.isoformat(),
        "decision-confirmed": "yes",
    }
    refuse = {
        "decision-outcome": "refused",
        "decision-reason_codes": "card_diploma_level",
        "decision-confirmed": "yes",
    }
    url = f"/backoffice/dossiers/{dossier_id}/decision?lang=en"
    jobs = [
        (lambda c=client, data=(grant if n % 2 else refuse): c.post(url, data=data))
        for n, client in enumerate(officers)
    ]
    responses = []
    statuses = _run_together(
        [lambda job=job: responses.append(job()) or responses[-1].status_code for job in jobs]
    )
    assert len(statuses) == OFFICERS
    assert not [s for s in statuses if s >= 500], Counter(statuses)
    assert Counter(statuses)[302] == 1, Counter(statuses)  # one redirect: the winner
    losers = [r for r in responses if r.status_code != 302]
    assert all(r.status_code == 200 for r in losers)
    assert all("There is a problem" in r.text or "Error" in r.text for r in losers)
    with live.app_context():
        decided = db.session.scalars(
            select(StatusEvent.to_status).where(
                StatusEvent.dossier_id == dossier_id,
                StatusEvent.to_status.in_([S.CARD_GRANTED, S.CARD_REFUSED]),
            )
        ).all()
        assert len(decided) == 1
        final = db.session.get(Dossier, dossier_id)
        assert final.status == decided[0]
        if final.status == S.CARD_GRANTED:
            assert final.card.valid_until == until
        else:
            assert final.card.valid_until is None
        db.session.commit()
