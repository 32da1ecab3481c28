"""Withdrawing consent for the welcome, and erasing the welcome data.

The welcome data (address, family, children, answers) rest on the newcomer's consent and
serve the welcome only (DOMAIN.md, "Retention and data protection"). Withdrawing it:

- stops referrals: no new ones (`onboarding.referrals.propose` refuses), and every open
  one is withdrawn (`referrals.stop`: the partner is told by webhook and by e-mail, in its
  own language, that the referral is withdrawn and its data must be deleted; the partner
  can no longer open it);
- if the newcomer asks, erases at once the profile, the children, the checklist answers,
  the employers' consents and the referrals with the partners' answers (`erase`). The
  retention schedule erases the same way at the end of the welcome period
  (`onboarding.retention`).

Both are audited without personal data. What is erased leaves only anonymous counts
(`WelcomeTally`): `figures()` gives the same numbers before and after.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError

from onboarding import referrals, services
from onboarding.models import (
    ChecklistItem,
    Child,
    Partner,
    Referral,
    ReferralMessage,
    WebhookDelivery,
    WelcomeInvitation,
    WelcomeProfile,
    WelcomeTally,
)
from portal import audit, clock
from portal.accounts.models import User
from portal.errors import NotFound
from portal.extensions import db

# What the figures count: (month, event, partner kind) -> number.
PROFILES, CHILDREN, REFERRALS, WITHDRAWN = "profiles", "children", "referrals", "withdrawn"


def withdraw(actor: User, *, erase_now: bool) -> WelcomeProfile | None:
    """The newcomer withdraws consent for the welcome; None once the data are erased.

    Safe to repeat (a second withdrawal tells no partner twice) and to ask erasure later.
    """
    profile = services.require_profile(actor)
    now = clock.now()
    first = db.session.execute(
        update(WelcomeProfile)
        .where(WelcomeProfile.id == profile.id, WelcomeProfile.consent_withdrawn_at.is_(None))
        .values(consent_withdrawn_at=now)
        .execution_options(synchronize_session=False)
    ).rowcount
    if db.session.scalar(select(WelcomeProfile.id).where(WelcomeProfile.id == profile.id)) is None:
        raise NotFound  # erased meanwhile (another tab asked for it)
    db.session.refresh(profile)
    for referral in referrals_of(profile):
        referrals.stop(referral, actor=actor)
    if first:
        audit.record("welcome:consent_withdrawn", actor_id=actor.id, detail=f"profile {profile.id}")
    if erase_now:
        erase(profile, actor=actor, why="withdrawal")
        db.session.flush()
        return None
    db.session.flush()
    return profile


def referrals_of(profile: WelcomeProfile) -> list[Referral]:
    return list(
        db.session.scalars(
            select(Referral).where(Referral.profile_id == profile.id).order_by(Referral.id)
        )
    )


def _month(moment: date | datetime) -> date:
    day = clock.local_day(moment) if isinstance(moment, datetime) else moment
    return day.replace(day=1)


def _counts(profile: WelcomeProfile, found: list[Referral]) -> Counter:
    counts: Counter = Counter()
    month = _month(profile.created_at)
    counts[(month, PROFILES, "")] += 1
    counts[(month, CHILDREN, "")] += len(profile.children)
    for referral in found:
        kind = referral.partner.kind.value
        counts[(_month(referral.consent_given_at), REFERRALS, kind)] += 1
        if referral.consent_withdrawn_at is not None:
            counts[(_month(referral.consent_withdrawn_at), WITHDRAWN, kind)] += 1
    return counts


def _tally(counts: Counter) -> None:
    """Add to the anonymous counts; two erasures at once both count (an atomic
    `count = count + n`, and a row made by the other one first is added to, not doubled)."""
    for (month, event, kind), number in sorted(counts.items()):
        if not number:
            continue
        if _add(month, event, kind, number):
            continue
        savepoint = db.session.begin_nested()
        try:
            db.session.add(WelcomeTally(month=month, event=event, partner_kind=kind, count=number))
            db.session.flush()
        except IntegrityError:
            savepoint.rollback()
            _add(month, event, kind, number)
        else:
            savepoint.commit()


def _add(month: date, event: str, kind: str, number: int) -> bool:
    return bool(
        db.session.execute(
            update(WelcomeTally)
            .where(
                WelcomeTally.month == month,
                WelcomeTally.event == event,
                WelcomeTally.partner_kind == kind,
            )
            .values(count=WelcomeTally.count + number)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def erase(profile: WelcomeProfile, *, actor: User | None = None, why: str) -> None:
    """Erase a welcome profile and all that hangs on it; anonymous counts stay.

    Open referrals are withdrawn first (the partners are told). The partners' webhook
    deliveries keep their history rows, without the link to the erased referral (a
    withdrawal notice carries no personal data; cancelled ones were emptied). The
    newcomer's account is not touched: it belongs to the portal (closing it is theirs).
    The caller commits.
    """
    # The profile's row first (PostgreSQL: FOR UPDATE): of two erasures at once the second
    # waits, then finds nothing left to erase or count.
    profile_id = profile.id
    locked = db.session.scalar(
        select(WelcomeProfile.id).where(WelcomeProfile.id == profile_id).with_for_update()
    )
    if locked is None:
        return
    db.session.refresh(profile)
    found = referrals_of(profile)
    # Counted as they stand: a referral the erasure itself ends is not a withdrawal.
    counts = _counts(profile, found)
    for referral in found:
        referrals.stop(referral, actor=actor)
    _tally(counts)
    ids = [referral.id for referral in found]
    if ids:
        db.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.referral_id.in_(ids))
            .values(referral_id=None)
            .execution_options(synchronize_session=False)
        )
        db.session.execute(delete(ReferralMessage).where(ReferralMessage.referral_id.in_(ids)))
        db.session.execute(delete(Referral).where(Referral.id.in_(ids)))
    for model in (ChecklistItem, Child, WelcomeInvitation):
        db.session.execute(delete(model).where(model.profile_id == profile_id))
    db.session.execute(delete(WelcomeProfile).where(WelcomeProfile.id == profile_id))
    db.session.expire_all()
    audit.record(
        "welcome:erased",
        actor_id=actor.id if actor else None,
        detail=f"profile {profile_id} ({why})",
    )
    db.session.flush()


def figures() -> Counter:
    """The welcome's anonymous figures: live rows and what erased ones left, by month."""
    counts: Counter = Counter()
    for row in db.session.scalars(select(WelcomeTally)):
        counts[(row.month, row.event, row.partner_kind)] += row.count
    for profile in db.session.scalars(select(WelcomeProfile)):
        month = _month(profile.created_at)
        counts[(month, PROFILES, "")] += 1
        counts[(month, CHILDREN, "")] += len(profile.children)
    rows = db.session.execute(
        select(Referral.consent_given_at, Referral.consent_withdrawn_at, Partner.kind).join(
            Partner, Partner.id == Referral.partner_id
        )
    )
    for given, withdrawn, kind in rows:
        counts[(_month(given), REFERRALS, kind.value)] += 1
        if withdrawn is not None:
            counts[(_month(withdrawn), WITHDRAWN, kind.value)] += 1
    return +counts
