"""The professional card in the one lifecycle: its own outcomes, no DVZ, its own timeline."""

from __future__ import annotations

import pytest

from portal.dossiers.lifecycle import meaning, status, timeline
from portal.dossiers.models import DossierStatus, Permit
from portal.errors import Invalid
from portal.i18n import force_locale
from tests.factories import DossierFactory
from tests.support import make_user

S = DossierStatus
SINGLE_ONLY = [
    S.WORK_AUTHORISED,
    S.FORWARDED,
    S.RESIDENCE_GRANTED,
    S.RESIDENCE_REFUSED,
    S.WORK_REFUSED,
]
CARD_ONLY = [S.CARD_GRANTED, S.CARD_REFUSED]


def test_a_card_goes_from_submitted_to_its_own_outcomes_and_never_to_dvz():
    card = meaning.allowed(Permit.PROFESSIONAL_CARD, S.SUBMITTED)
    assert card == {S.INFO_REQUESTED, S.INADMISSIBLE, S.CARD_GRANTED, S.CARD_REFUSED, S.WITHDRAWN}
    single = meaning.allowed(Permit.SINGLE_PERMIT, S.SUBMITTED)
    assert not single & set(CARD_ONLY)
    for source in S:
        assert not meaning.allowed(Permit.PROFESSIONAL_CARD, source) & set(SINGLE_ONLY)
        assert not meaning.allowed(Permit.SINGLE_PERMIT, source) & set(CARD_ONLY)


@pytest.mark.parametrize("target", SINGLE_ONLY, ids=str)
def test_the_machine_refuses_a_card_any_single_permit_status(app, db_session, target):
    owner = make_user("owner@acme.example")
    card = DossierFactory(owner=owner, card_submitted=True)
    with app.test_request_context(), pytest.raises(Invalid):
        status.change(card, target, owner)
    assert card.status == S.SUBMITTED


@pytest.mark.parametrize("target", CARD_ONLY, ids=str)
def test_the_machine_refuses_a_single_permit_the_card_outcomes(app, db_session, target):
    owner = make_user("owner@acme.example")
    single = DossierFactory(owner=owner, submitted=True)
    with app.test_request_context(), pytest.raises(Invalid):
        status.change(single, target, owner)
    assert single.status == S.SUBMITTED


def test_the_factory_cannot_build_a_card_in_a_single_permit_status(db_session):
    with pytest.raises(ValueError, match="no path"):
        DossierFactory(status=S.FORWARDED, permit=Permit.PROFESSIONAL_CARD)


def test_a_cards_timeline_has_no_immigration_office(app, db_session):
    owner = make_user("owner@acme.example")
    card = DossierFactory(owner=owner, card_submitted=True)
    with app.test_request_context(), force_locale("en"):
        built = timeline.build(card)
        keys = [step.key for step in built.steps]
        assert keys == ["submitted", "card_decision", "final"]
        assert built.current.key == "card_decision"
        words = built.now + built.next + built.contact
        assert "Immigration Office" not in words and "DVZ" not in words
    status.change(card, S.CARD_GRANTED, None)
    with app.test_request_context(), force_locale("en"):
        built = timeline.build(card)
        assert [s.key for s in built.steps] == ["submitted", "card_decision", "final"]
        assert (
            built.steps[1].state == "done" and built.steps[1].outcome == "Professional card granted"
        )
        assert built.current.key == "final" and built.current.final
        assert built.deadline is None


@pytest.mark.parametrize("outcome", [S.CARD_REFUSED, S.INADMISSIBLE], ids=str)
def test_a_refused_or_inadmissible_card_ends_on_the_decision_with_the_appeal_route(
    app, db_session, outcome
):
    owner = make_user("owner@acme.example")
    card = DossierFactory(owner=owner, card_submitted=True)
    status.change(card, outcome, None, "No business plan.", reason_codes="card_no_economic_benefit")
    with app.test_request_context(), force_locale("en"):
        built = timeline.build(card)
        assert [s.key for s in built.steps] == ["submitted", "card_decision"]
        assert built.current.final and built.current.reason == "No business plan."
        assert "minister of Work within 30 days" in built.next
        assert "Council of State within 60 days" in built.next
    assert card.flemish_decision == meaning.TABLE[outcome].flemish_decision
