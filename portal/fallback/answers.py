"""The intake's automatic answers, through the outbox, never where they could loop.

RFC 3834: no answer to a message sent by a machine (Auto-Submitted, bounces, lists), to
one whose sender asked for none (X-Auto-Response-Suppress) or that the spam filter
flagged, to our own addresses, nor more than INTAKE_ANSWERS_PER_DAY to one address.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from email.utils import getaddresses

from flask import current_app
from sqlalchemy import func, select

from portal import clock, mail
from portal.dossiers.models import Dossier
from portal.extensions import db
from portal.fallback.mailparse import ParsedMail
from portal.fallback.models import IntakeMessage, Proof


def may_answer(address: str | None, parsed: ParsedMail | None = None) -> bool:
    """False for machines, for our own addresses, and past the daily limit per address."""
    if not address or (parsed is not None and (parsed.automatic or parsed.no_auto_answer)):
        return False
    config = current_app.config
    own = {config["INTAKE_ADDRESS"].lower()}
    own |= {a.lower() for _name, a in getaddresses([config["MAIL_FROM"]]) if a}
    if address.lower() in own:
        return False
    since = clock.now() - timedelta(days=1)
    answered = db.session.scalar(
        select(func.count(IntakeMessage.id)).where(
            IntakeMessage.sender == address,
            IntakeMessage.answered.is_(True),
            IntakeMessage.received_at >= since,
        )
    )
    return (answered or 0) < int(config.get("INTAKE_ANSWERS_PER_DAY", 20))


def accepted(
    address: str, locale: str, dossier: Dossier, subject: str, *, reviewed: bool = False
) -> None:
    mail.queue(
        address,
        "fallback_intake_accepted",
        locale,
        reference=dossier.reference,
        documents=[d.file_name for d in dossier.documents],
        dossier_id=dossier.id,
        subject=subject,
        reviewed=reviewed,
    )


def refused(
    address: str,
    locale: str,
    reason: str,
    subject: str,
    *,
    file_name: str = "",
    proof: Proof | None = None,
    message_limit: int,
) -> None:
    """The reason in words, and what to do instead (`fallback_intake_refused.txt`)."""
    mail.queue(
        address,
        "fallback_intake_refused",
        locale,
        reason=reason,
        subject=subject,
        detail=file_name,
        expires_on=proof.expires_on if proof is not None else None,
        used_reference=proof.dossier.reference if proof and proof.dossier else None,
        max_megabytes=current_app.config["DOCUMENT_MAX_BYTES"] // (1024 * 1024),
        message_megabytes=message_limit // (1024 * 1024),
    )


def under_review(address: str, locale: str, subject: str, received_at: datetime) -> None:
    mail.queue(address, "fallback_intake_review", locale, subject=subject, received_at=received_at)
