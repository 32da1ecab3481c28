"""The orange carpet's series of the retention schedule: webhook bodies, welcome profiles."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select

from onboarding import withdrawal
from onboarding.models import Child, Referral, WebhookDelivery, WelcomeProfile
from portal.accounts.models import Role
from portal.extensions import db
from portal.mail import OutboxMessage
from portal.privacy import run, schedule
from tests.onboarding.factories import GrantedDossierFactory, PartnerFactory, WelcomeProfileFactory
from tests.support import make_user

NOW = datetime(2026, 12, 3, 10, tzinfo=UTC)


def delivery(partner, sent_at) -> WebhookDelivery:
    row = WebhookDelivery(
        partner_id=partner.id,
        event="referral.created",
        url="https://partner.example/hook",
        payload='{"name": "Priya Sharma", "children": 2}',
        signature="sha256=abc",
        sent_at=sent_at,
    )
    db.session.add(row)
    db.session.flush()
    return row


def test_delivered_webhook_bodies_are_emptied_after_their_period(app, db_session):
    assert "webhooks" in app.extensions["retention_handlers"]
    partner = PartnerFactory()
    old = delivery(partner, datetime(2026, 10, 1, tzinfo=UTC))
    recent = delivery(partner, datetime(2026, 11, 25, tzinfo=UTC))
    waiting = delivery(partner, None)
    db.session.commit()
    entries = {"webhooks": schedule.load()["webhooks"]}
    (dry,) = run.run(dry_run=True, now=NOW, entries=entries)
    assert dry.due == 1 and dry.sample == [f"webhook delivery {old.id}"]
    (outcome,) = run.run(dry_run=False, now=NOW, entries=entries)
    db.session.commit()
    db.session.expire_all()
    assert outcome.done == 1
    assert (old.payload, old.signature, old.event) == ("", "", "referral.created")
    assert recent.payload.startswith('{"name"') and waiting.payload.startswith('{"name"')


# Welcome profiles: erased at the end of the welcome period, or after a withdrawal --------


def welcome_entry(trigger: str = "welcome_end", period: str = "3 months") -> dict:
    entry = schedule.load()["welcome_profiles"]
    return {
        "welcome_profiles": schedule.Entry(
            "welcome_profiles", trigger, schedule.parse_period(period), entry.action, entry.source
        )
    }


def aged_profile(email: str, *, arrival_on, opened_at) -> WelcomeProfile:
    user = make_user(email, Role.TALENT)
    profile = WelcomeProfileFactory(user=user, arrival_on=arrival_on)
    profile.created_at = opened_at
    db.session.add(Child(profile=profile, birth_date=date(2020, 5, 1)))
    db.session.flush()
    return profile


def test_welcome_profiles_of_known_age_dry_run_real_run_and_one_day_younger_kept(app, db_session):
    assert "welcome_profiles" in app.extensions["retention_handlers"]
    # NOW is 3 December 2026: the welcome (12 months) plus 3 months ended for an arrival
    # before 3 September 2025.
    opened = datetime(2025, 6, 1, tzinfo=UTC)
    due = aged_profile("due@example.in", arrival_on=date(2025, 9, 2), opened_at=opened)
    young = aged_profile("young@example.in", arrival_on=date(2025, 9, 3), opened_at=opened)
    withdrawn = aged_profile("gone@example.in", arrival_on=date(2026, 11, 1), opened_at=opened)
    withdrawn.consent_withdrawn_at = datetime(2026, 9, 2, tzinfo=UTC)
    fresh = aged_profile("fresh@example.in", arrival_on=None, opened_at=NOW - timedelta(days=10))
    partner = PartnerFactory()
    referral = Referral(
        profile=due, talent=due.user, partner=partner, item_code="register_address",
        consent_given_at=datetime(2025, 9, 5, tzinfo=UTC), shared_data='[["name", "Due"]]',
    )  # fmt: skip
    db.session.add(referral)
    db.session.commit()
    ids = {due.id, withdrawn.id}
    before = withdrawal.figures()
    (dry,) = run.run(dry_run=True, now=NOW, entries=welcome_entry())
    assert dry.due == 2 and set(dry.sample) == {f"welcome profile {i}" for i in ids}
    assert db.session.get(WelcomeProfile, due.id) is not None  # a dry run changes nothing
    (outcome,) = run.run(dry_run=False, now=NOW, entries=welcome_entry(), batch=1)
    db.session.commit()
    db.session.expire_all()
    assert outcome.done == 2
    assert {p.id for p in db.session.scalars(select(WelcomeProfile))} == {young.id, fresh.id}
    assert db.session.scalar(select(func.count()).select_from(Child)) == 2
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 0
    # The partner was told to delete; the figures are the same.
    assert (
        db.session.scalar(select(func.count()).where(WebhookDelivery.event == "referral.withdrawn"))
        == 0
    )  # this partner has no system of its own: told by e-mail
    told = db.session.scalars(
        select(OutboxMessage.recipient).where(
            OutboxMessage.template == "onboarding_referral_withdrawn"
        )
    ).all()
    assert told == [partner.email]
    assert withdrawal.figures() == before
    # Again: nothing more is due.
    (again,) = run.run(dry_run=True, now=NOW, entries=welcome_entry())
    assert again.due == 0


def test_a_new_permit_starts_a_new_welcome_period(app, db_session):
    profile = aged_profile(
        "renewed@example.in",
        arrival_on=date(2024, 1, 1),
        opened_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    profile.dossier = GrantedDossierFactory(federal_decision_on=date(2026, 6, 1))
    db.session.commit()
    (dry,) = run.run(dry_run=True, now=NOW, entries=welcome_entry())
    assert dry.due == 0


def test_the_withdrawal_trigger_erases_only_withdrawn_profiles(app, db_session):
    old = datetime(2020, 1, 1, tzinfo=UTC)
    kept = aged_profile("kept@example.in", arrival_on=date(2020, 1, 1), opened_at=old)
    gone = aged_profile("gone@example.in", arrival_on=date(2020, 1, 1), opened_at=old)
    gone.consent_withdrawn_at = NOW - timedelta(days=2)
    db.session.commit()
    entries = welcome_entry("withdrawal", "1 day")
    (outcome,) = run.run(dry_run=False, now=NOW, entries=entries)
    db.session.commit()
    assert outcome.done == 1
    assert db.session.get(WelcomeProfile, gone.id) is None
    assert db.session.get(WelcomeProfile, kept.id) is not None
