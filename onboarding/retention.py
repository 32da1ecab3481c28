"""The orange carpet's series of the retention schedule (`portal.privacy.run`).

`welcome_profiles` (delete): a welcome profile is erased with its children, checklist
answers, employers' consents and referrals with the partners' answers
(`onboarding.withdrawal.erase`: open referrals are withdrawn and the partners told first;
only anonymous counts stay) once the schedule's period has passed after

- the end of the welcome period (trigger `welcome_end`): ONBOARDING_WELCOME_MONTHS (12
  unless set) after the latest of the arrival date, the grant of the permit the checklist
  follows and the profile's opening (a new permit starts a new welcome period); a
  withdrawal of consent ends the welcome period at once;
- or only the withdrawal of consent (trigger `withdrawal`).

`webhooks`: a delivered POST to a partner's system keeps its history row (partner, event,
dates, attempts) without the payload, its signature or an error, once the schedule's
period after delivery has passed (or it goes, if the schedule says delete). A delivery
cancelled on withdrawal of consent is emptied at once by `onboarding.webhooks`.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import and_, func, or_, select

from onboarding import withdrawal
from onboarding.models import WebhookDelivery, WelcomeProfile
from portal import clock
from portal.dossiers.models import Dossier
from portal.extensions import db
from portal.privacy.run import SAMPLE, Outcome, Pass, bulk
from portal.privacy.schedule import ANONYMISE, Entry, Period

WELCOME_MONTHS = 12


def webhooks(entry: Entry, p: Pass) -> Outcome:
    cutoff = entry.period.before(p.now)
    due = select(WebhookDelivery.id).where(
        WebhookDelivery.sent_at.is_not(None), WebhookDelivery.sent_at < cutoff
    )
    if entry.action == ANONYMISE:
        due = due.where(WebhookDelivery.payload != "")
    blank = dict(payload="", signature="", last_error=None)
    return bulk(entry, p, cutoff, due, WebhookDelivery, blank, "webhook delivery")


def welcome_period() -> Period:
    months = int(current_app.config.get("ONBOARDING_WELCOME_MONTHS", WELCOME_MONTHS))
    return Period(max(months, 1), "months")


def _profiles_due(entry: Entry, cutoff: datetime):
    withdrawn = and_(
        WelcomeProfile.consent_withdrawn_at.is_not(None),
        WelcomeProfile.consent_withdrawn_at < cutoff,
    )
    query = select(WelcomeProfile.id)
    if entry.trigger == "withdrawal":
        return query.where(withdrawn)
    # The welcome ended before the cutoff: every date it runs from lies before (cutoff
    # minus the welcome period).
    started = welcome_period().before(cutoff)
    day = clock.local_day(started)
    granted = (
        select(Dossier.federal_decision_on)
        .where(Dossier.id == WelcomeProfile.dossier_id)
        .scalar_subquery()
    )
    ended = and_(
        WelcomeProfile.created_at < started,
        or_(WelcomeProfile.arrival_on.is_(None), WelcomeProfile.arrival_on < day),
        or_(granted.is_(None), granted < day),
    )
    return query.where(or_(withdrawn, ended))


def welcome_profiles(entry: Entry, p: Pass) -> Outcome:
    cutoff = entry.period.before(p.now)
    due = _profiles_due(entry, cutoff)
    outcome = Outcome(entry.series, entry.action, cutoff)
    outcome.due = db.session.scalar(select(func.count()).select_from(due.subquery())) or 0
    if p.dry_run:
        ids = db.session.scalars(due.order_by(WelcomeProfile.id).limit(SAMPLE))
        outcome.sample = [f"welcome profile {i}" for i in ids]
        return outcome
    last = 0
    while True:
        ids = list(
            db.session.scalars(
                due.where(WelcomeProfile.id > last).order_by(WelcomeProfile.id).limit(p.batch)
            )
        )
        if not ids:
            return outcome
        for profile_id in ids:
            withdrawal.erase(db.session.get(WelcomeProfile, profile_id), why="retention schedule")
            outcome.done += 1
        last = ids[-1]
        db.session.commit()


def register(app) -> None:
    handlers = app.extensions.setdefault("retention_handlers", {})
    handlers["webhooks"] = webhooks
    handlers["welcome_profiles"] = welcome_profiles
