"""What the intake read, for the helpdesk: the list, one message, and the quarantine.

A rejected (or failed) message stays in the quarantine until an agent reviews it: they
either dismiss it, or, with a reason, turn it into a dossier (the attachments that pass
the upload checks are kept; the others are named in the audit trail).
"""

from __future__ import annotations

import functools
import heapq
import itertools
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import Select, select

from portal import audit, clock, paging, uploads
from portal.accounts.models import User
from portal.db import equals
from portal.dossiers.models import Dossier
from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.fallback import answers, blankform, codes, filing, intake, mailparse, rawstore
from portal.fallback.mailparse import Attachment, ParsedMail
from portal.fallback.models import QUARANTINED, IntakeMessage, Outcome, Review
from portal.fallback.proofs import ProofProblem, consume, party_of, resolve_party, verify
from portal.fallback.tickets import require_agent
from portal.i18n import _

VIEWS = ("quarantine", "all", "accepted", "rejected", "duplicate", "error")


# What the intake's list shows of a message (portal/fallback/intake_rows.py), with the
# reference of the file it became: read as rows, not as whole messages with their files.
INTAKE_COLUMNS = (
    IntakeMessage.id,
    IntakeMessage.received_at,
    IntakeMessage.sender,
    IntakeMessage.subject,
    IntakeMessage.outcome,
    IntakeMessage.reason,
    IntakeMessage.review,
    Dossier.reference,
)


def messages(
    actor: User, view: str = "quarantine", before: str | None = None, per_page: int | None = None
) -> paging.Page:
    """The intake's messages of a view, newest first, a page past the message `before`:
    rows of `INTAKE_COLUMNS`. Each message's file was joined in whole (a hundred columns),
    for its reference alone (issue 15).

    The quarantine is read per outcome, each in the order of its index range (outcome, not
    reviewed, id), and the two merged here: one statement for both outcomes walked every
    message ever kept, newest first, to find the few still waiting (issue 15)."""
    require_agent(actor)
    size = per_page or paging.PER_PAGE
    if view != "quarantine":
        query = _messages_statement(view if view in VIEWS else "all")
        return paging.newest_first(query, IntakeMessage, before, size, rows=True)
    # Each outcome's page with its one row more (which tells whether a next page exists).
    pages = [
        paging.newest_first(
            _messages_statement("quarantine", outcome), IntakeMessage, before, size + 1, rows=True
        )
        for outcome in QUARANTINED
    ]
    newest = heapq.merge(*(page.items for page in pages), key=lambda row: -row.id)
    return paging.take(list(itertools.islice(newest, size + 1)), size, before)


@functools.cache
def _messages_statement(view: str, outcome: Outcome | None = None) -> Select:
    """The messages of a view (`VIEWS`), or of `outcome` in the quarantine; built once."""
    query = select(*INTAKE_COLUMNS).outerjoin(Dossier, Dossier.id == IntakeMessage.dossier_id)
    if view == "quarantine":
        query = query.where(
            equals(IntakeMessage.outcome, outcome),
            IntakeMessage.reviewed_at.is_(None),
            IntakeMessage.purged_at.is_(None),
        )
    elif view in {o.value for o in Outcome}:
        query = query.where(equals(IntakeMessage.outcome, Outcome(view)))
    return query


def get_message(actor: User, message_id: int) -> IntakeMessage:
    require_agent(actor)
    record = db.session.get(IntakeMessage, message_id)
    if record is None:
        raise NotFound
    return record


def raw_bytes(record: IntakeMessage) -> bytes:
    if record.purged_at is not None:  # deleted under the retention schedule
        raise NotFound
    return rawstore.path_of(record.sha256).read_bytes()


@dataclass(frozen=True)
class Content:
    parsed: ParsedMail
    readable: bool


def content(record: IntakeMessage) -> Content:
    """The message as the intake read it (nothing for one too large to open, or purged)."""
    if record.purged_at is not None:
        return Content(ParsedMail(), False)
    if record.reason == intake.TOO_LARGE and record.size > intake.max_message_bytes():
        return Content(ParsedMail(), False)
    parsed = mailparse.parse(raw_bytes(record))
    return Content(parsed, parsed.broken is None)


def _acceptable(attachments: list[Attachment]) -> tuple[list[Attachment], list[str]]:
    per_file = current_app.config["DOCUMENT_MAX_BYTES"]
    allowed = {uploads.KINDS[kind] for kind in filing.ALLOWED}
    kept, skipped = [], []
    for attachment in attachments:
        fits = attachment.data and len(attachment.data) <= per_file
        if fits and uploads.sniff(attachment.data) in allowed:
            kept.append(attachment)
        else:
            skipped.append(uploads.safe_display_name(attachment.name))
    return kept, skipped


def _claimed_proof(record: IntakeMessage, parsed: ParsedMail):
    """The proof a message names, genuine for its sender (used or expired, even)."""
    text = codes.find(parsed.subject) or codes.find(parsed.text)
    if not text or not record.sender:
        return None
    verdict = verify(text, record.sender, clock.local_day(record.received_at))
    return verdict.proof or (verdict.claimed if verdict.problem != ProofProblem.SENDER else None)


def dismiss(actor: User, message_id: int, reason: str) -> IntakeMessage:
    record = _reviewable(actor, message_id, reason)
    record.review, record.review_reason = Review.DISMISSED, reason.strip()
    record.reviewed_at, record.reviewed_by_id = clock.now(), actor.id
    audit.record("fallback:quarantine_dismissed", actor_id=actor.id, detail=f"{record.id} {reason}")
    return record


def _reviewable(actor: User, message_id: int, reason: str) -> IntakeMessage:
    record = get_message(actor, message_id)
    if not record.in_quarantine:
        raise Invalid({"": [_("This message is not in the quarantine.")]})
    if not (reason or "").strip():
        raise Invalid({"reason": [_("Give the reason for your decision.")]})
    return record


def convert(
    actor: User,
    message_id: int,
    *,
    reason: str,
    kbo: str | None = None,
    foreign_registration: str | None = None,
) -> Dossier:
    """Turn a quarantined message into a submitted e-mail dossier, with a reason."""
    record = _reviewable(actor, message_id, reason)
    found = content(record)
    if not found.readable:
        raise Invalid({"": [_("This message cannot be read, so it cannot become a file.")]})
    proof = record.proof or _claimed_proof(record, found.parsed)
    if kbo and kbo.strip():
        party = resolve_party(kbo, foreign_registration)
    elif proof is not None:
        party = party_of(proof)
    else:
        raise Invalid({"kbo": [_("Give the enterprise number of the employer or mandatary.")]})
    kept, skipped = _acceptable(found.parsed.attachments)
    if not kept:
        raise Invalid(
            {"": [_("None of the attachments is a PDF, JPEG or PNG file within the limit.")]}
        )
    sender_account = filing.account_for(record.sender)
    dossier = filing.create_dossier(
        party=party,
        locale=record.locale,
        attachments=kept,
        uploader=sender_account or actor,
        actor=actor,
        reason=reason.strip(),
        token=filing.submission_token(found.parsed),
        now=clock.now(),
    )
    blankform.prefill_from_attachments(dossier, kept, record.locale, actor)
    if proof is not None and proof.used_at is None:
        consume(proof, dossier, actor)
    record.review, record.review_reason = Review.CONVERTED, reason.strip()
    record.reviewed_at, record.reviewed_by_id = clock.now(), actor.id
    record.dossier = dossier
    detail = reason.strip()
    if skipped:
        detail += " | left out: " + ", ".join(skipped)
    audit.record(
        "fallback:quarantine_converted", dossier_id=dossier.id, actor_id=actor.id, detail=detail
    )
    if record.sender and answers.may_answer(record.sender, found.parsed):
        answers.accepted(record.sender, record.locale, dossier, record.subject or "", reviewed=True)
    return dossier
