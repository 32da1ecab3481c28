"""The factories build what the portal would: statuses through the machine, valid accounts."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal import audit, clock
from portal.accounts.models import ClaimStatus, Role
from portal.api import keys
from portal.dossiers.lifecycle import status
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Channel, DossierKind, DossierStatus
from portal.extensions import db
from portal.reference import normalise_kbo
from tests.factories import (
    ApiClientFactory,
    DocumentFactory,
    DossierFactory,
    EmployerFactory,
    InfoRequestFactory,
    MandataryUserFactory,
    MandateFactory,
    OfficerFactory,
    OrganisationFactory,
    QueuedDossierFactory,
    path_to,
)

S = DossierStatus
TRAITS = {
    "submitted": S.SUBMITTED,
    "info_requested": S.INFO_REQUESTED,
    "authorised": S.WORK_AUTHORISED,
    "forwarded": S.FORWARDED,
    "refused": S.WORK_REFUSED,
    "inadmissible": S.INADMISSIBLE,
    "withdrawn": S.WITHDRAWN,
    "granted": S.RESIDENCE_GRANTED,
    "residence_refused": S.RESIDENCE_REFUSED,
}


def history(dossier) -> list[tuple[DossierStatus | None, DossierStatus]]:
    events = db.session.scalars(
        select(StatusEvent).where(StatusEvent.dossier_id == dossier.id).order_by(StatusEvent.id)
    )
    return [(event.from_status, event.to_status) for event in events]


@pytest.mark.parametrize("trait", TRAITS)
def test_every_status_is_reached_through_the_status_machine(db_session, trait):
    dossier = DossierFactory(**{trait: True})
    assert dossier.status == TRAITS[trait]
    steps = path_to(TRAITS[trait])
    walked = list(zip([S.DRAFT, *steps[:-1]], steps, strict=True))
    assert history(dossier) == walked
    for source, target in walked:
        assert target in status.ALLOWED[source]
    assert [e.action for e in audit.trail(dossier.id)] == [f"status:{s.value}" for s in steps]
    assert dossier.submitted_at is not None and dossier.submitted_on is not None
    assert dossier.worker_passport and dossier.isco_code  # a complete file


def test_a_draft_has_no_history_and_decisions_carry_their_dates(db_session):
    assert history(DossierFactory()) == []
    refused = DossierFactory(refused=True)
    assert refused.flemish_decision == "refused" and refused.flemish_decision_on
    granted = DossierFactory(granted=True)
    assert (granted.flemish_decision, granted.federal_decision) == ("authorised", "granted")
    assert granted.forwarded_on and granted.deadline_on is None


def test_what_the_test_gives_wins_over_what_the_machine_wrote(db_session):
    decided = DossierFactory(
        refused=True, flemish_decision_on=date(2026, 4, 7), submitted_on=date(2026, 3, 31)
    )
    assert decided.flemish_decision_on == date(2026, 4, 7)
    assert decided.submitted_at.date() == date(2026, 3, 31)  # from the day given


def test_an_unreachable_status_cannot_be_built(db_session, monkeypatch):
    monkeypatch.setitem(status.ALLOWED, S.WORK_AUTHORISED, frozenset())
    with pytest.raises(ValueError, match="no path"):
        DossierFactory(status=S.FORWARDED)


def test_channel_kind_posting_and_review_traits(db_session):
    officer = OfficerFactory()
    dossier = DossierFactory(
        email=True, renewal=True, posting=True, in_review=True, officer=officer
    )
    assert dossier.channel == Channel.EMAIL and dossier.kind == DossierKind.RENEWAL
    assert dossier.is_posting and dossier.limosa_reference
    assert dossier.status == S.SUBMITTED and dossier.assigned_officer_id == officer.id
    queued = QueuedDossierFactory(submitted_days_ago=10)
    # The deadline counts from the day of submission in Brussels (after 23:00 UTC, the next).
    assert (queued.deadline_on - clock.local_day(queued.submitted_at)).days == 60


def test_accounts_documents_requests_and_api_clients(db_session):
    employer = EmployerFactory()
    assert employer.role == Role.EMPLOYER and employer.email_verified_at
    number = employer.organisation.kbo_number
    assert normalise_kbo(number) == number
    assert employer.organisation.claim.status == ClaimStatus.PROVEN
    assert OrganisationFactory(claim=None).claim is None
    mandatary = MandataryUserFactory()
    assert mandatary.role == Role.MANDATARY and mandatary.mandatary.kbo_number
    assert MandateFactory(verified=True).status.value == "verified"
    document = DocumentFactory()
    assert document.uploaded_by_id == document.dossier.created_by_id
    request = InfoRequestFactory()
    assert request.dossier.status == S.INFO_REQUESTED and request.answered_at is None
    client = ApiClientFactory()
    assert keys.authenticate(f"Bearer {client.key}").id == client.id
