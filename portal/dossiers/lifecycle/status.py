"""The one status machine: every change of `dossier.status` goes through `change()`.

`change()` checks the transition against `ALLOWED` (the transitions, kept in
`lifecycle.meaning` beside what each status means), records the status event and the
audit entry, keeps the handling dates and the legal deadline on the dossier current, and
queues a notification to every party, all in the caller's transaction.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import date

from blinker import Namespace
from sqlalchemy import and_, bindparam, exists, or_, select

from portal import audit, clock, links, mail
from portal.accounts.models import Role, User
from portal.dossiers.lifecycle import deadlines, meaning
from portal.dossiers.lifecycle.models import InfoRequest, StatusEvent
from portal.dossiers.models import Dossier, DossierStatus, DossierViewer
from portal.errors import Invalid
from portal.extensions import db
from portal.i18n import _, _l

S = DossierStatus
# What each status means is the table in `meaning`; these are read from it.
FINAL = meaning.FINAL
FLEMISH_DECISIONS = meaning.FLEMISH_DECISIONS
FEDERAL_DECISIONS = meaning.FEDERAL_DECISIONS

# The transitions, beside what each status means (both in `meaning`).
ALLOWED = meaning.ALLOWED

# What a submitted file is called once the applicant has answered an information request:
# the same status (the officer handles it as before), a distinct meaning for its parties,
# so that an answer never reads like a reset to "Submitted".
BACK_WITH_OFFICER = _l("Back with the officer")

signals = Namespace()
# Sent after a permit is granted, a single permit or a professional card (the dossier's
# `permit` says which); `onboarding` listens (portal never imports onboarding).
permit_granted = signals.signal("permit-granted")
GRANTED = frozenset({S.RESIDENCE_GRANTED, S.CARD_GRANTED})


def can_change(dossier: Dossier, to: DossierStatus) -> bool:
    """Whether `ALLOWED` lets this kind of file (`dossier.permit`) go to `to`: a single
    permit never reaches a card's outcome, a card never goes to DVZ."""
    return to in meaning.allowed(dossier.permit, dossier.status)


def change(
    dossier: Dossier,
    to: DossierStatus,
    actor: User | None,
    reason: str | None = None,
    *,
    api_client_id: int | None = None,
    today: date | None = None,
    notify_parties: bool = True,
    reason_codes: str | None = None,
) -> StatusEvent:
    """Move a dossier to `to` if allowed; record, audit and notify. The caller commits.

    `reason` is free text as written; `reason_codes` are codes of `tracking.reasons`
    (comma-separated), rendered in each reader's language, never stored translated.
    """
    if not can_change(dossier, to):
        raise Invalid(
            _(
                "This file cannot go from “%(from)s” to “%(to)s”.",
                **{"from": dossier.status.title, "to": to.title},
            )
        )
    today = today or clock.today()
    event = StatusEvent(
        dossier=dossier,
        from_status=dossier.status,
        to_status=to,
        actor_id=actor.id if actor else None,
        api_client_id=api_client_id,
        reason=reason,
        reason_codes=reason_codes,
    )
    dossier.status = to
    if to in FLEMISH_DECISIONS:
        dossier.flemish_decision, dossier.flemish_decision_on = FLEMISH_DECISIONS[to], today
        dossier.flemish_reasons = reason
        dossier.flemish_reason_codes = reason_codes
    elif to == S.FORWARDED:
        dossier.forwarded_on = today
    elif to in FEDERAL_DECISIONS:
        dossier.federal_decision, dossier.federal_decision_on = FEDERAL_DECISIONS[to], today
    db.session.add(event)
    db.session.flush()
    refresh_deadline(dossier, today)
    audit.record(
        f"status:{to.value}",
        dossier_id=dossier.id,
        actor_id=actor.id if actor else None,
        api_client_id=api_client_id,
        detail=" · ".join(filter(None, (reason_codes, reason))) or None,
    )
    if notify_parties:
        notify(dossier, "status_changed")
    if to in GRANTED:
        permit_granted.send(dossier)
    return event


def pauses(
    dossier: Dossier, history: Iterable[StatusEvent] | None = None
) -> list[tuple[date, date | None]]:
    """The periods the legal clock stood still: from the day the file entered a status
    whose row in the meaning table says `clock_stopped` (an information request) to the day
    it left it; the period still open ends on None.

    `history`: the file's status events in order (by time, then id) when the caller has
    read them already (the timeline), so they are not read a second time."""
    if history is not None:
        events = [(event.to_status, event.at) for event in history]
    else:
        events = db.session.execute(
            select(StatusEvent.to_status, StatusEvent.at)
            .where(StatusEvent.dossier_id == dossier.id)
            .order_by(StatusEvent.at, StatusEvent.id)
        )
    periods: list[tuple[date, date | None]] = []
    started: date | None = None
    for to, at in events:
        stopped = meaning.of(to).clock_stopped
        if stopped and started is None:
            started = clock.local_day(at)
        elif not stopped and started is not None:
            periods.append((started, clock.local_day(at)))
            started = None
    return [*periods, (started, None)] if started is not None else periods


def refresh_deadline(dossier: Dossier, today: date) -> None:
    """Keep `deadline_on` current while Flanders has to decide; clear it afterwards."""
    if meaning.of(dossier).deciding and dossier.submitted_at:
        dossier.deadline_on = deadlines.deadline(
            clock.local_day(dossier.submitted_at), dossier.category, pauses(dossier), today
        )
    elif dossier.status != S.DRAFT and dossier.flemish_decision_on:
        dossier.deadline_on = None


def recipients(dossier: Dossier, kind: str) -> list[User]:
    """Every party of the dossier who wants `kind` e-mails: filers and invited workers."""
    conditions = []
    if dossier.organisation_id:
        conditions.append(User.organisation_id == dossier.organisation_id)
    if dossier.mandatary_id:
        conditions.append(User.mandatary_id == dossier.mandatary_id)
    if not dossier.organisation_id and not dossier.mandatary_id and dossier.created_by_id:
        # an entrepreneur filing their own professional card
        conditions.append((User.id == dossier.created_by_id) & (User.role == Role.ENTREPRENEUR))
    viewers = select(DossierViewer.user_id).where(DossierViewer.dossier_id == dossier.id)
    conditions.append(User.id.in_(viewers))
    users = db.session.scalars(
        select(User).where(
            or_(*conditions), User.email_verified_at.is_not(None), User.active.is_(True)
        )
    )
    return [user for user in users if kind not in (user.muted_notifications or "").split(",")]


def answered(dossier: Dossier) -> bool:
    """Whether the applicant has answered an information request on this file."""
    return bool(db.session.scalar(_answered_statement(), {"dossier_id": dossier.id}))


def any_answered(requests) -> bool:
    """`answered`, told from a file's information requests already read (all of them)."""
    return any(request.answered_at is not None for request in requests)


@functools.cache
def _answered_statement():
    # Every view of a submitted file asks it: built once, the file's id a parameter.
    return select(answered_condition(bindparam("dossier_id")))


def answered_condition(dossier_id):
    """SQL: the file `dossier_id` (a column or a parameter) has an answered information
    request. A list of files reads it per row, in the list's own query."""
    return exists().where(
        InfoRequest.dossier_id == dossier_id, InfoRequest.answered_at.is_not(None)
    )


def back_with_officer_condition():
    """SQL: the file is shown "back with the officer" (as `title_of` says of one file)."""
    return and_(Dossier.status == S.SUBMITTED, answered_condition(Dossier.id))


def title_of(dossier: Dossier, answered_known: bool | None = None):
    """The status as the file's parties read it (a lazy string, translated when shown).

    A submitted file that came back from an information request is "back with the
    officer", never "submitted" again. `answered_known`: whether one of the file's
    information requests is answered, from a page that has read them all already (the
    timeline, the officer's file page); None asks the database, one statement more
    (about 4% of such a page, issue 15).
    """
    if dossier.status != S.SUBMITTED or dossier.id is None:
        return dossier.status.label
    found = answered(dossier) if answered_known is None else answered_known
    return BACK_WITH_OFFICER if found else dossier.status.label


def notify(dossier: Dossier, kind: str, **extra) -> None:
    """Tell each party *that* something changed, in their language, without personal data.

    Links are built from route names at the portal's own address (`portal.links.external`).
    """
    urls = {
        "timeline_link": links.external("tracking.timeline", dossier_id=dossier.id),
        "answer_link": links.external("tracking.answer", dossier_id=dossier.id),
    }
    title = title_of(dossier)
    for user in recipients(dossier, kind):
        mail.queue(
            user.email,
            kind,
            user.locale,
            reference=dossier.reference,
            status=dossier.status,
            status_title=title,
            dossier_id=dossier.id,
            **urls,
            **extra,
        )
