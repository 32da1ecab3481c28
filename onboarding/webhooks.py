"""Signed JSON webhooks to partners' own systems, through an outbox.

A referral queues a `WebhookDelivery` in the same transaction (never an HTTP call during
the request). `deliver_webhooks()`, run by `flask --app wsgi onboarding deliver` (and by
`outbox run`), claims and POSTs what is due through `portal.jobs`: a failure or a slow
answer is recorded and retried with exponential backoff, and parked for an administrator
to retry after `JOBS_MAX_ATTEMPTS` attempts.

The receiver checks the header `X-Portal-Signature: sha256=<hex>`: the HMAC-SHA256 of the
exact request body with the secret the administrator shared with it. `X-Portal-Delivery`
is the same on every retry of one delivery, so the receiver can ignore duplicates.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request

from flask import current_app
from sqlalchemy import select

from onboarding.models import Partner, Referral, WebhookDelivery
from onboarding.urlcheck import check_url
from portal import clock, jobs
from portal.extensions import db
from portal.i18n import _l

SIGNATURE_HEADER = "X-Portal-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for `body`: `sha256=` and the hex HMAC-SHA256."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str) -> bool:
    """What a receiver does: compare in constant time."""
    return hmac.compare_digest(sign(secret, body), header or "")


def encode(payload: dict) -> str:
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def queue(
    partner: Partner, event: str, payload: dict, referral: Referral | None = None
) -> WebhookDelivery | None:
    """Queue a signed POST to the partner's system; None when it has none. The caller commits."""
    if not (partner.webhook_url and partner.webhook_secret):
        return None
    body = encode({"event": event, **payload})
    delivery = WebhookDelivery(
        partner_id=partner.id,
        referral_id=referral.id if referral else None,
        event=event,
        url=partner.webhook_url,
        payload=body,
        signature=sign(partner.webhook_secret, body.encode()),
        next_attempt_at=clock.now(),  # due at once, even before the row is flushed
    )
    db.session.add(delivery)
    return delivery


def cancel_pending(referral: Referral) -> int:
    """Consent withdrawn: deliveries that have not left yet are emptied and never sent."""
    pending = db.session.scalars(
        select(WebhookDelivery).where(
            WebhookDelivery.referral_id == referral.id,
            WebhookDelivery.sent_at.is_(None),
            WebhookDelivery.cancelled_at.is_(None),
        )
    ).all()
    for delivery in pending:
        delivery.payload, delivery.signature, delivery.cancelled_at = "{}", "", clock.now()
    return len(pending)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A partner's answer may not send the portal elsewhere: a redirect could point at an
    internal address that the URL check never saw, so it counts as a failed delivery."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        raise urllib.error.HTTPError(req.full_url, code, "redirect refused", headers, fp)


_OPENER = urllib.request.build_opener(_NoRedirects)


def _post(delivery: WebhookDelivery, timeout: float) -> None:
    check_url(delivery.url)  # again at delivery: DNS may have changed since it was saved
    request = urllib.request.Request(
        delivery.url,
        data=delivery.payload.encode(),
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "single-permit-portal-webhooks/1",
            SIGNATURE_HEADER: delivery.signature,
            "X-Portal-Event": delivery.event,
            "X-Portal-Delivery": str(delivery.id),
        },
    )
    try:
        with _OPENER.open(request, timeout=timeout) as response:  # noqa: S310 - checked URL
            response.read()
            if not 200 <= response.status < 300:
                raise OSError(f"the partner answered {response.status}")
    except urllib.error.HTTPError as error:
        error.close()
        raise OSError(f"the partner answered {error.code}") from None


def _deliver(delivery: WebhookDelivery) -> None:
    _post(delivery, float(current_app.config.get("ONBOARDING_WEBHOOK_TIMEOUT", 5)))


QUEUE = jobs.Queue(
    name="webhooks",
    model=WebhookDelivery,
    process=_deliver,
    title=_l("Webhooks to partner services"),
    describe=lambda d: f"{d.event} → {d.partner.name if d.partner else d.partner_id} ({d.url})",
    pending=lambda: (WebhookDelivery.cancelled_at.is_(None),),
)


def deliver_webhooks(limit: int = 100) -> tuple[int, int]:
    """POST the deliveries that are due; return (sent, failed). Commits after each one."""
    report = jobs.run(QUEUE, limit=limit)
    return report.sent, report.failed
