"""Retention of claim contests and of rejected claims: two years after the decision (by
default).

A contest is sent by someone who says their company's enterprise number was registered by
another: a contact person (name, e-mail address, phone), a message and a proof (an extract
or a letter, often naming people). Once decided, the contest stays a record of the
decision on the number: *anonymise* keeps the enterprise number, the company's name, the
claim it contested, the status, the dates and the proof's SHA-256 and size, and takes out
the contact person, the message, the proof's name and stored file and the decision's
reason (free text that may name the person). *delete* removes the row and the file.

Either way the audit entries naming no file that hold the contact's address are redacted
(`audit.redact_mentions`); the chain still verifies. An open contest has no end yet.

A **rejected claim** (series rejected_claims) keeps the proof its claimant uploaded (a KBO
extract or a power of attorney, naming the directors) and the reason given for the
rejection (free text). *anonymise* takes out the proof's name and stored file and the
reason, and keeps the claim as the record of the decision on the number: the number, the
organisation, the status, the dates, the proof's kind, SHA-256 and size. A proven claim is
the organisation's right to act and stays; a lapsed one never had a proof. The audit entries
of a claim name its organisation, number and the proof's SHA-256, no person.
"""

from __future__ import annotations

from portal import audit, uploads
from portal.accounts.models import ClaimContest, ClaimStatus, ContestStatus, OrganisationClaim
from portal.extensions import db
from portal.privacy.batches import Outcome, Pass, count, ended_before, records_in_batches
from portal.privacy.schedule import ANONYMISE, Entry


def claim_contests(entry: Entry, p: Pass) -> Outcome:
    """Anonymise or delete the contests decided before the cutoff (see the module)."""
    cutoff = entry.period.before(p.now)
    due = ended_before(
        ClaimContest, ClaimContest.decided_at, cutoff, ClaimContest.status != ContestStatus.OPEN
    )
    outcome = Outcome(entry.series, entry.action, cutoff, due=count(due))
    for contests in records_in_batches(outcome, p, due, ClaimContest, "contest"):
        addresses = [record.email for record in contests]
        for record in contests:
            uploads.discard_if_stored(record.proof_stored_name)  # after the commit
            if entry.action == ANONYMISE:
                _take_out(record, p)
            else:
                db.session.delete(record)
            outcome.done += 1
        outcome.unredacted += audit.redact_mentions(addresses, now=p.now).legacy
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


def rejected_claims(entry: Entry, p: Pass) -> Outcome:
    """Take the proof and the reason out of the claims rejected before the cutoff."""
    cutoff = entry.period.before(p.now)
    rejected = OrganisationClaim.status == ClaimStatus.REJECTED
    due = ended_before(OrganisationClaim, OrganisationClaim.decided_at, cutoff, rejected)
    outcome = Outcome(entry.series, entry.action, cutoff, due=count(due))
    for claims in records_in_batches(outcome, p, due, OrganisationClaim, "claim"):
        for claim in claims:
            uploads.discard_if_stored(claim.proof_stored_name)  # after the commit
            claim.proof_file_name = None
            claim.proof_stored_name = None  # the proof's download answers 404
            claim.decision_reason = None
            claim.anonymised_at = p.now
            outcome.done += 1
    return outcome
