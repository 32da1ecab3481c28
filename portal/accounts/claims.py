"""Enterprise claims: who may act for a KBO number, and how that is proven or contested.

Registering an organisation opens a *pending* claim for its first administrator: drafts
may be prepared, nothing may be submitted. The claimant uploads a KBO extract or a power
of attorney; an officer or helpdesk agent checks it against the KBO and approves or
rejects. A claim without proof lapses after `CLAIM_MAX_AGE` and frees the number, so a
squatter cannot hold it. The real company can contest a claim; staff may then revoke it.
Every decision is audited and the people concerned are told by e-mail.

A future federated identity provider (FAS/CSAM) proves a claim with `prove_by_mandate`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal import audit, clock, mail, paging, uploads
from portal.accounts.models import (
    ClaimContest,
    ClaimStatus,
    ContestStatus,
    Organisation,
    OrganisationClaim,
    ProofKind,
    Role,
    User,
)
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import _

STAFF = (Role.OFFICER, Role.HELPDESK, Role.ADMIN)
PROOF_TYPES = ("pdf", "jpeg", "png")
# Claims that hold a number (a lapsed pending claim is freed when it is next looked at).
HOLDING = (ClaimStatus.PENDING, ClaimStatus.PROVEN)


def max_age() -> timedelta:
    return timedelta(seconds=current_app.config["CLAIM_MAX_AGE"])


def open_claim(organisation: Organisation, claimant: User | None) -> OrganisationClaim:
    """A pending claim for a newly registered organisation; it lapses unproven."""
    claim = OrganisationClaim(
        organisation=organisation,
        claimant=claimant,
        kbo_number=organisation.kbo_number,
        status=ClaimStatus.PENDING,
        expires_at=clock.now() + max_age(),
    )
    db.session.add(claim)
    return claim


def is_lapsed(claim: OrganisationClaim, now: datetime | None = None) -> bool:
    """Pending, no proof waiting for review, and past its time."""
    now = now or clock.now()
    return (
        claim.status == ClaimStatus.PENDING
        and claim.proof_uploaded_at is None
        and claim.expires_at is not None
        and claim.expires_at <= now
    )


def _release(claim: OrganisationClaim, status: ClaimStatus) -> None:
    """End a claim and free its number; the organisation keeps its drafts, not the number."""
    claim.status = status
    claim.expires_at = None
    claim.organisation.release_kbo_number()
    db.session.flush()  # the number is free for an insert in this same transaction


def _tell_claimant(claim: OrganisationClaim, outcome: str, reason: str = "") -> None:
    user = claim.claimant
    if user is None or user.email_verified_at is None:
        return  # an address never confirmed gets no mail from us
    mail.queue(
        user.email,
        "claim_decided",
        user.locale,
        name=user.name,
        organisation=claim.organisation.name,
        outcome=outcome,
        reason=reason,
    )


def _expire(claim: OrganisationClaim, actor_id: int | None = None) -> None:
    _release(claim, ClaimStatus.EXPIRED)
    audit.record(
        "claim.expired",
        actor_id=actor_id,
        detail=f"organisation {claim.organisation_id}, KBO {claim.kbo_number}",
    )
    _tell_claimant(claim, "expired")


def withdraw(claim: OrganisationClaim) -> None:
    """End a pending claim whose claimant's account is anonymised, freeing the number.

    Expired, as if it had lapsed: no claimant is left to prove it, and nobody is mailed
    (the address is gone). The caller commits.
    """
    _release(claim, ClaimStatus.EXPIRED)
    audit.record(
        "claim.withdrawn",
        detail=f"organisation {claim.organisation_id}, KBO {claim.kbo_number}",
    )


def holder(kbo_number: str) -> OrganisationClaim | None:
    """The live claim holding `kbo_number`, if any. A lapsed one is expired on the way."""
    organisation = db.session.scalar(
        select(Organisation).where(Organisation.kbo_number == kbo_number)
    )
    if organisation is None:
        return None
    claim = organisation.claim
    if claim is None:  # made outside registration (as before claims): grandfathered
        claim = OrganisationClaim(
            organisation=organisation,
            kbo_number=kbo_number,
            status=ClaimStatus.PROVEN,
            proven_by="legacy",
        )
        db.session.add(claim)
        return claim
    if is_lapsed(claim):
        _expire(claim)
        return None
    return claim


def expire_lapsed(now: datetime | None = None) -> int:
    """Expire every lapsed pending claim, freeing its number; returns how many."""
    now = now or clock.now()
    lapsed = db.session.scalars(
        select(OrganisationClaim).where(
            OrganisationClaim.status == ClaimStatus.PENDING,
            OrganisationClaim.proof_uploaded_at.is_(None),
            OrganisationClaim.expires_at <= now,
        )
    ).all()
    for claim in lapsed:
        _expire(claim)
    return len(lapsed)


def submit_refusal(organisation: Organisation | None) -> str | None:
    """Why files of this organisation cannot be submitted yet, or None when they can."""
    if organisation is None or organisation.claim_proven:
        return None
    return _(
        "Your organisation cannot submit files yet: first prove that you may act for "
        "enterprise number %(kbo)s. Upload a KBO extract or a power of attorney on the page "
        "'Prove your organisation'. You can keep preparing this draft meanwhile.",
        kbo=organisation.kbo_on_record,
    )


# --- The claimant ---------------------------------------------------------------------


def own_claim(actor: User) -> OrganisationClaim:
    if actor.role != Role.EMPLOYER or actor.organisation is None:
        raise NotAllowed
    claim = actor.organisation.claim
    if claim is None:
        raise NotFound
    if is_lapsed(claim):
        _expire(claim, actor.id)
    return claim


def upload_proof(
    actor: User, *, kind: ProofKind, data: bytes, file_name: str, max_bytes: int
) -> OrganisationClaim:
    """The organisation's administrator uploads the proof; it waits for a review."""
    claim = own_claim(actor)
    if not actor.is_org_admin:
        raise NotAllowed
    if claim.status != ClaimStatus.PENDING:
        raise Invalid({"file": [_("This claim is no longer waiting for proof.")]})
    stored = uploads.store(data, file_name, PROOF_TYPES, max_bytes, field="file")
    claim.proof_kind = kind
    claim.proof_file_name = stored.file_name
    claim.proof_stored_name = stored.stored_name
    claim.proof_sha256 = stored.sha256
    claim.proof_size = stored.size
    claim.proof_uploaded_at = clock.now()
    audit.record(
        "claim.proof_uploaded",
        actor_id=actor.id,
        detail=f"organisation {claim.organisation_id}, {kind.value}, sha256 {stored.sha256}",
    )
    return claim


# --- Staff: the "Organisation claims" queue -------------------------------------------


def _require_staff(actor: User) -> None:
    if actor.role not in STAFF:
        raise NotAllowed


def _pending_claims(with_proof: bool, moment, after: str | None, size: int | None) -> paging.Page:
    proof = OrganisationClaim.proof_uploaded_at
    statement = (
        select(OrganisationClaim)
        .where(
            OrganisationClaim.status == ClaimStatus.PENDING,
            proof.is_not(None) if with_proof else proof.is_(None),
        )
        .options(joinedload(OrganisationClaim.organisation))  # each row names it
    )
    return paging.oldest_first(statement, OrganisationClaim, moment, after, size or paging.PER_PAGE)


def claims_to_review(
    actor: User, after: str | None = None, per_page: int | None = None
) -> paging.Page:
    """Pending claims with a proof, oldest proof first, a page past the claim `after`."""
    _require_staff(actor)
    return _pending_claims(True, OrganisationClaim.proof_uploaded_at, after, per_page)


def claims_without_proof(
    actor: User, after: str | None = None, per_page: int | None = None
) -> paging.Page:
    """Pending claims still waiting for their proof, oldest registration first, a page past
    the claim `after`."""
    _require_staff(actor)
    return _pending_claims(False, OrganisationClaim.created_at, after, per_page)


def open_contests(
    actor: User, after: str | None = None, per_page: int | None = None
) -> paging.Page:
    """Open contests, oldest first, a page past the contest `after`."""
    _require_staff(actor)
    statement = select(ClaimContest).where(ClaimContest.status == ContestStatus.OPEN)
    size = per_page or paging.PER_PAGE
    return paging.oldest_first(statement, ClaimContest, ClaimContest.created_at, after, size)


def contests_of(actor: User, claim: OrganisationClaim) -> list[ClaimContest]:
    """The open contests of one claim, oldest first."""
    _require_staff(actor)
    return list(
        db.session.scalars(
            select(ClaimContest)
            .where(ClaimContest.status == ContestStatus.OPEN, ClaimContest.claim_id == claim.id)
            .order_by(ClaimContest.created_at, ClaimContest.id)
        )
    )


def get_claim(actor: User, claim_id: int) -> OrganisationClaim:
    _require_staff(actor)
    claim = db.session.get(OrganisationClaim, claim_id)
    if claim is None:
        raise NotFound
    return claim


def get_contest(actor: User, contest_id: int) -> ClaimContest:
    _require_staff(actor)
    contest = db.session.get(ClaimContest, contest_id)
    if contest is None:
        raise NotFound
    return contest


def _decide(claim: OrganisationClaim, actor: User | None, reason: str) -> None:
    claim.decided_by_id = actor.id if actor else None
    claim.decided_at = clock.now()
    claim.decision_reason = reason or None


def decide_claim(actor: User, claim: OrganisationClaim, *, approve: bool, reason: str = ""):
    """Approve a claim from its proof, or reject it (with a reason) and free the number."""
    _require_staff(actor)
    if claim.status != ClaimStatus.PENDING:
        raise Invalid({"": [_("This claim has already been decided.")]})
    reason = (reason or "").strip()
    if not approve and not reason:
        raise Invalid({"reason": [_("Give the reason for the rejection.")]})
    if approve and claim.proof_stored_name is None:
        raise Invalid(
            {
                "decision": [
                    _("There is no proof to check yet: a claim is approved only on a proof.")
                ]
            }
        )
    _decide(claim, actor, reason)
    kbo = claim.kbo_number
    if approve:
        claim.status = ClaimStatus.PROVEN
        claim.expires_at = None
        claim.proven_by = actor.role.value
    else:
        _release(claim, ClaimStatus.REJECTED)
    action = "claim.approved" if approve else "claim.rejected"
    audit.record(
        action, actor_id=actor.id, detail=f"organisation {claim.organisation_id}, KBO {kbo}"
    )
    _tell_claimant(claim, "proven" if approve else "rejected", reason)
    return claim


def prove_by_mandate(claim: OrganisationClaim, *, source: str = "idp") -> OrganisationClaim:
    """A trusted source (a federated IdP's KBO mandate, the demo data) proves a claim."""
    claim.status = ClaimStatus.PROVEN
    claim.expires_at = None
    claim.proven_by = source
    claim.decided_at = clock.now()
    audit.record(
        "claim.approved",
        detail=f"organisation {claim.organisation_id}, KBO {claim.kbo_number}, by {source}",
    )
    return claim


# --- Contests ------------------------------------------------------------------------


def contest(
    *,
    kbo_number: str,
    company_name: str,
    contact_name: str,
    email: str,
    phone: str,
    message: str,
    data: bytes,
    file_name: str,
    max_bytes: int,
    locale: str,
) -> ClaimContest:
    """The real company contests the registration of its number; staff review it."""
    held = holder(kbo_number)
    stored = uploads.store(data, file_name, PROOF_TYPES, max_bytes, field="file")
    record = ClaimContest(
        kbo_number=kbo_number,
        claim=held,
        company_name=company_name.strip(),
        contact_name=contact_name.strip(),
        email=email.strip().lower(),
        phone=phone.strip(),
        message=message.strip(),
        locale=locale,
        proof_file_name=stored.file_name,
        proof_stored_name=stored.stored_name,
        proof_sha256=stored.sha256,
        proof_size=stored.size,
        status=ContestStatus.OPEN,
    )
    db.session.add(record)
    db.session.flush()
    audit.record("claim.contested", detail=f"contest {record.id}, KBO {kbo_number}")
    return record


def decide_contest(actor: User, record: ClaimContest, *, uphold: bool, reason: str) -> ClaimContest:
    """Uphold a contest (revoke the claim it names, freeing the number) or dismiss it."""
    _require_staff(actor)
    if record.status != ContestStatus.OPEN:
        raise Invalid({"": [_("This contest has already been decided.")]})
    reason = (reason or "").strip()
    if not reason:
        raise Invalid({"reason": [_("Give the reason for the decision.")]})
    record.status = ContestStatus.UPHELD if uphold else ContestStatus.DISMISSED
    record.decided_by_id = actor.id
    record.decided_at = clock.now()
    record.decision_reason = reason
    claim = record.claim
    if uphold and claim is not None and claim.status in HOLDING:
        _decide(claim, actor, reason)
        _release(claim, ClaimStatus.REJECTED)
        audit.record(
            "claim.revoked",
            actor_id=actor.id,
            detail=f"organisation {claim.organisation_id}, KBO {claim.kbo_number}, "
            f"contest {record.id}",
        )
        _tell_claimant(claim, "revoked", reason)
    audit.record(
        "claim.contest_upheld" if uphold else "claim.contest_dismissed",
        actor_id=actor.id,
        detail=f"contest {record.id}, KBO {record.kbo_number}",
    )
    mail.queue(
        record.email,
        "claim_contest_decided",
        record.locale,
        name=record.contact_name,
        kbo=record.kbo_number,
        upheld=uphold,
        reason=reason,
    )
    return record
