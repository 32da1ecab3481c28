"""Retention of claim contests: two years after the decision (by default).

A contest is sent by someone who says their company's enterprise number was registered by
another: a contact person (name, e-mail address, phone), a message and a proof (an extract
or a letter, often naming people). Once decided, the contest stays a record of the
decision on the number: *anonymise* keeps the enterprise number, the company's name, the
claim it contested, the status, the dates and the proof's SHA-256 and size, and takes out
the contact person, the message, the proof's name and stored file and the decision's
reason (free text that may name the person). *delete* removes the row and the file.

Either way the audit entries naming no file that hold the contact's address are redacted
(`audit.redact_mentions`); the chain still verifies. An open contest has no end yet.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import audit, uploads
from portal.accounts.models import ClaimContest, ContestStatus
from portal.extensions import db
from portal.privacy.batches import Outcome, Pass, commit, count, ids_in_batches, sample
from portal.privacy.schedule import ANONYMISE, Entry


def claim_contests(entry: Entry, p: Pass) -> Outcome:
    """Anonymise or delete the contests decided before the cutoff (see the module)."""
    cutoff = entry.period.before(p.now)
    due = select(ClaimContest.id).where(
        ClaimContest.status != ContestStatus.OPEN,
        ClaimContest.decided_at.is_not(None),
        ClaimContest.decided_at < cutoff,
        ClaimContest.anonymised_at.is_(None),
    )
    outcome = Outcome(entry.series, entry.action, cutoff, due=count(due))
    if p.dry_run:
        outcome.sample = sample(due, ClaimContest.id, lambda i: f"contest {i}")
        return outcome
    for ids in ids_in_batches(due, ClaimContest.id, p.batch):
        contests = db.session.scalars(select(ClaimContest).where(ClaimContest.id.in_(ids))).all()
        addresses = [record.email for record in contests]
        for record in contests:
            uploads.discard_if_stored(record.proof_stored_name)  # after the commit
            if entry.action == ANONYMISE:
                _take_out(record, p)
            else:
                db.session.delete(record)
            outcome.done += 1
        outcome.unredacted += audit.redact_mentions(addresses, now=p.now).legacy
        commit(p)
    return outcome


def _take_out(record: ClaimContest, p: Pass) -> None:
    record.contact_name = ""
    record.email = ""
    record.phone = ""
    record.message = ""
    record.proof_file_name = ""
    record.proof_stored_name = ""  # the proof's download answers 404: the bytes are gone
    record.decision_reason = None
    record.anonymised_at = p.now
