"""The talent's welcome space: profile, children, checklist, items done, reminders.

Services take plain values and an explicit actor, never read the request, never commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError

from onboarding import rules
from onboarding.models import ChecklistItem, Child, Referral, WelcomeInvitation, WelcomeProfile
from portal import clock, links, mail, reference
from portal.accounts.models import Role, User
from portal.dossiers.models import Permit
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import LANGUAGES, _, format_date
from portal.progress import Progress, count


def today() -> date:
    return clock.today()


def profile_of(actor: User) -> WelcomeProfile | None:
    if actor.role != Role.TALENT:
        raise NotAllowed
    return db.session.scalar(select(WelcomeProfile).where(WelcomeProfile.user_id == actor.id))


def require_profile(actor: User) -> WelcomeProfile:
    profile = profile_of(actor)
    if profile is None:
        raise NotFound
    return profile


def save_profile(
    actor: User,
    *,
    arrival_on: date | None,
    street: str | None,
    postal_code: str | None,
    has_partner: bool | None,
    preferred_locale: str | None,
) -> WelcomeProfile:
    """Store what the talent chose to tell; every field is optional, but what is given is checked."""
    profile = require_profile(actor)
    errors: dict[str, list[str]] = {}
    postal_code = (postal_code or "").strip() or None
    found = None
    if postal_code:
        found = reference.municipality_for_postal_code(postal_code)
        if found is None:
            errors["postal_code"] = [
                _(
                    "This postal code does not exist in Belgium. Enter the 4 digits of your new address, e.g. 9000."
                )
            ]
    permit_on = profile.dossier.federal_decision_on if profile.dossier else None
    if arrival_on and permit_on and arrival_on < permit_on:
        errors["arrival_on"] = [
            _(
                "Your arrival date cannot be before your permit was granted, on %(date)s.",
                date=format_date(permit_on, "long"),
            )
        ]
    if preferred_locale and preferred_locale not in LANGUAGES:
        errors["preferred_locale"] = [_("Choose one of the languages in the list.")]
    if errors:
        raise Invalid(errors)
    profile.arrival_on = arrival_on
    profile.street = (street or "").strip() or None
    profile.postal_code = postal_code
    profile.refnis = found.refnis if found else None
    profile.has_partner = has_partner
    if preferred_locale:
        profile.preferred_locale = preferred_locale
        actor.locale = preferred_locale
    return profile


def set_employer_consent(actor: User, invitation_id: int, consent: bool) -> WelcomeInvitation:
    """The talent lets the employer of ONE file see which steps are done, or stops it.

    Only the talent's own invitations: another person's is not found.
    """
    profile = require_profile(actor)
    invitation = db.session.get(WelcomeInvitation, invitation_id)
    if invitation is None or invitation.profile_id != profile.id:
        raise NotFound
    if invitation.dossier.permit == Permit.PROFESSIONAL_CARD:
        raise NotFound  # an entrepreneur's file has no employer to show anything to
    if invitation.consent_employer_view != bool(consent):
        invitation.consent_employer_view = bool(consent)
        invitation.consent_changed_at = clock.now()
    db.session.flush()
    return invitation


def add_child(actor: User, birth_date: date | None, *, on: date | None = None) -> Child:
    profile = require_profile(actor)
    if birth_date is None:
        raise Invalid({"birth_date": [_("Enter the child's date of birth.")]})
    if birth_date > (on or today()):
        raise Invalid({"birth_date": [_("The date of birth cannot be in the future.")]})
    child = Child(profile=profile, birth_date=birth_date)
    db.session.add(child)
    db.session.flush()
    return child


def remove_child(actor: User, child_id: int) -> None:
    profile = require_profile(actor)
    child = db.session.get(Child, child_id)
    if child is None or child.profile_id != profile.id:
        raise NotFound
    profile.children.remove(child)  # delete-orphan: the row goes too
    db.session.flush()


@dataclass(frozen=True)
class Region:
    """Where the address is, when it is not in the Flemish Region."""

    municipality: str
    region: str


def municipality_name(profile: WelcomeProfile, locale: str) -> str | None:
    found = reference.municipality(profile.refnis) if profile.refnis else None
    return found.name(locale) if found else None


def outside_flanders(profile: WelcomeProfile, locale: str) -> Region | None:
    found = reference.municipality(profile.refnis) if profile.refnis else None
    if found is None or found.in_flanders:
        return None
    return Region(found.name(locale), reference.region_name(found.region, locale))


def is_abroad(profile: WelcomeProfile, on: date) -> bool:
    """Still to travel: the file says the worker lives abroad, and no arrival date has passed."""
    dossier = profile.dossier
    lives_abroad = bool(
        dossier and dossier.worker_residence_country and dossier.worker_residence_country != "BE"
    )
    arrived = profile.arrival_on is not None and profile.arrival_on <= on
    return lives_abroad and not arrived


def facts(profile: WelcomeProfile, on: date | None = None) -> rules.Facts:
    found = reference.municipality(profile.refnis) if profile.refnis else None
    on = on or today()
    return rules.Facts(
        today=on,
        abroad=is_abroad(profile, on),
        diplomatic_post=profile.dossier.worker_diplomatic_post if profile.dossier else None,
        arrival_on=profile.arrival_on,
        category=profile.dossier.category if profile.dossier else None,
        children=tuple((child.id, child.birth_date) for child in profile.children),
        has_partner=profile.has_partner,
        in_flanders=found.in_flanders if found else None,
        entrepreneur=bool(profile.dossier and profile.dossier.permit == Permit.PROFESSIONAL_CARD),
    )


@dataclass
class Entry:
    """A checklist item with what happened to it."""

    item: rules.Item
    done_at: object = None
    referral: Referral | None = None

    @property
    def done(self) -> bool:
        return self.done_at is not None


@dataclass
class Checklist:
    profile: WelcomeProfile
    entries: list[Entry]

    @property
    def before_travel(self) -> list[Entry]:
        return [e for e in self.entries if e.item.before_travel]

    @property
    def after_arrival(self) -> list[Entry]:
        return [e for e in self.entries if not e.item.before_travel]

    @property
    def progress(self) -> Progress:
        """Every card on the page counts, optional ones included (portal.progress)."""
        return count(e.done for e in self.entries)

    @property
    def done_count(self) -> int:
        return self.progress.done

    @property
    def total(self) -> int:
        return self.progress.total

    @property
    def dated(self) -> list[Entry]:
        return [e for e in self.entries if e.item.due_on]


def _states(profile: WelcomeProfile) -> dict[str, ChecklistItem]:
    rows = db.session.scalars(select(ChecklistItem).where(ChecklistItem.profile_id == profile.id))
    return {row.code: row for row in rows}


def _open_referrals(profile: WelcomeProfile) -> dict[str, Referral]:
    """The current referral of each item: the latest one whose consent stands."""
    rows = db.session.scalars(
        select(Referral)
        .where(Referral.profile_id == profile.id, Referral.consent_withdrawn_at.is_(None))
        .order_by(Referral.id)
    )
    return {row.item_code: row for row in rows}


def build(profile: WelcomeProfile, on: date | None = None) -> Checklist:
    states = _states(profile)
    referrals = _open_referrals(profile)
    entries = []
    for item in rules.checklist(facts(profile, on)):
        state = states.get(item.code)
        entries.append(Entry(item, state.done_at if state else None, referrals.get(item.code)))
    return Checklist(profile, entries)


def checklist(actor: User, on: date | None = None) -> Checklist:
    return build(require_profile(actor), on)


def find_item(profile: WelcomeProfile, code: str) -> Entry:
    for entry in build(profile).entries:
        if entry.item.code == code:
            return entry
    raise NotFound


def _state(profile: WelcomeProfile, code: str) -> ChecklistItem:
    state = db.session.scalar(
        select(ChecklistItem).where(
            ChecklistItem.profile_id == profile.id, ChecklistItem.code == code
        )
    )
    if state is None:
        state = ChecklistItem(profile_id=profile.id, code=code)
        db.session.add(state)
    return state


def mark(actor: User, code: str, done: bool) -> rules.Item:
    """The talent marks an item of their own checklist done (or not done after all)."""
    profile = require_profile(actor)
    entry = find_item(profile, code)
    state = _state(profile, code)
    if done and state.done_at is None:
        state.done_at = clock.now()
    elif not done:
        state.done_at = None
    db.session.flush()
    return entry.item


@dataclass
class RemindReport:
    queued: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (profile id, error)


def remind(on: date | None = None) -> int:
    """Queue a reminder for each open item whose deadline is near; once per deadline.

    "Near" is `ONBOARDING_REMIND_DAYS` calendar days (3 unless set) or less, the deadline
    itself included. Only talents who opened their welcome space are reminded.
    """
    return remind_all(on).queued


def remind_all(on: date | None = None) -> RemindReport:
    """`remind()`, each profile in its own savepoint: one that fails is logged and skipped."""
    on = on or today()
    days = int(current_app.config.get("ONBOARDING_REMIND_DAYS", 3))
    link = links.external("welcome.checklist")
    profile_ids = db.session.scalars(
        select(WelcomeProfile.id)
        .join(User, User.id == WelcomeProfile.user_id)
        .where(
            WelcomeProfile.arrival_on.is_not(None),
            WelcomeProfile.arrival_on >= on - timedelta(days=60),
            User.active.is_(True),
            User.email_verified_at.is_not(None),
        )
        .order_by(WelcomeProfile.id)
    ).all()
    report = RemindReport()
    for profile_id in profile_ids:
        savepoint = db.session.begin_nested()
        try:
            queued = _remind_one(db.session.get(WelcomeProfile, profile_id), on, days, link)
            savepoint.commit()
        except (OperationalError, InterfaceError):
            raise  # the database itself: stop
        except Exception as error:  # noqa: BLE001 - one profile never stops the others
            savepoint.rollback()
            current_app.logger.exception("onboarding remind: profile %s failed", profile_id)
            report.failed.append((profile_id, f"{type(error).__name__}: {error}"[:500]))
        else:
            report.queued += queued
    db.session.flush()
    return report


def _remind_one(profile: WelcomeProfile, on: date, days: int, link: str) -> int:
    queued = 0
    for entry in build(profile, on).dated:
        due = entry.item.due_on
        if entry.done or not (on <= due <= on + timedelta(days=days)):
            continue
        state = _state(profile, entry.item.code)
        if state.reminded_for == due:
            continue
        state.reminded_for = due
        mail.queue(
            profile.user.email,
            "onboarding_reminder",
            profile.locale,
            item=entry.item,
            due_on=due,
            link=link,
        )
        queued += 1
    db.session.flush()
    return queued
