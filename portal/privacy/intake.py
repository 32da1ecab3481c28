"""Retention of what the mail intake read: raw messages (90 days) and the quarantine (30).

Both series say *delete*, and what is deleted is the message: its raw bytes on disk
(UPLOAD_DIR/intake/<sha256>) and what the row says of it and its sender (sender, subject,
Message-ID, the intake's detail, an agent's free-written review reason). The row stays,
marked `purged_at`, with its dates, outcome, reason code, size and hashes: the helpdesk's
list still shows that a delivery came in and what became of it, and a second delivery of
the same content is still recognised as a duplicate (`content_hash`) instead of being
filed twice. The file made from an accepted message is its record (the dossier).

- **quarantine**: a rejected or failed message no agent reviewed, received before the
  cutoff. Once purged it leaves the quarantine (`IntakeMessage.in_quarantine`).
- **intake_messages**: every other message (accepted, duplicates, reviewed ones).

The bytes are stored once per content (two deliveries of the same bytes share a file), so
a file goes only when no row left unpurged names it, and only once the commit went through
(a crash in between leaves a file that no row opens any more).
"""

from __future__ import annotations

from sqlalchemy import and_, not_, select, update
from sqlalchemy.orm import aliased

from portal.extensions import db
from portal.fallback import models as fallback_models
from portal.fallback import rawstore
from portal.fallback.models import IntakeMessage
from portal.privacy.batches import Outcome as Result
from portal.privacy.batches import Pass, commit, count, ids_in_batches, sample
from portal.privacy.schedule import Entry

QUARANTINED = and_(
    IntakeMessage.outcome.in_(fallback_models.QUARANTINED),
    IntakeMessage.reviewed_at.is_(None),
)


def quarantine(entry: Entry, p: Pass) -> Result:
    return _purge(entry, p, QUARANTINED)


def intake_messages(entry: Entry, p: Pass) -> Result:
    return _purge(entry, p, not_(QUARANTINED))


def _purge(entry: Entry, p: Pass, which) -> Result:
    cutoff = entry.period.before(p.now)
    due = select(IntakeMessage.id).where(
        which, IntakeMessage.purged_at.is_(None), IntakeMessage.received_at < cutoff
    )
    outcome = Result(entry.series, entry.action, cutoff, due=count(due))
    if p.dry_run:
        outcome.sample = sample(due, IntakeMessage.id, lambda i: f"intake message {i}")
        return outcome
    for ids in ids_in_batches(due, IntakeMessage.id, p.batch):
        hashes = set(
            db.session.scalars(select(IntakeMessage.sha256).where(IntakeMessage.id.in_(ids)))
        )
        db.session.execute(
            update(IntakeMessage)
            .where(IntakeMessage.id.in_(ids))
            .values(
                sender=None,
                subject=None,
                message_id=None,
                detail=None,
                review_reason=None,
                purged_at=p.now,
            )
            .execution_options(synchronize_session=False)
        )
        other = aliased(IntakeMessage)
        still_named = set(
            db.session.scalars(
                select(other.sha256).where(other.sha256.in_(hashes), other.purged_at.is_(None))
            )
        )
        outcome.done += len(ids)
        commit(p)  # the rows first: a crash now leaves a file no row can open, never the reverse
        for sha256 in hashes - still_named:
            _delete_raw(sha256)
    return outcome


def _delete_raw(sha256: str) -> None:
    try:
        path = rawstore.path_of(sha256)
    except ValueError:  # not a hash we wrote: no file of ours to delete
        return
    path.unlink(missing_ok=True)
