"""Making a submitted e-mail dossier: the intake's (with a valid proof) and an agent's
(from the quarantine) go through the same steps and the same checks as online files."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from portal import clock, uploads
from portal.accounts.models import User
from portal.dossiers.lifecycle import status
from portal.dossiers.models import Channel, Document, Dossier, DossierStatus
from portal.dossiers.references import new_reference
from portal.extensions import db
from portal.fallback.mailparse import Attachment, ParsedMail
from portal.fallback.proofs import Party

ALLOWED = ("pdf", "jpeg", "png")
EMAIL_ATTACHMENT = "email_attachment"  # the requirement of a file that came by e-mail


def submission_token(parsed: ParsedMail) -> str:
    """The dossier's idempotency key: one message can never make two dossiers."""
    identity = parsed.message_id or parsed.content_hash or secrets.token_hex(16)
    return hashlib.sha256(f"intake:{identity}".encode()).hexdigest()


def account_for(email: str | None) -> User | None:
    if not email:
        return None
    return db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))


def _unique_reference(year: int) -> str:
    while True:
        reference = new_reference(year)
        if db.session.scalar(select(Dossier.id).where(Dossier.reference == reference)) is None:
            return reference


def create_dossier(
    *,
    party: Party,
    locale: str,
    attachments: list[Attachment],
    uploader: User,
    actor: User | None,
    reason: str,
    token: str,
    now: datetime,
) -> Dossier:
    """A submitted e-mail dossier for `party`, with the attachments stored like uploads."""
    dossier = Dossier(
        channel=Channel.EMAIL,
        locale=locale,
        status=DossierStatus.DRAFT,
        created_by_id=actor.id if actor else None,
        organisation_id=party.organisation.id if party.organisation else None,
        mandatary_id=party.mandatary.id if party.mandatary else None,
        foreign_employer_id=party.foreign_employer.id if party.foreign_employer else None,
        employer_kbo=party.kbo_number if party.unregistered else None,
        is_posting=party.mandatary is not None,
        nace_code=party.organisation.nace_code if party.organisation else None,
        submission_token=token,
        reference=_unique_reference(clock.local_day(now).year),
        submitted_at=now,
        submitted_on=clock.local_day(now),
    )
    db.session.add(dossier)
    db.session.flush()
    per_file = current_app.config["DOCUMENT_MAX_BYTES"]
    for attachment in attachments:
        stored = uploads.store(attachment.data, attachment.name, ALLOWED, per_file)
        db.session.add(
            Document(
                dossier=dossier,
                requirement=EMAIL_ATTACHMENT,
                file_name=stored.file_name,
                stored_name=stored.stored_name,
                sha256=stored.sha256,
                size=stored.size,
                mime=stored.mime,
                uploaded_by_id=uploader.id,
            )
        )
    db.session.flush()
    status.change(dossier, DossierStatus.SUBMITTED, actor, reason, notify_parties=False)
    return dossier
