"""The invitation after a granted permit, the employer's resend, and the employer's view.

`on_permit_granted` runs inside the status change's transaction (a blinker receiver of
`portal.dossiers.lifecycle.status.permit_granted`): it only adds rows and queues the e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import select

from onboarding import rules, services
from onboarding.models import WelcomeInvitation, WelcomeProfile
from portal import clock, links, mail
from portal.accounts import services as accounts
from portal.accounts.models import Role, User
from portal.dossiers.models import Dossier, DossierStatus, Permit
from portal.dossiers.wizard.viewers import not_a_worker
from portal.errors import Invalid, NotAllowed
from portal.extensions import db
from portal.i18n import LANGUAGES, _
from portal.progress import count


def on_permit_granted(dossier: Dossier, **_extra) -> None:
    """Receiver of `permit_granted`: invite the worker, if the file names their e-mail."""
    if "onboarding" not in current_app.extensions or not dossier.worker_email:
        return
    invite(dossier, granted=True)


def worker_locale(dossier: Dossier) -> str:
    locale = dossier.worker_locale or dossier.locale
    return locale if locale in LANGUAGES else "nl"


def _talent_for(dossier: Dossier, locale: str) -> User | None:
    """The worker's own talent account: reused when it exists, created otherwise."""
    email = accounts.normalise_email(dossier.worker_email or "")
    user = accounts.user_by_email(email)
    if user is None:
        user = User(
            email=email,
            name=dossier.worker_name or email,
            role=Role.TALENT,
            locale=locale,
            password_hash=None,
        )
        db.session.add(user)
        db.session.flush()
    return user if user.role == Role.TALENT else None


def invitation_for(dossier: Dossier, profile: WelcomeProfile) -> WelcomeInvitation:
    """This dossier's own invitation (and consent record), created without consent."""
    invitation = db.session.scalar(
        select(WelcomeInvitation).where(WelcomeInvitation.dossier_id == dossier.id)
    )
    if invitation is None:
        invitation = WelcomeInvitation(
            profile_id=profile.id, dossier_id=dossier.id, consent_employer_view=False
        )
        db.session.add(invitation)
    elif invitation.profile_id != profile.id:
        # The file's worker address was changed to another person: their consent was about
        # someone else's space, so it does not carry over.
        invitation.profile_id = profile.id
        invitation.consent_employer_view = False
        invitation.consent_changed_at = clock.now()
    return invitation


def invite(dossier: Dossier, *, granted: bool = False) -> User | None:
    """Open (or find) the welcome space of the dossier's worker and e-mail the invitation.

    Each dossier has its own `WelcomeInvitation`, and the consent to show the steps to that
    file's employer lives there: a second employer's permit for the same person creates a
    second invitation without consent; nothing is moved from one file to the other.
    `granted` is True when a permit was just granted (not on a resend): only then does the
    newest permit become the one whose facts shape the checklist.

    None when the address belongs to an account that is not a talent's (an employer
    filing with their own address): that account is never turned into something else.
    """
    locale = worker_locale(dossier)
    user = _talent_for(dossier, locale)
    if user is None:
        # Told by e-mail, not on the employer's screen: the page reveals no account.
        other = accounts.user_by_email(dossier.worker_email or "")
        if other is not None:
            not_a_worker(other, locale)
        return None
    profile = db.session.scalar(select(WelcomeProfile).where(WelcomeProfile.user_id == user.id))
    if profile is None:
        profile = WelcomeProfile(user_id=user.id, preferred_locale=locale)
        db.session.add(profile)
        db.session.flush()
    if profile.dossier_id is None or granted:
        profile.dossier_id = dossier.id
    invitation = invitation_for(dossier, profile)
    invitation.last_sent_at = clock.now()
    db.session.flush()
    new_account = user.password_hash is None
    mail.queue(
        user.email,
        "onboarding_invitation",
        locale if new_account else user.locale,
        defer=True,
        name=user.name,
        link=accounts.invitation_link(user) if new_account else links.external("accounts.login"),
        welcome_link=links.external("welcome.checklist"),
        days=current_app.config["INVITE_LINK_MAX_AGE"] // 86400,
        new_account=new_account,
        entrepreneur=dossier.permit == Permit.PROFESSIONAL_CARD,
    )
    return user


def _granted_dossier(actor: User, dossier: Dossier) -> Dossier:
    if actor.role not in (Role.EMPLOYER, Role.MANDATARY):
        raise NotAllowed
    if dossier.status != DossierStatus.RESIDENCE_GRANTED:
        raise Invalid(_("The welcome space opens when the single permit is granted."))
    return dossier


def resend(actor: User, dossier: Dossier) -> User | None:
    """The employer (or mandatary) of the file sends the invitation again.

    None when the address has an account of another kind; that account is told by e-mail
    and the employer gets the same answer as for any other address.
    """
    _granted_dossier(actor, dossier)
    if not dossier.worker_email:
        raise Invalid(
            _("The application has no e-mail address of the worker, so there is no one to invite.")
        )
    return invite(dossier)


@dataclass
class Step:
    title: str
    done: bool


@dataclass
class EmployerView:
    dossier: Dossier
    granted: bool
    talent: User | None
    opened: bool  # the worker chose a password
    consent: bool
    steps: list[Step]
    done_count: int
    total: int


def employer_view(actor: User, dossier: Dossier) -> EmployerView:
    """What HR may see: whether the worker opened the space and, with consent, which steps are done."""
    try:
        _granted_dossier(actor, dossier)
    except Invalid:
        return EmployerView(dossier, False, None, False, False, [], 0, 0)
    invitation = db.session.scalar(
        select(WelcomeInvitation).where(WelcomeInvitation.dossier_id == dossier.id)
    )
    profile = invitation.profile if invitation else None
    talent = profile.user if profile else None
    if profile is None or not invitation.consent_employer_view:
        return EmployerView(
            dossier, True, talent, bool(talent and talent.password_hash), False, [], 0, 0
        )
    checklist = services.build(profile)
    steps: dict[str, Step] = {}
    for entry in checklist.entries:
        if entry.item.rule in rules.FAMILY_RULES:
            continue  # whether a family comes along is not the employer's business
        # One line per kind of step, so no detail shows.
        step = steps.setdefault(entry.item.rule, Step(entry.item.short_title, True))
        step.done = step.done and entry.done
    listed = list(steps.values())
    progress = count(step.done for step in listed)  # the one way of counting steps
    return EmployerView(
        dossier,
        True,
        talent,
        bool(talent.password_hash),
        True,
        listed,
        progress.done,
        progress.total,
    )
