"""The officer's decision on a professional card: admissibility, a grant with the validity
the officer sets (1–3 years, never beyond the right of residence), a refusal with the
card's own grounds; audited; never forwarded to DVZ."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import clock
from portal.audit import AuditEntry
from portal.dossiers.lifecycle import exchange, handling
from portal.dossiers.lifecycle.models import ExchangeMessage, StatusEvent
from portal.dossiers.models import DossierStatus
from portal.errors import Invalid
from portal.extensions import db
from tests.factories import DossierFactory, OfficerFactory, card_details
from tests.support import PASSWORD, check_page, error_summary, field_error, login

S = DossierStatus


def card(**details):
    return DossierFactory(
        card_submitted=True,
        card=card_details(**{"residence_valid_until": date(2040, 1, 1), **details}),
    )


def grant(officer, dossier, valid_from, valid_until):
    return handling.decide(
        officer, dossier, outcome="authorised", valid_from=valid_from, valid_until=valid_until
    )


def errors_of(call) -> dict:
    with pytest.raises(Invalid) as caught:
        call()
    return caught.value.errors


def test_a_grant_records_the_validity_ends_the_procedure_and_goes_nowhere(app, db_session):
    officer = OfficerFactory()
    dossier = card()
    start = clock.today()
    with app.test_request_context():
        grant(officer, dossier, start, handling.longest_until(start, 3))
    assert dossier.status == S.CARD_GRANTED and dossier.flemish_decision == "authorised"
    assert (dossier.card.valid_from, dossier.card.valid_until) == (
        start,
        handling.longest_until(start, 3),
    )
    assert dossier.forwarded_on is None and dossier.deadline_on is None
    assert db.session.scalar(select(func.count(ExchangeMessage.id))) == 0
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.dossier_id == dossier.id)
    ).all()
    assert "card:validity" in actions and "status:card_granted" in actions


def test_validity_bounds_on_a_leap_day():
    assert handling.longest_until(date(2028, 2, 29), 3) == date(2031, 2, 27)
    assert handling.longest_until(date(2028, 2, 29), 1) == date(2029, 2, 27)
    assert handling.longest_until(date(2027, 3, 1), 1) == date(2028, 2, 29)


@pytest.mark.parametrize(
    ("years_days", "field", "message"),
    [
        ((3, 1), "valid_until", "at most 3 years"),  # three years and one day
        ((0, -1), "valid_until", "must be after the first day"),  # until before from
        ((0, 30), "valid_until", "at least 1 year"),
    ],
    ids=["3y+1d", "until-before-from", "too-short"],
)
def test_a_validity_outside_the_rules_is_refused_with_a_clear_message(
    app, db_session, years_days, field, message
):
    officer = OfficerFactory()
    dossier = card()
    start = clock.today()
    years, days = years_days
    until = (
        handling.longest_until(start, years) + timedelta(days=days)
        if years
        else start + timedelta(days)
    )
    with app.test_request_context("/?lang=en"):
        errors = errors_of(lambda: grant(officer, dossier, start, until))
    assert message in " ".join(errors[field])
    assert dossier.status == S.SUBMITTED and dossier.card.valid_until is None


def test_never_beyond_the_right_of_residence_which_wins_over_the_shortest_validity(app, db_session):
    officer = OfficerFactory()
    start = clock.today()
    residence = start + timedelta(days=200)
    dossier = card(residence_valid_until=residence)
    with app.test_request_context("/?lang=en"):
        errors = errors_of(lambda: grant(officer, dossier, start, residence + timedelta(1)))
        assert "beyond the right of residence" in errors["valid_until"][0]
        grant(officer, dossier, start, residence)  # shorter than a year, up to the residence
    assert dossier.card.valid_until == residence


@pytest.mark.parametrize(
    "valid_from",
    [date(1, 1, 1), date(9999, 12, 31), None],
    ids=["year-0001", "year-9999", "missing"],
)
def test_a_first_day_far_away_or_missing_is_refused(app, db_session, valid_from):
    officer = OfficerFactory()
    dossier = card()
    with app.test_request_context():
        errors = errors_of(lambda: grant(officer, dossier, valid_from, date(2099, 1, 1)))
    assert errors["valid_from"]


def test_a_refusal_needs_the_cards_own_grounds(app, db_session):
    officer = OfficerFactory()
    dossier = card()
    with app.test_request_context():
        errors = errors_of(
            lambda: handling.decide(
                officer, dossier, outcome="refused", reason_codes=["salary_below_threshold"]
            )
        )
        assert errors["reason_codes"]
        handling.decide(
            officer,
            dossier,
            outcome="refused",
            reason_codes=["card_diploma_level", "card_insufficient_means"],
        )
    assert dossier.status == S.CARD_REFUSED
    assert dossier.flemish_reason_codes == "card_insufficient_means,card_diploma_level"


def test_inadmissible_card_and_second_decision_refused(app, db_session):
    officer = OfficerFactory()
    dossier = card()
    with app.test_request_context():
        handling.decide(
            officer,
            dossier,
            outcome="inadmissible",
            reason_codes=["card_incomplete_after_request"],
        )
        assert dossier.status == S.INADMISSIBLE
        errors = errors_of(lambda: grant(officer, dossier, clock.today(), date(2099, 1, 1)))
    assert errors[""] and dossier.status == S.INADMISSIBLE and dossier.card.valid_from is None


def test_a_card_is_never_queued_for_dvz(db_session):
    dossier = card()
    with pytest.raises(exchange.NotForDvz):
        exchange.queue_forwarding(dossier)


# The back office --------------------------------------------------------------------------


@pytest.fixture
def officer(client):
    user = OfficerFactory()
    login(client, user.email, PASSWORD)
    return user


def _post(client, dossier, **data):
    return client.post(
        f"/backoffice/dossiers/{dossier.id}/decision?lang=en",
        data={f"decision-{key}": value for key, value in data.items()},
    )


def test_the_page_proposes_the_longest_validity_and_the_officer_confirms(client, officer):
    dossier = card()
    soup = check_page(client.get(f"/backoffice/dossiers/{dossier.id}?lang=en").text)
    start = clock.today()
    assert soup.find("input", id="decision-valid_from")["value"] == start.isoformat()
    until = soup.find("input", id="decision-valid_until")["value"]
    assert until == handling.longest_until(start, 3).isoformat()
    text = soup.get_text(" ", strip=True)
    assert "Professional card" in text and "Grant the professional card" in text
    assert "forwards the file to the Immigration Office" not in text
    confirm = check_page(
        _post(client, dossier, outcome="authorised", valid_from=start, valid_until=until).text
    )
    assert "Confirm the decision" in confirm.get_text()
    assert confirm.find("input", attrs={"name": "decision-valid_until"})["value"] == until
    assert dossier.status == S.SUBMITTED
    response = _post(
        client,
        dossier,
        outcome="authorised",
        valid_from=start.isoformat(),
        valid_until=until,
        confirmed="yes",
    )
    assert response.status_code == 302
    assert dossier.status == S.CARD_GRANTED and dossier.card.valid_until.isoformat() == until


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "field", "message"),
    [
        ("2028-02-30", "2029-01-01", "decision-valid_from", "Not a valid date"),
        ("0001-01-01", "2029-01-01", "decision-valid_from", "Enter a date from"),
        ("today", "9999-12-31", "decision-valid_until", "Enter a date from"),
        ("today", "yesterday", "decision-valid_until", "must be after the first day"),
        ("today", "3y+1d", "decision-valid_until", "at most 3 years"),
    ],
    ids=["30-february", "year-0001", "year-9999", "before", "3y+1d"],
)
def test_nasty_dates_come_back_with_the_error_summary(
    client, officer, valid_from, valid_until, field, message
):
    dossier = card()
    start = clock.today()
    named = {
        "today": start.isoformat(),
        "yesterday": (start - timedelta(1)).isoformat(),
        "3y+1d": (handling.longest_until(start, 3) + timedelta(1)).isoformat(),
    }
    response = _post(
        client,
        dossier,
        outcome="authorised",
        valid_from=named.get(valid_from, valid_from),
        valid_until=named.get(valid_until, valid_until),
    )
    soup = check_page(response.text)
    assert error_summary(soup)
    assert soup.title.get_text().startswith("Error")
    assert message.lower() in field_error(soup, field).lower()
    assert dossier.status == S.SUBMITTED
    assert (
        db.session.scalar(
            select(func.count(StatusEvent.id)).where(StatusEvent.dossier_id == dossier.id)
        )
        == 1
    )


def test_the_queue_shows_the_kind_and_filters_by_it(client, officer):
    single = DossierFactory(submitted=True)
    entrepreneur = card()
    soup = check_page(client.get("/backoffice/dossiers?lang=en").text)
    rows = {
        row.find("a").get_text(strip=True): row.get_text(" ", strip=True)
        for row in soup.select("table.queue tbody tr")
    }
    assert "Professional card" in rows[entrepreneur.reference]
    assert "Single permit" in rows[single.reference]
    assert soup.find("select", id="kind")
    cards = check_page(client.get("/backoffice/dossiers?lang=en&kind=professional_card").text)
    listed = cards.get_text(" ", strip=True)
    assert entrepreneur.reference in listed and single.reference not in listed
    searched = check_page(
        client.get(f"/backoffice/dossiers?lang=en&kind=single_permit&q={single.reference}").text
    )
    assert single.reference in searched.get_text()
    nasty = client.get("/backoffice/dossiers?lang=en&kind=%27%20OR%201=1--")
    assert nasty.status_code == 200


def test_a_granted_cards_pages_show_its_validity_read_afresh(client, officer, db_session):
    """The card answers are read for a card file's pages (`access.load_contents` skips
    them for a single permit only): with nothing loaded, the officer's page shows the
    validity and the right of residence, and the entrepreneur's the validity."""
    dossier = card(residence_valid_until=date(2031, 5, 6))
    start = clock.today()
    grant(officer, dossier, start, start + timedelta(days=400))
    db_session.commit()
    dossier_id, until = dossier.id, start + timedelta(days=400)
    db_session.expunge_all()  # each page reads the file afresh, as in production
    text = check_page(client.get(f"/backoffice/dossiers/{dossier_id}?lang=en").text).get_text(
        " ", strip=True
    )
    assert "Card valid" in text and "Right of residence until" in text
    assert f"{until.day} {until:%B} {until.year}" in text and "6 May 2031" in text
