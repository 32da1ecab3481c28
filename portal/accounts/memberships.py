"""Second claimants: a person asks to join an organisation whose claim is already proven.

The requester gets an account without an organisation, so they see none of its files.
Once their address is confirmed, the organisation's administrators are told; a proven
administrator approves (the requester becomes a member) or refuses. Unanswered requests
lapse like unproven claims. Every decision is audited and the requester is e-mailed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from portal import audit, clock, mail, paging
from portal.accounts import claims
from portal.accounts.models import (
    ClaimStatus,
    MembershipClaim,
    Organisation,
    OrgRole,
    User,
)
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import _


def request_to_join(user: User, organisation: Organisation) -> MembershipClaim:
    """Record the request of a newly registered `user`; it waits for their address."""
    request = MembershipClaim(
        organisation=organisation,
        user=user,
        status=ClaimStatus.PENDING,
        expires_at=clock.now() + claims.max_age(),
    )
    db.session.add(request)
    return request


def pending_request(user: User) -> MembershipClaim | None:
    return db.session.scalar(select(MembershipClaim).where(MembershipClaim.user_id == user.id))


def tell_administrators(user: User) -> None:
    """Called when the requester confirms their address: the administrators get a mail."""
    request = pending_request(user)
    if request is None or request.status != ClaimStatus.PENDING:
        return
    for admin in _proven_administrators(request.organisation):
        mail.queue(
            admin.email,
            "membership_requested",
            admin.locale,
            name=admin.name,
            requester=user.name,
            requester_email=user.email,
            organisation=request.organisation.name,
        )


def _proven_administrators(organisation: Organisation) -> list[User]:
    if not organisation.claim_proven:
        return []
    return [
        u
        for u in organisation.users
        if u.org_role == OrgRole.ADMIN and u.active and u.email_verified_at
    ]


def _require_proven_admin(actor: User) -> None:
    if not actor.is_org_admin or not actor.organisation.claim_proven:
        raise NotAllowed


def requests_for(actor: User, after: str | None = None, per_page: int | None = None) -> paging.Page:
    """Pending requests to join the actor's organisation, from confirmed addresses, oldest
    first, a page past the request `after`, each with its person (joined: one statement).
    Anyone may register an enterprise number and ask, so the list is bounded whatever its
    length. A cursor that is not a request to this organisation raises `Invalid`."""
    if not actor.is_org_admin or not actor.organisation.claim_proven:
        return paging.Page([], None, not paging.given(after))
    ours = MembershipClaim.organisation_id == actor.organisation_id
    statement = (
        select(MembershipClaim)
        .join(MembershipClaim.user)
        .where(
            ours,
            MembershipClaim.status == ClaimStatus.PENDING,
            User.email_verified_at.is_not(None),
        )
        .options(contains_eager(MembershipClaim.user))
    )
    size = per_page or paging.PER_PAGE
    return paging.oldest_first(
        statement, MembershipClaim, MembershipClaim.created_at, after, size, scope=ours
    )


def _lapsed(request: MembershipClaim, now: datetime | None = None) -> bool:
    now = now or clock.now()
    return (
        request.status == ClaimStatus.PENDING
        and request.expires_at is not None
        and request.expires_at <= now
    )


def load_for_admin(actor: User, request_id: int, *, for_update: bool = False) -> MembershipClaim:
    """A request to join `actor`'s organisation; another organisation's looks missing.

    Not `access.get_dossier`'s kind: a join request is no file, its reader is the
    organisation's proven administrator, not a party of a file, and the accounts package
    sits below the dossiers (it may not import them). `for_update` locks the row (and reads
    it afresh): two administrators answering the same request at once then take turns, and
    the second finds it answered instead of both passing `decide`'s pending check.
    """
    _require_proven_admin(actor)
    request = db.session.get(
        MembershipClaim, request_id, with_for_update=for_update, populate_existing=for_update
    )
    if request is None or request.organisation_id != actor.organisation_id:
        raise NotFound
    return request


def decide(actor: User, request_id: int, *, approve: bool, reason: str = "") -> MembershipClaim:
    """A proven administrator lets the requester in as a member, or refuses."""
    request = load_for_admin(actor, request_id, for_update=True)
    if request.status != ClaimStatus.PENDING or _lapsed(request):
        raise Invalid({"": [_("This request has already been answered or has expired.")]})
    request.decided_by_id = actor.id
    request.decided_at = clock.now()
    request.decision_reason = (reason or "").strip() or None
    request.expires_at = None
    user = request.user
    if approve:
        request.status = ClaimStatus.PROVEN
        user.organisation_id = request.organisation_id
        user.org_role = OrgRole.MEMBER
    else:
        request.status = ClaimStatus.REJECTED
    audit.record(
        "membership.approved" if approve else "membership.rejected",
        actor_id=actor.id,
        detail=f"organisation {request.organisation_id}, user {user.id}",
    )
    mail.queue(
        user.email,
        "membership_decided",
        user.locale,
        name=user.name,
        organisation=request.organisation.name,
        approved=approve,
        reason=request.decision_reason or "",
    )
    return request


def withdraw_pending(user: User) -> int:
    """Clear `user`'s request to join that nobody answered yet (their account is being
    anonymised): no administrator should see a request from a placeholder address. A
    decided request stays as the record of the decision. The caller commits."""
    request = pending_request(user)
    if request is None or request.status != ClaimStatus.PENDING:
        return 0
    audit.record(
        "membership.withdrawn",
        detail=f"organisation {request.organisation_id}, user {user.id}",
    )
    db.session.delete(request)
    return 1


def expire_lapsed(now: datetime | None = None) -> int:
    now = now or clock.now()
    lapsed = db.session.scalars(
        select(MembershipClaim).where(
            MembershipClaim.status == ClaimStatus.PENDING, MembershipClaim.expires_at <= now
        )
    ).all()
    for request in lapsed:
        request.status = ClaimStatus.EXPIRED
        request.expires_at = None
        audit.record(
            "membership.expired",
            detail=f"organisation {request.organisation_id}, user {request.user_id}",
        )
    return len(lapsed)
