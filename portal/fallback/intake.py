"""The mail intake: every delivery is kept raw, then read, decided, recorded and answered.

`receive()` decides one delivery in the caller's transaction (the runner commits): it
stores the bytes first, content-addressed under UPLOAD_DIR/intake/<sha256>, then records
exactly one `IntakeMessage` with its outcome:

- duplicate: the same Message-ID, or the same content, was read before;
- rejected: sent by a machine, too large, broken, without a valid proof from the proof's
  address, or without acceptable attachments (the reason code says which);
- accepted: a dossier with channel "e-mail", its attachments stored like uploads, status
  "submitted" through the status machine, and the proof consumed.

The sender gets an answer through the outbox, in the language of the text (or the
ticket's), unless the message came from a machine (RFC 3834) — then never.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from portal import clock, uploads
from portal.dossiers.models import Dossier
from portal.errors import Invalid
from portal.extensions import db
from portal.fallback import answers, blankform, codes, filing, language, mailparse, rawstore
from portal.fallback.filing import create_dossier
from portal.fallback.mailparse import Attachment, ParsedMail
from portal.fallback.models import IntakeMessage, Outcome, Proof
from portal.fallback.proofs import ProofProblem, consume, party_of, verify
from portal.fallback.sources import Incoming
from portal.i18n import force_locale

HEADER_BYTES = 256 * 1024

# Reason codes (stable: `intake list` prints them; the answers explain them).
DUPLICATE_MESSAGE_ID = "duplicate_message_id"
DUPLICATE_CONTENT = "duplicate_content"
AUTOMATIC = "automatic"
TOO_LARGE = "too_large"
BROKEN = "broken_mime"
NO_ATTACHMENTS = "no_attachments"
ATTACHMENT_TYPE = "attachment_type"
ATTACHMENT_TOO_LARGE = "attachment_too_large"
ATTACHMENT_REFUSED = "attachment_refused"
ERROR = "error"


def max_message_bytes() -> int:
    """The largest message read; by default what a full dossier weighs in base64 (x 1.4)."""
    config = current_app.config
    configured = config.get("INTAKE_MAX_MESSAGE_BYTES")
    return int(configured or config["DOSSIER_MAX_BYTES"] * 14 // 10)


@dataclass
class Decision:
    outcome: Outcome
    reason: str | None = None
    detail: str | None = None
    proof: Proof | None = None
    dossier: Dossier | None = None
    duplicate_of: IntakeMessage | None = None


def already_recorded(key: str) -> IntakeMessage | None:
    return db.session.scalar(select(IntakeMessage).where(IntakeMessage.source_key == key))


def receive(item: Incoming, *, now: datetime | None = None) -> IntakeMessage:
    """Keep, read, decide, record and answer one delivery. The caller commits."""
    now = now or clock.now()
    with item.open() as stream:
        sha256, size = rawstore.keep(stream)
    too_large = size > max_message_bytes()
    if too_large:
        with rawstore.path_of(sha256).open("rb") as stream:
            head = stream.read(HEADER_BYTES)
        parsed = mailparse.parse_headers(head)
        parsed.content_hash = None
    else:
        parsed = mailparse.parse(rawstore.path_of(sha256).read_bytes())
    record = IntakeMessage(
        source_key=item.key,
        sha256=sha256,
        size=size,
        received_at=now,
        message_id=parsed.message_id,
        content_hash=parsed.content_hash,
        sender=parsed.sender,
        subject=parsed.subject[:300] or None,
    )
    decision = _decide(parsed, too_large, now)
    record.outcome, record.reason = decision.outcome, decision.reason
    record.detail = decision.detail
    record.proof = decision.proof
    record.dossier = decision.dossier
    record.duplicate_of_id = decision.duplicate_of.id if decision.duplicate_of else None
    record.locale = _locale(parsed, decision.proof)
    db.session.add(record)
    _answer(record, parsed, decision)
    db.session.flush()
    return record


def _decide(parsed: ParsedMail, too_large: bool, now: datetime) -> Decision:
    original = _original(parsed)
    if original is not None:
        same_id = parsed.message_id and original.message_id == parsed.message_id
        reason = DUPLICATE_MESSAGE_ID if same_id else DUPLICATE_CONTENT
        detail = f"same as message {original.id}"
        return Decision(
            Outcome.DUPLICATE, reason, detail, dossier=original.dossier, duplicate_of=original
        )
    if parsed.automatic:
        return Decision(Outcome.REJECTED, AUTOMATIC, parsed.automatic)
    if too_large:
        return Decision(Outcome.REJECTED, TOO_LARGE, f"larger than {max_message_bytes()} bytes")
    if parsed.broken:
        return Decision(Outcome.REJECTED, BROKEN, parsed.broken)
    code_text = codes.find(parsed.subject) or codes.find(parsed.text)
    if code_text is None:
        code_text = next(filter(None, map(codes.find, parsed.nested_texts)), None)
    verdict = verify(code_text, parsed.sender or "", clock.local_day(now))
    if verdict.problem is not None:
        return Decision(Outcome.REJECTED, verdict.problem.value, code_text, verdict.claimed)
    proof = verdict.proof
    problem = check_attachments(parsed.attachments)
    if problem is not None:
        return Decision(Outcome.REJECTED, problem[0], problem[1], proof)
    sender_account = filing.account_for(proof.email)
    locale = _locale(parsed, proof)
    savepoint = db.session.begin_nested()
    try:
        with force_locale(locale):  # a refusal's message is translated, even without a request
            dossier = create_dossier(
                party=party_of(proof),
                locale=locale,
                attachments=parsed.attachments,
                uploader=sender_account or proof.issued_by,
                actor=sender_account,
                reason=f"Received by e-mail with proof {proof.code}",
                token=filing.submission_token(parsed),
                now=now,
            )
    except Invalid as refused:  # the virus scanner said no
        savepoint.rollback()
        return Decision(Outcome.REJECTED, ATTACHMENT_REFUSED, str(refused), proof)
    # Our blank form among the attachments: its fields fill the file (never fails here).
    blankform.prefill_from_attachments(dossier, parsed.attachments, locale, sender_account)
    if not consume(proof, dossier, sender_account):
        savepoint.rollback()
        return Decision(Outcome.REJECTED, ProofProblem.USED.value, proof.code, proof)
    savepoint.commit()
    detail = None if parsed.message_id else "no Message-ID: deduplicated by content"
    return Decision(Outcome.ACCEPTED, None, detail, proof, dossier)


def _original(parsed: ParsedMail) -> IntakeMessage | None:
    first = select(IntakeMessage).where(IntakeMessage.outcome != Outcome.DUPLICATE)
    if parsed.message_id:
        found = db.session.scalar(
            first.where(IntakeMessage.message_id == parsed.message_id).order_by(IntakeMessage.id)
        )
        if found is not None:
            return found
    if parsed.content_hash:
        return db.session.scalar(
            first.where(IntakeMessage.content_hash == parsed.content_hash).order_by(
                IntakeMessage.id
            )
        )
    return None


def check_attachments(attachments: list[Attachment]) -> tuple[str, str] | None:
    """(reason, detail) when the attachments cannot make a dossier; None when they can."""
    per_file = current_app.config["DOCUMENT_MAX_BYTES"]
    per_dossier = current_app.config["DOSSIER_MAX_BYTES"]
    if not attachments:
        return NO_ATTACHMENTS, None
    allowed = {uploads.KINDS[kind] for kind in filing.ALLOWED}
    for attachment in attachments:
        if len(attachment.data) > per_file:
            return ATTACHMENT_TOO_LARGE, attachment.name
        if not attachment.data or uploads.sniff(attachment.data) not in allowed:
            return ATTACHMENT_TYPE, attachment.name
    if sum(len(a.data) for a in attachments) > per_dossier:
        return TOO_LARGE, "attachments together exceed the limit of a file"
    return None


def _locale(parsed: ParsedMail, proof: Proof | None) -> str:
    """The language of the text; else the ticket's; else the sender's account's; else nl."""
    found = language.detect(f"{parsed.subject}\n{parsed.text}")
    if found:
        return found
    if proof is not None:
        return proof.ticket.locale
    user = filing.account_for(parsed.sender)
    return user.locale if user is not None else "nl"


def _answer(record: IntakeMessage, parsed: ParsedMail, decision: Decision) -> None:
    """Answer through the outbox, unless that could start a loop or is not wanted."""
    if decision.outcome == Outcome.DUPLICATE or not answers.may_answer(parsed.sender, parsed):
        return
    if decision.outcome == Outcome.ACCEPTED:
        answers.accepted(parsed.sender, record.locale, decision.dossier, parsed.subject)
    else:
        named = record.reason in (ATTACHMENT_TYPE, ATTACHMENT_TOO_LARGE)
        answers.refused(
            parsed.sender,
            record.locale,
            record.reason,
            parsed.subject,
            file_name=record.detail if named else "",
            proof=decision.proof,
            message_limit=max_message_bytes(),
        )
    record.answered = True


def record_failure(item: Incoming, error: BaseException, *, now: datetime | None = None):
    """After an unexpected error (rolled back): record the delivery as `error`, kept raw."""
    now = now or clock.now()
    with item.open() as stream:
        sha256, size = rawstore.keep(stream)
    try:
        with rawstore.path_of(sha256).open("rb") as stream:
            parsed = mailparse.parse_headers(stream.read(HEADER_BYTES))
    except Exception:  # noqa: BLE001 - we record what we can
        parsed = ParsedMail()
    record = IntakeMessage(
        source_key=item.key,
        sha256=sha256,
        size=size,
        received_at=now,
        message_id=parsed.message_id,
        sender=parsed.sender,
        subject=parsed.subject[:300] or None,
        outcome=Outcome.ERROR,
        reason=ERROR,
        detail=mailparse.clean(f"{type(error).__name__}: {error}")[:2000],
        locale=_locale(parsed, None),
    )
    db.session.add(record)
    if answers.may_answer(parsed.sender, parsed):
        answers.under_review(parsed.sender, record.locale, parsed.subject, now)
        record.answered = True
    db.session.flush()
    return record


def record_bare_failure(item: Incoming, errors: list[BaseException], *, now=None):
    """When even recording the failure failed: the raw bytes and the errors, nothing read.

    No header is parsed and no answer is sent, so this cannot fail on the message itself;
    it stays in the quarantine for an agent.
    """
    with item.open() as stream:
        sha256, size = rawstore.keep(stream)
    detail = " | ".join(f"{type(e).__name__}: {e}" for e in errors)
    record = IntakeMessage(
        source_key=mailparse.clean(item.key)[:300],
        sha256=sha256,
        size=size,
        received_at=now or clock.now(),
        outcome=Outcome.ERROR,
        reason=ERROR,
        detail=mailparse.clean(detail)[:2000],
        locale="nl",
    )
    db.session.add(record)
    db.session.flush()
    return record
