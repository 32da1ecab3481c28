"""The purge: what the retention schedule says is due, deleted or anonymised, in batches.

`flask --app wsgi retention run [--dry-run] [--batch N]` and the worker's daily job
(`retention.run`, at RETENTION_HOUR Brussels time, off with RETENTION_DAILY=0) both call
`run()`. Per series of the schedule (`portal.privacy.schedule`) a handler finds the records
whose trigger date lies before `now` minus the period, and deletes or anonymises them one
batch at a time, committing each batch: a crash loses at most one batch of work, and the
next run picks up where this one stopped (a handled record no longer matches). A dry run
counts what is due and names the first few, and changes nothing.

What each series means here:

- **drafts** (delete): a dossier never submitted, unchanged (itself and its documents)
  since the cutoff. Its rows go (documents, viewers, status events) and its stored files
  after the commit. A draft that something else still points at (an intake message, a
  chained audit entry) is left alone and reported: the database's foreign keys decide.
- **outbox**, **exchange_outbox** (anonymise or delete): a delivered message's content. As
  GOV.UK Notify does, anonymising keeps a history row (template or kind, locale, dates,
  attempts) without recipient, subject, body or error.
- **files_granted**, **files_refused**, **files_withdrawn** (anonymise): a decided or
  withdrawn file whose final decision (or withdrawal) lies before the cutoff. Anonymising
  keeps what the figures need (`portal.stats.report`): reference, dates (submitted,
  decisions, forwarded), kind, category, channel, status, decisions and their reason codes,
  nationality, ISCO, NACE, workplace region (REFNIS) and the status events (to, when). It
  drops the worker's identity (names, birth date, passport, national number, e-mail,
  residence, post), salary, street and postal code, vacancy and posting details, every
  free text (reasons, withdrawal reason, information requests and answers, event reasons),
  the viewers, and the stored documents: a document row stays with requirement, size, type
  and SHA-256 (the receipt's record of what was filed) but without its name or file.
- **documents** (delete): the stored bytes of a decided file's documents, once the final
  decision lies before the cutoff (sooner than the file itself); the rows stay as above.
- A file on **legal hold** (`held_at`) is skipped and counted as held.
- **intake_messages**, **quarantine** (delete): the raw message and its sender's details,
  the row kept with its hashes (`portal.privacy.intake`).
- **helpdesk_tickets** (anonymise or delete): a resolved ticket without its requester
  (`portal.privacy.tickets`).
- **accounts** (anonymise): an account unused since the cutoff keeps its row without the
  person (`portal.privacy.accounts`); a closed account is anonymised at its closure.
- **unconfirmed_accounts** (anonymise): an account whose address nobody confirmed, made
  before the cutoff (the links that confirm one are long dead), as the accounts above.
- **sessions** (delete): a login session (its address and browser) without activity since
  the cutoff and no longer live; the account keeps the moment of its last login.
- **claim_contests** (anonymise or delete): a contest decided before the cutoff without
  its contact person, message and proof (`portal.privacy.contests`).
- **rejected_claims** (anonymise): a claim to an enterprise number rejected before the
  cutoff, without its proof and the rejection's reason (`portal.privacy.contests`).
- A series without a handler (the orange carpet's welcome profiles when the plug-in is
  off) is reported as such and kept. A plug-in adds its own handlers to
  `app.extensions["retention_handlers"]` (the orange carpet: webhook bodies and welcome
  profiles, `onboarding.retention`).

**The audit trail**: entries are sealed into a SHA-256 chain (`portal.audit`). The design
chosen for redaction is a salted *commitment*: the digest covers SHA-256(salt ‖ detail)
rather than the detail, so anonymising a file empties the details of its entries (a
document's file name on a download, say) and their salts, keeps their hashes, and
`audit verify` still passes; without the salt a redacted detail cannot be guessed back.
Entries sealed before the commitment existed cannot be redacted: they are counted
("audit details left") and kept. The purge's own entries carry no personal data.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import Select, and_, delete, exists, or_, select, update
from sqlalchemy.exc import IntegrityError

from portal import audit, clock, uploads
from portal.dossiers.lifecycle.models import ExchangeMessage, InfoRequest, StatusEvent
from portal.dossiers.models import (
    WORKER_IDENTITY,
    Document,
    Dossier,
    DossierStatus,
    DossierViewer,
)
from portal.extensions import db
from portal.mail import OutboxMessage
from portal.privacy import accounts, contests, intake, schedule, tickets
from portal.privacy.batches import (  # noqa: F401 - bulk, Handler: for plug-ins' handlers
    SAMPLE,
    Handler,
    Outcome,
    Pass,
    bulk,
)
from portal.privacy.batches import commit as _commit
from portal.privacy.batches import count as _count
from portal.privacy.batches import ids_in_batches as _batches
from portal.privacy.batches import sample as _sample
from portal.privacy.schedule import ANONYMISE, Entry

# --- drafts ---------------------------------------------------------------------------------


def _drafts(entry: Entry, p: Pass) -> Outcome:
    cutoff = entry.period.before(p.now)
    newer_document = exists().where(
        Document.dossier_id == Dossier.id, Document.updated_at >= cutoff
    )
    due = select(Dossier.id).where(
        Dossier.status == DossierStatus.DRAFT, Dossier.updated_at < cutoff, ~newer_document
    )
    outcome = Outcome(entry.series, entry.action, cutoff)
    outcome.held = _count(due.where(Dossier.held_at.is_not(None)))
    due = due.where(Dossier.held_at.is_(None))
    outcome.due = _count(due)
    if p.dry_run:
        outcome.sample = _sample(due, Dossier.id, lambda i: f"draft {i}")
        return outcome
    for ids in _batches(due, Dossier.id, p.batch):
        for dossier_id in ids:
            pointers = _pointing_at(dossier_id)
            if not pointers and _delete_draft(dossier_id):
                outcome.done += 1
            else:
                outcome.left.append(f"draft {dossier_id} ({', '.join(pointers) or 'in use'})")
        _commit(p)
    return outcome


# The rows a draft takes with it; any other row that points at the draft keeps it.
DRAFT_PARTS = {"dossier_document", "dossier_viewer", "status_event"}


def _pointing_at(dossier_id: int) -> list[str]:
    """The tables (of every loaded model, plug-ins' included) with a row naming the draft.

    Asked, not left to the foreign keys alone: a SQLite connection may run without them.
    """
    found = []
    for table in db.metadata.tables.values():
        if table.name in DRAFT_PARTS:
            continue
        for key in table.foreign_keys:
            if (key.column.table.name, key.column.name) != ("dossier", "id"):
                continue
            column = key.parent
            if db.session.execute(select(column).where(column == dossier_id).limit(1)).first():
                found.append(table.name)
                break
    return found


def _delete_draft(dossier_id: int) -> bool:
    """Delete one draft and (after the commit) its files; False if something points at it."""
    savepoint = db.session.begin_nested()
    try:
        dossier = db.session.get(Dossier, dossier_id)
        for document in dossier.documents:
            uploads.discard_if_stored(document.stored_name)
        db.session.execute(delete(DossierViewer).where(DossierViewer.dossier_id == dossier_id))
        db.session.execute(delete(StatusEvent).where(StatusEvent.dossier_id == dossier_id))
        db.session.delete(dossier)
        db.session.flush()
    except IntegrityError:
        savepoint.rollback()  # its files stay too: the discards belonged to the savepoint
        return False
    savepoint.commit()
    audit.record("retention:draft_deleted", detail=f"draft {dossier_id}")
    return True


# --- message bodies after delivery ------------------------------------------------------------


def _outbox(entry: Entry, p: Pass) -> Outcome:
    cutoff = entry.period.before(p.now)
    due = select(OutboxMessage.id).where(
        OutboxMessage.sent_at.is_not(None), OutboxMessage.sent_at < cutoff
    )
    if entry.action == ANONYMISE:
        due = due.where(or_(OutboxMessage.recipient != "", OutboxMessage.body_text != ""))
    blank = dict(recipient="", subject="", body_text="", body_html="", last_error=None)
    return bulk(entry, p, cutoff, due, OutboxMessage, blank, "message")


def _exchange(entry: Entry, p: Pass) -> Outcome:
    cutoff = entry.period.before(p.now)
    due = select(ExchangeMessage.id).where(
        ExchangeMessage.sent_at.is_not(None), ExchangeMessage.sent_at < cutoff
    )
    if entry.action == ANONYMISE:
        due = due.where(ExchangeMessage.payload != "")
    blank = dict(payload="", last_error=None)
    return bulk(entry, p, cutoff, due, ExchangeMessage, blank, "exchange message")


# --- decided and withdrawn files -----------------------------------------------------------------

S = DossierStatus
FINAL = {
    "files_granted": {S.RESIDENCE_GRANTED: Dossier.federal_decision_on},
    "files_refused": {
        S.RESIDENCE_REFUSED: Dossier.federal_decision_on,
        S.WORK_REFUSED: Dossier.flemish_decision_on,
        S.INADMISSIBLE: Dossier.flemish_decision_on,
    },
}

# The worker's identity and everything free-written: what anonymising takes out of a file.
PERSONAL = (
    *WORKER_IDENTITY,
    "annual_salary",
    "workplace_street",
    "workplace_postal_code",
    "vacancy_reference",
    "vacancy_published_on",
    "client_name",
    "client_kbo",
    "site_address",
    "limosa_reference",
    "withdrawn_reason",
    "flemish_reasons",
    "submission_token",
    "previous_permit_expires_on",
)


def _files_due(entry: Entry, p: Pass) -> tuple[Select, datetime]:
    cutoff = entry.period.before(p.now)
    day = clock.local_day(cutoff)
    query = select(Dossier.id).where(Dossier.anonymised_at.is_(None))
    if entry.series == "files_withdrawn":
        withdrawn = select(StatusEvent.id).where(
            StatusEvent.dossier_id == Dossier.id, StatusEvent.to_status == S.WITHDRAWN
        )
        # Imported files may have no event: their last change stands for the withdrawal.
        query = query.where(
            Dossier.status == S.WITHDRAWN,
            or_(
                exists(withdrawn.where(StatusEvent.at < cutoff)),
                and_(~exists(withdrawn), Dossier.updated_at < cutoff),
            ),
            ~exists(withdrawn.where(StatusEvent.at >= cutoff)),
        )
    else:
        query = query.where(
            or_(
                *(
                    and_(Dossier.status == status, column.is_not(None), column < day)
                    for status, column in FINAL[entry.series].items()
                )
            )
        )
    return query, cutoff


def _files(entry: Entry, p: Pass) -> Outcome:
    if entry.trigger not in ("final_decision", "withdrawal"):
        return Outcome(
            entry.series, entry.action, None, note=f"trigger {entry.trigger} not supported yet"
        )
    due, cutoff = _files_due(entry, p)
    outcome = Outcome(entry.series, entry.action, cutoff)
    outcome.held = _count(due.where(Dossier.held_at.is_not(None)))
    due = due.where(Dossier.held_at.is_(None))
    outcome.due = _count(due)
    if p.dry_run:
        outcome.sample = _sample(due, Dossier.id, lambda i: f"file {i}")
        return outcome
    for ids in _batches(due, Dossier.id, p.batch):
        for dossier_id in ids:
            redaction = anonymise_file(db.session.get(Dossier, dossier_id), p.now)
            outcome.unredacted += redaction.legacy
            outcome.done += 1
        _commit(p)
    return outcome


def anonymise_file(dossier: Dossier, now: datetime) -> audit.Redaction:
    """Take the person out of a file, keeping what the figures count (see this module)."""
    for name in PERSONAL:
        setattr(dossier, name, None)
    for document in dossier.documents:
        _remove_document(document)
    db.session.execute(
        update(InfoRequest)
        .where(InfoRequest.dossier_id == dossier.id)
        .values(question="", answer=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(StatusEvent)
        .where(StatusEvent.dossier_id == dossier.id)
        .values(reason=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(delete(DossierViewer).where(DossierViewer.dossier_id == dossier.id))
    dossier.anonymised_at = now
    redaction = audit.redact(dossier.id, now=now)
    audit.record("retention:anonymised", dossier_id=dossier.id, detail="retention schedule")
    return redaction


def _documents(entry: Entry, p: Pass) -> Outcome:
    """The bytes of a decided file's documents, sooner than the file itself; the rows stay
    (requirement, size, type, SHA-256: the receipt's record of what was filed)."""
    cutoff = entry.period.before(p.now)
    day = clock.local_day(cutoff)
    finals = {**FINAL["files_granted"], **FINAL["files_refused"]}
    decided = or_(
        *(
            and_(Dossier.status == status, column.is_not(None), column < day)
            for status, column in finals.items()
        )
    )
    due = (
        select(Document.id)
        .join(Dossier, Dossier.id == Document.dossier_id)
        .where(decided, Document.stored_name != "")
    )
    outcome = Outcome(entry.series, entry.action, cutoff)
    outcome.held = _count(due.where(Dossier.held_at.is_not(None)))
    due = due.where(Dossier.held_at.is_(None))
    outcome.due = _count(due)
    if p.dry_run:
        outcome.sample = _sample(due, Document.id, lambda i: f"document {i}")
        return outcome
    for ids in _batches(due, Document.id, p.batch):
        for document in db.session.scalars(select(Document).where(Document.id.in_(ids))):
            _remove_document(document)
            outcome.done += 1
        _commit(p)
    return outcome


def _remove_document(document: Document) -> None:
    uploads.discard_if_stored(document.stored_name)  # once the commit has gone through
    document.stored_name = ""  # downloads answer 404: the bytes are gone
    document.file_name = ""


HANDLERS: dict[str, Handler] = {
    "drafts": _drafts,
    "intake_messages": intake.intake_messages,
    "quarantine": intake.quarantine,
    "helpdesk_tickets": tickets.helpdesk_tickets,
    "accounts": accounts.accounts,
    "unconfirmed_accounts": accounts.unconfirmed_accounts,
    "sessions": accounts.old_sessions,
    "claim_contests": contests.claim_contests,
    "rejected_claims": contests.rejected_claims,
    "documents": _documents,
    "outbox": _outbox,
    "exchange_outbox": _exchange,
    "files_granted": _files,
    "files_refused": _files,
    "files_withdrawn": _files,
}


def handlers() -> dict[str, Handler]:
    """The portal's handlers and those plug-ins added (`retention_handlers`)."""
    return HANDLERS | current_app.extensions.get("retention_handlers", {})


def run(
    *,
    dry_run: bool = True,
    batch: int = 200,
    now: datetime | None = None,
    entries: dict[str, Entry] | None = None,
) -> list[Outcome]:
    """Apply (or, dry, count) the schedule; commits each batch unless dry."""
    if batch < 1:
        raise ValueError("batch must be at least 1")
    entries = schedule.load() if entries is None else entries
    p = Pass(dry_run=dry_run, batch=batch, now=now or clock.now())
    known = handlers()
    outcomes = []
    for name, entry in entries.items():
        handler = known.get(name)
        if handler is None:
            outcomes.append(Outcome(name, entry.action, None, note="no handler yet: kept"))
            continue
        outcomes.append(handler(entry, p))
    return outcomes


def register_periodic(app) -> None:
    """`flask worker` applies the schedule once a day (RETENTION_HOUR, Brussels time)."""
    from portal import scheduler

    def daily() -> None:
        for outcome in run(dry_run=False):
            current_app.logger.info("retention: %s", outcome.line(False))

    scheduler.register(
        app,
        scheduler.Periodic(
            "retention.run",
            daily,
            daily_at="RETENTION_HOUR",
            default_hour=4,
            enabled=lambda: bool(current_app.config.get("RETENTION_DAILY", True)),
        ),
    )
