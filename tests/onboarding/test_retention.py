"""The orange carpet's series of the retention schedule: webhook bodies after delivery."""

from __future__ import annotations

from datetime import UTC, datetime

from onboarding.models import WebhookDelivery
from portal.extensions import db
from portal.privacy import run, schedule
from tests.onboarding.factories import PartnerFactory

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
