"""Renewal of a granted professional card (issue 16): the window (60 days, 90 for a card
first granted before 2022), the prefilled renewal file, the reminders at 90 and 60 days
sent once, and a substantial change of activity refused as a renewal."""

from __future__ import annotations

import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from portal import clock, scheduler
from portal.accounts.models import Role
from portal.dossiers.models import (
    CardDetails,
    Document,
    Dossier,
    DossierKind,
    DossierStatus,
    Permit,
)
from portal.dossiers.wizard import card_renewal, services
from portal.errors import Invalid
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.support import check_page, error_summary, login, make_user

TODAY = date(2026, 6, 1)
_serial = iter(range(1, 1_000_000))


def granted_card(filer=None, *, valid_until: date, before_2022: bool = False, **fields):
    """A granted card file of the business counter `filer` (a mandatary)."""
    values = dict(
        reference=f"PC-T-{next(_serial):06d}",
        permit=Permit.PROFESSIONAL_CARD,
        status=DossierStatus.CARD_GRANTED,
        locale="nl",
        sections_done="",
        created_by_id=filer.id if filer else None,
        mandatary_id=filer.mandatary_id if filer else None,
        worker_first_name="Mei",
        worker_last_name="Lin",
        worker_nationality="CN",
        worker_email="mei@example.cn",
        worker_locale="fr",
        category="economic",
        nace_code="56101",
        workplace_refnis="44021",
        submitted_on=valid_until - timedelta(days=1200),
    )
    values.update(fields)
    dossier = Dossier(**values)
    dossier.card = CardDetails(
        legal_form="sole_trader",
        activity_description="Restaurant",
        means_eur=Decimal("30000"),
        diploma_level=6,
        valid_from=valid_until - timedelta(days=1095),
        valid_until=valid_until,
        first_granted_before_2022=before_2022,
        reminders_sent="",
    )
    db.session.add(dossier)
    db.session.flush()
    return dossier


@pytest.fixture
def counter(db_session):
    return make_user("counter@loket.example", Role.MANDATARY)


@pytest.fixture
def context(app, db_session):
    with app.test_request_context("/?lang=en"):
        yield


# -- the window ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("before_2022", "days_left", "state"),
    [
        (False, 61, "not_yet"),
        (False, 60, "open"),
        (False, 0, "open"),
        (False, -1, "expired"),
        (True, 91, "not_yet"),
        (True, 90, "open"),
        (True, 61, "open"),
    ],
)
def test_the_window_opens_60_days_before_expiry_or_90_for_older_cards(
    context, counter, before_2022, days_left, state
):
    card = granted_card(
        counter, valid_until=TODAY + timedelta(days=days_left), before_2022=before_2022
    )
    assert card_renewal.window(card).state(TODAY) == state
    assert (card_renewal.refusal(card, TODAY) is None) == (state == "open")


def test_not_yet_open_says_the_day_it_opens(context, counter):
    card = granted_card(counter, valid_until=date(2026, 9, 30))
    with pytest.raises(Invalid) as refused:
        card_renewal.start_renewal(counter, card, locale="en", today=TODAY)
    [message] = refused.value.errors[""]
    assert "opens on 1 August 2026" in message and "30 September 2026" in message
    assert "60 days" in message
    assert db.session.scalar(select(func.count()).where(Dossier.previous_id == card.id)) == 0


def test_only_a_granted_card_can_be_renewed(context, counter):
    card = granted_card(counter, valid_until=TODAY + timedelta(days=30))
    card.status = DossierStatus.SUBMITTED
    with pytest.raises(Invalid):
        card_renewal.start_renewal(counter, card, locale="en", today=TODAY)


# -- the prefilled renewal -------------------------------------------------------------------


def test_the_renewal_is_prefilled_without_decision_or_documents(context, counter):
    card = granted_card(counter, valid_until=TODAY + timedelta(days=30), before_2022=True)
    card.card.reminders_sent = "90,60"
    db.session.add(
        Document(
            dossier=card,
            requirement="criminal_record",
            file_name="extract.pdf",
            stored_name="0" * 16 + ".pdf",
            sha256="0" * 64,
            size=10,
            mime="application/pdf",
            uploaded_by_id=counter.id,
        )
    )
    db.session.flush()
    renewal = card_renewal.start_renewal(counter, card, locale="de", today=TODAY)
    assert renewal.status == DossierStatus.DRAFT and renewal.kind == DossierKind.RENEWAL
    assert renewal.permit == Permit.PROFESSIONAL_CARD and renewal.previous_id == card.id
    assert renewal.previous_permit_expires_on == card.card.valid_until
    assert renewal.mandatary_id == counter.mandatary_id and renewal.locale == "de"
    assert (renewal.worker_name, renewal.category, renewal.nace_code) == (
        "Mei Lin",
        "economic",
        "56101",
    )
    assert renewal.card.legal_form == "sole_trader" and renewal.card.diploma_level == 6
    assert renewal.card.means_eur == Decimal("30000")
    assert renewal.card.first_granted_before_2022 is True  # the card's history carries over
    assert renewal.card.valid_from is None and renewal.card.valid_until is None
    assert renewal.card.reminders_sent == ""
    assert renewal.documents == [] and renewal.reference is None
    assert renewal.flemish_decision is None and renewal.submitted_on is None
    # A second start (a double click) finds the same renewal.
    assert card_renewal.start_renewal(counter, card, locale="en", today=TODAY) is renewal


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"category": "innovative"}, "another category"),
        ({"nace_code": "62010"}, "NACE-BEL division"),
        ({"legal_form": "company"}, "legal form"),
    ],
)
def test_a_substantial_change_is_a_new_application(context, counter, change, words):
    card = granted_card(counter, valid_until=TODAY + timedelta(days=30))
    renewal = card_renewal.start_renewal(counter, card, locale="en", today=TODAY)
    assert card_renewal.substantial_changes(renewal) == []
    renewal.nace_code = "56102"  # the same division (56): still a renewal
    assert card_renewal.substantial_changes(renewal) == []
    for name, value in change.items():
        setattr(renewal.card if name == "legal_form" else renewal, name, value)
    with pytest.raises(Invalid) as refused:
        card_renewal.refuse_substantial_change(renewal)
    [message] = refused.value.errors[""]
    assert words in message and "new application" in message


def test_submitting_a_substantially_changed_renewal_is_refused(context, counter):
    card = granted_card(counter, valid_until=TODAY + timedelta(days=30))
    renewal = card_renewal.start_renewal(counter, card, locale="en", today=TODAY)
    renewal.card.legal_form = "company"
    with pytest.raises(Invalid) as refused:
        services.submit(counter, renewal, token="t" * 32, today=TODAY)
    assert "new application" in refused.value.errors[""][0]
    assert renewal.status == DossierStatus.DRAFT and renewal.reference is None


# -- reminders -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days_left", "sent", "due"),
    [
        (91, "", None),
        (90, "", 90),
        (61, "", 90),
        (61, "90", None),
        (60, "90", 60),
        (60, "", 60),  # a worker that was down sends the latest one only
        (0, "90", 60),
        (-1, "", None),
        (30, "90,60", None),
    ],
)
def test_which_reminder_is_due(app, days_left, sent, due):
    with app.app_context():
        assert card_renewal.due_reminder(TODAY + timedelta(days=days_left), TODAY, sent) == due


def test_reminders_go_once_each_in_the_holders_language(context, counter, monkeypatch):
    card = granted_card(counter, valid_until=TODAY + timedelta(days=90))
    other = granted_card(counter, valid_until=TODAY + timedelta(days=150), worker_email="x@y.z")
    assert card_renewal.send_reminders(TODAY) == 1
    assert card_renewal.send_reminders(TODAY) == 0
    assert card_renewal.send_reminders(TODAY + timedelta(days=10)) == 0
    [message] = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "card_renewal_reminder")
    ).all()
    assert message.recipient == "mei@example.cn" and message.locale == "fr"
    assert card.reference in message.body_text and "/card-renewal" in message.body_text
    db.session.refresh(card.card)
    db.session.refresh(other.card)
    assert card.card.reminders_sent == "90" and other.card.reminders_sent == ""
    assert card_renewal.send_reminders(TODAY + timedelta(days=30)) == 1  # 60 days left
    db.session.refresh(card.card)
    assert card.card.reminders_sent == "90,60"
    assert card_renewal.send_reminders(TODAY + timedelta(days=31)) == 0


def test_no_reminder_once_the_renewal_is_submitted(context, counter):
    card = granted_card(counter, valid_until=TODAY + timedelta(days=60))
    renewal = card_renewal.start_renewal(counter, card, locale="en", today=TODAY)
    renewal.status = DossierStatus.SUBMITTED
    db.session.flush()
    assert card_renewal.send_reminders(TODAY) == 0


def test_the_reminders_are_a_daily_periodic_job(context):
    job = scheduler.jobs()["cards.renewal_reminders"]
    assert job.daily_at == "CARD_REMINDER_HOUR"


# -- the page --------------------------------------------------------------------------------


def test_the_renewal_page_open_and_not_yet_open(client, counter, monkeypatch):
    monkeypatch.setattr(clock, "today", lambda: TODAY)
    soon = granted_card(counter, valid_until=TODAY + timedelta(days=30))
    later = granted_card(counter, valid_until=TODAY + timedelta(days=200))
    login(client, counter.email)
    for lang in ("nl", "fr", "de", "en"):
        soup = check_page(
            client.get(f"/applications/{soon.id}/card-renewal?lang={lang}").get_data(as_text=True)
        )
        assert soup.find("main").find("form", method="post") is not None
        soup = check_page(
            client.get(f"/applications/{later.id}/card-renewal?lang={lang}").get_data(as_text=True)
        )
        assert soup.find("main").find("form", method="post") is None
    assert "opens on 19 October 2026" in soup.get_text(" ").replace("\xa0", " ")
    refused = client.post(f"/applications/{later.id}/card-renewal?lang=en")
    assert refused.status_code == 400
    assert any("opens on" in line for line in error_summary(check_page(refused.get_data(True))))
    started = client.post(f"/applications/{soon.id}/card-renewal")
    assert started.status_code == 302
    renewal = db.session.scalar(select(Dossier).where(Dossier.previous_id == soon.id))
    assert started.headers["Location"].endswith(f"/applications/{renewal.id}")
    again = client.post(f"/applications/{soon.id}/card-renewal")
    assert again.headers["Location"] == started.headers["Location"]
    page = client.get(f"/applications/{soon.id}/card-renewal?lang=en").get_data(as_text=True)
    assert "Continue the renewal" in page
    stranger = make_user("other@loket.example", Role.MANDATARY)
    client.post("/account/logout")
    login(client, stranger.email)
    assert client.get(f"/applications/{soon.id}/card-renewal").status_code == 404
    assert client.post(f"/applications/{soon.id}/card-renewal").status_code == 404


# -- two workers at once (own database, committed; PostgreSQL when DATABASE_URL says so) -----


def test_two_workers_at_once_send_each_reminder_once(app, tmp_path):
    """Two sessions run the reminders at the same moment: both read the card as not yet
    reminded, both try to record the reminder; one e-mail is queued, whatever the order."""
    from flask_migrate import upgrade

    from portal import create_app
    from tests.support import own_database, own_settings

    url, drop = own_database(tmp_path, "portal_card_reminders")
    live = create_app(own_settings(tmp_path, url))
    try:
        with live.app_context():
            upgrade()
            for days in (90, 60, 75):
                granted_card(valid_until=TODAY + timedelta(days=days))
            db.session.commit()
        postgres = url.startswith("postgresql")
        both_read = threading.Barrier(2) if postgres else None
        claim = card_renewal._claim
        results, errors, waited = [], [], set()

        def racing_claim(*args):
            # Each worker's first claim waits for the other's: both have read every card
            # as not yet reminded before either writes. Then the first to write holds the
            # rows until it commits; the other's compare-and-set finds them changed.
            me = threading.get_ident()
            if both_read is not None and me not in waited:
                waited.add(me)
                both_read.wait(timeout=60)
            return claim(*args)

        def worker():
            try:
                with live.app_context(), live.test_request_context("/"):
                    results.append(card_renewal.send_reminders(TODAY))
                    db.session.commit()
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)
                if both_read is not None:
                    both_read.abort()

        card_renewal._claim = racing_claim
        try:
            if postgres:
                threads = [threading.Thread(target=worker) for _ in range(2)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
            else:  # SQLite serves one writer at a time: one after the other
                worker()
                worker()
        finally:
            card_renewal._claim = claim
        assert errors == []
        assert sorted(results) == [0, 3]
        with live.app_context():
            queued = db.session.scalar(
                select(func.count()).where(OutboxMessage.template == "card_renewal_reminder")
            )
            assert queued == 3
            sent = sorted(db.session.scalars(select(CardDetails.reminders_sent)))
            assert sent == ["60", "90", "90"]
            db.session.remove()
            db.engine.dispose()
    finally:
        drop()


# -- demo data -------------------------------------------------------------------------------


def test_demo_load_adds_a_card_nearing_renewal_and_a_submitted_card(app, db_session, monkeypatch):
    from portal import demo

    monkeypatch.setattr(db.session, "commit", db.session.flush)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    cards = {
        d.reference: d
        for d in db.session.scalars(
            select(Dossier).where(Dossier.permit == Permit.PROFESSIONAL_CARD)
        )
    }
    granted, submitted = cards[demo.CARD_GRANTED_REF], cards[demo.CARD_SUBMITTED_REF]
    assert (
        granted.status == DossierStatus.CARD_GRANTED and submitted.status == DossierStatus.SUBMITTED
    )
    assert card_renewal.window(granted).state(clock.today()) == "open"
    assert granted.mandatary.users[0].email == "mandatary@demo.example"
    # Additive: a demo database from before the cards gets them on the next load, once.
    for card in cards.values():
        db.session.delete(card)
    db.session.flush()
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    count = select(func.count()).where(Dossier.permit == Permit.PROFESSIONAL_CARD)
    assert db.session.scalar(count) == 2
