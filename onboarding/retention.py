"""The orange carpet's series of the retention schedule (`portal.privacy.run`).

`webhooks`: a delivered POST to a partner's system keeps its history row (partner, event,
dates, attempts) without the payload, its signature or an error, once the schedule's
period after delivery has passed (or it goes, if the schedule says delete). A delivery
cancelled on withdrawal of consent is emptied at once by `onboarding.webhooks`.
"""

from __future__ import annotations

from sqlalchemy import select

from onboarding.models import WebhookDelivery
from portal.privacy.run import Outcome, Pass, bulk
from portal.privacy.schedule import ANONYMISE, Entry


def webhooks(entry: Entry, p: Pass) -> Outcome:
    cutoff = entry.period.before(p.now)
    due = select(WebhookDelivery.id).where(
        WebhookDelivery.sent_at.is_not(None), WebhookDelivery.sent_at < cutoff
    )
    if entry.action == ANONYMISE:
        due = due.where(WebhookDelivery.payload != "")
    blank = dict(payload="", signature="", last_error=None)
    return bulk(entry, p, cutoff, due, WebhookDelivery, blank, "webhook delivery")


def register(app) -> None:
    app.extensions.setdefault("retention_handlers", {})["webhooks"] = webhooks
