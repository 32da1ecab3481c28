"""The partner side of referrals: the inbox, opening one referral, answering it.

Partner users see only referrals of their own kind and municipality (`user.partner_kind`,
`user.partner_refnis`) whose consent stands; any other referral looks missing (404).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import Index, Row, select, update

from onboarding import services
from onboarding.models import MessageKind, Partner, Referral, ReferralMessage, ReferralStatus
from portal import clock, links, mail, paging
from portal.accounts.models import Role, User
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import _


def _scope(actor: User):
    """Partner users see the referrals of their own kind and municipality, nothing else."""
    if actor.role != Role.PARTNER or actor.partner_kind is None or not actor.partner_refnis:
        raise NotAllowed
    return (
        Partner.kind == actor.partner_kind,
        Partner.refnis == actor.partner_refnis,
        Referral.consent_withdrawn_at.is_(None),
    )


def inbox(actor: User) -> list[Row]:
    """The first page of the inbox (see `inbox_page`)."""
    return inbox_page(actor).referrals


PER_PAGE = paging.PER_PAGE
# The inbox newest first, a page after a cursor: one index range per partner service, read
# backwards. Migration onboarding0004.
Index("ix_onboarding_referral_partner_newest", Referral.partner_id, Referral.id)


# What the inbox shows of a referral (onboarding/inbox_rows.py): read as rows, not as
# whole referrals with the data shared with the partner.
INBOX_COLUMNS = (Referral.id, Referral.item_code, Referral.consent_given_at, Referral.status)


@dataclass(frozen=True)
class InboxPage:
    """A page of the inbox, newest first; `older` is the cursor of the next page."""

    referrals: list[Row]  # INBOX_COLUMNS of each referral, not the whole referral
    older: int | None
    first: bool


def inbox_page(actor: User, before: str | None = None, per_page: int | None = None) -> InboxPage:
    """The referrals for the partner's service, newest first, after the referral `before`
    (keyset: page 1,000 costs what page 1 does, and holds at most `per_page`).

    The cursor must be a referral of the partner's own kind and municipality (one whose
    consent was withdrawn since the page before still counts: the next page goes on from
    where it stood); anything else is refused (`Invalid`, a 400), someone else's referral
    exactly like garbage.
    """
    per_page = per_page or PER_PAGE
    scope = _scope(actor)
    query = (
        select(*INBOX_COLUMNS)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(*scope)
        .order_by(Referral.id.desc())
        .limit(per_page + 1)
    )
    if paging.given(before):
        cursor = paging.cursor_id(before)
        ours = db.session.scalar(
            select(Referral.id)
            .join(Partner, Partner.id == Referral.partner_id)
            .where(Referral.id == cursor, *scope[:2])
        )
        if ours is None:
            raise paging.refused()
        query = query.where(Referral.id < cursor)
    rows = list(db.session.execute(query))
    older = rows[per_page - 1].id if len(rows) > per_page else None
    return InboxPage(rows[:per_page], older, not paging.given(before))


def open_for_partner(actor: User, referral_id: int) -> Referral:
    """One referral of the partner's own kind and municipality; any other looks missing."""
    referral = db.session.scalar(
        select(Referral)
        .join(Partner, Partner.id == Referral.partner_id)
        .where(Referral.id == referral_id, *_scope(actor))
    )
    if referral is None:
        raise NotFound
    return referral


NEXT_STATUS = {
    MessageKind.ACKNOWLEDGEMENT: ReferralStatus.ACKNOWLEDGED,
    MessageKind.APPOINTMENT: ReferralStatus.APPOINTMENT,
    MessageKind.CLOSED: ReferralStatus.CLOSED,
}


def answer(
    actor: User,
    referral_id: int,
    *,
    kind: str,
    appointment_on: date | None = None,
    appointment_time: time | None = None,
    place: str | None = None,
    body: str | None = None,
    on: date | None = None,
) -> ReferralMessage:
    """A partner answers; the talent sees it on the checklist and receives it by e-mail."""
    referral = open_for_partner(actor, referral_id)
    if referral.status == ReferralStatus.CLOSED:
        raise Invalid(_("This referral is closed."))
    try:
        kind = MessageKind(kind)
    except ValueError:
        raise Invalid({"kind": [_("Choose what you answer.")]}) from None
    place, body = (place or "").strip() or None, (body or "").strip() or None
    errors: dict[str, list[str]] = {}
    if kind == MessageKind.APPOINTMENT:
        if appointment_on is None:
            errors["appointment_on"] = [_("Enter the date of the appointment.")]
        elif appointment_on < (on or services.today()):
            errors["appointment_on"] = [_("The appointment cannot be in the past.")]
        if appointment_time is None:
            errors["appointment_time"] = [_("Enter the time of the appointment, e.g. 09:30.")]
        if not place:
            errors["place"] = [_("Say where the appointment takes place.")]
    elif kind in (MessageKind.NEXT_STEP, MessageKind.MESSAGE) and not body:
        errors["body"] = [_("Write the next step or your message.")]
    if errors:
        raise Invalid(errors)
    # The referral's row, taken only while consent stands: a withdrawal (or erasure) that
    # got there first leaves nothing to answer, one that comes later waits for this answer
    # and then withdraws it with the rest (see `onboarding.referrals.stop`).
    taken = db.session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.consent_withdrawn_at.is_(None))
        .values(updated_at=clock.now())
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        raise NotFound
    message = ReferralMessage(
        referral=referral,
        author_id=actor.id,
        kind=kind,
        appointment_on=appointment_on if kind == MessageKind.APPOINTMENT else None,
        appointment_time=appointment_time if kind == MessageKind.APPOINTMENT else None,
        place=place if kind == MessageKind.APPOINTMENT else None,
        body=body,
    )
    db.session.add(message)
    referral.status = NEXT_STATUS.get(
        kind,
        ReferralStatus.ACKNOWLEDGED if referral.status == ReferralStatus.SENT else referral.status,
    )
    db.session.flush()
    profile = referral.profile
    mail.queue(
        referral.talent.email,
        "onboarding_referral_answer",
        profile.locale,
        partner=referral.partner.name,
        message=message,
        link=links.external("welcome.referral", referral_id=referral.id),
    )
    return message
