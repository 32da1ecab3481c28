"""Dossier lifecycle: start, see, submit, withdraw, renew. Sections live in `sections.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from sqlalchemy import or_, select

from portal import clock, mail
from portal.accounts import claims, mandates
from portal.accounts.models import CardPerson, MandateKind, Role, User
from portal.dossiers import card_rules, references, rules
from portal.dossiers.access import can_file, get_dossier
from portal.dossiers.contents import card
from portal.dossiers.contents.sections import completeness
from portal.dossiers.lifecycle import meaning, status
from portal.dossiers.models import WORKER_IDENTITY, Dossier, DossierKind, DossierStatus, Permit
from portal.dossiers.wizard import card_renewal
from portal.errors import Invalid, NotAllowed
from portal.extensions import db
from portal.i18n import _


def start_dossier(
    actor: User, *, locale: str, foreign_employer_id: int | None = None, today: date | None = None
) -> Dossier:
    """Open a draft: for the actor's organisation, or a posting for a foreign employer.

    A posting needs a verified mandate from that foreign employer, in force today.
    """
    today = today or clock.today()
    if not can_file(actor) or actor.role == Role.ENTREPRENEUR:  # an entrepreneur: a card only
        raise NotAllowed
    dossier = Dossier(created_by_id=actor.id, locale=locale, status=DossierStatus.DRAFT)
    if actor.role == Role.EMPLOYER:
        dossier.organisation_id = actor.organisation_id
        dossier.nace_code = actor.organisation.nace_code
        dossier.mark_done("employer")
    else:
        if foreign_employer_id is None:
            raise Invalid({"foreign_employer": [_("Choose the foreign employer.")]})
        if mandates.current_mandate(actor.mandatary_id, foreign_employer_id, today) is None:
            raise Invalid(
                {
                    "foreign_employer": [
                        _("You need a verified mandate from this employer that is in force today.")
                    ]
                }
            )
        dossier.mandatary_id = actor.mandatary_id
        dossier.foreign_employer_id = foreign_employer_id
        dossier.is_posting = True
        dossier.mark_done("employer")
    db.session.add(dossier)
    db.session.flush()
    return dossier


def start_card(
    actor: User, *, locale: str, person_id: int | None = None, today: date | None = None
) -> Dossier:
    """Open a professional-card draft: the entrepreneur's own, or one a mandatary (a business
    counter) files for the person its verified professional-card mandate names."""
    today = today or clock.today()
    dossier = Dossier(
        created_by_id=actor.id,
        locale=locale,
        status=DossierStatus.DRAFT,
        permit=Permit.PROFESSIONAL_CARD,
    )
    if actor.role == Role.ENTREPRENEUR:
        person = db.session.get(CardPerson, actor.id)
        if person is None:
            raise NotAllowed
        card.start_from_person(dossier, person)
    elif actor.role == Role.MANDATARY and actor.mandatary_id is not None:
        if person_id is None:
            raise Invalid({"person": [_("Choose the person you file for.")]})
        if (
            mandates.current_mandate(
                actor.mandatary_id, person_id, today, MandateKind.PROFESSIONAL_CARD
            )
            is None
        ):
            raise Invalid(
                {
                    "person": [
                        _(
                            "You need a verified professional-card mandate from this person "
                            "that is in force today."
                        )
                    ]
                }
            )
        represented = mandates.get_foreign_employer(actor, person_id)
        dossier.mandatary_id = actor.mandatary_id
        dossier.foreign_employer_id = represented.id
        dossier.worker_last_name = represented.name
        dossier.worker_nationality = represented.country
        dossier.worker_passport = represented.registration_number
        card.details(dossier)
    else:
        raise NotAllowed
    db.session.add(dossier)
    db.session.flush()
    return dossier


@dataclass(frozen=True)
class Submitted:
    dossier: Dossier
    replayed: bool


def submit(actor: User, dossier: Dossier, *, token: str, today: date | None = None) -> Submitted:
    """Submit a complete draft once. A replay of the same form returns the same dossier.

    `dossier` is loaded by the caller with `for_update=True`: a double click waits for the
    first submission, then finds the file submitted (or its token used). The clock is read
    once: the reference's year, the submission day and the moment agree, also at midnight
    on New Year's Eve (the day is the day in Brussels).
    """
    moment = clock.now()
    today = today or clock.local_day(moment)
    if dossier.submission_token == token:
        return Submitted(dossier, True)
    replay = db.session.scalar(select(Dossier).where(Dossier.submission_token == token))
    if replay is not None:
        get_dossier(actor, replay.id)  # another file: only a party may learn of it
        return Submitted(replay, True)
    if not dossier.is_draft:
        return Submitted(dossier, True)  # submitted in another tab: show it, do not fail
    refusal = claims.submit_refusal(dossier.organisation)
    if refusal:  # the organisation's claim to its enterprise number is not proven yet
        raise Invalid({"": [refusal]})
    if (
        dossier.is_posting
        and mandates.current_mandate(dossier.mandatary_id, dossier.foreign_employer_id, today)
        is None
    ):
        raise Invalid({"": [_("The mandate of this foreign employer is no longer in force.")]})
    # A card renewal that changes the activity substantially is a new application: said
    # first, before the sections it would have to complete.
    card_renewal.refuse_substantial_change(dossier)
    is_card = dossier.permit == Permit.PROFESSIONAL_CARD
    if (
        is_card
        and dossier.mandatary_id is not None
        and mandates.current_mandate(
            dossier.mandatary_id, dossier.foreign_employer_id, today, MandateKind.PROFESSIONAL_CARD
        )
        is None
    ):
        raise Invalid({"": [_("The mandate of this person is no longer in force.")]})
    problems = completeness(dossier, today)
    if problems:
        raise Invalid({"": [str(p.message) for p in problems]})
    if dossier.declared_at is None:
        raise Invalid({"declaration": [_("Confirm the declaration to submit the file.")]})
    dossier.submission_token = token
    dossier.reference = _unique_reference(today.year)
    dossier.submitted_at = moment
    dossier.submitted_on = today
    if is_card:  # a year without a known means threshold is flagged to the officer
        dossier.thresholds_missing = card_rules.means_threshold(today) is None
    else:
        check = rules.check_salary(
            dossier.category, dossier.annual_salary, today, reduced=dossier.reduced_threshold
        )
        dossier.thresholds_missing = check.applies and not check.known
    # The submission has its own confirmation e-mail (below), not a status notice.
    status.change(dossier, DossierStatus.SUBMITTED, actor, notify_parties=False)
    for user in _party_users(dossier):
        mail.queue(
            user.email,
            "dossier_submitted",
            user.locale,
            name=user.name,
            reference=dossier.reference,
            dossier_id=dossier.id,
        )
    return Submitted(dossier, False)


def _unique_reference(year: int) -> str:
    while True:
        reference = references.new_reference(year)
        if db.session.scalar(select(Dossier.id).where(Dossier.reference == reference)) is None:
            return reference


def _party_users(dossier: Dossier) -> list[User]:
    """The users of the filing organisation or mandatary: who hears about the file (the
    entrepreneur filing their own card: themselves)."""
    condition = []
    if not dossier.organisation_id and not dossier.mandatary_id and dossier.created_by_id:
        condition.append((User.id == dossier.created_by_id) & (User.role == Role.ENTREPRENEUR))
    if dossier.organisation_id:
        condition.append(User.organisation_id == dossier.organisation_id)
    if dossier.mandatary_id:
        condition.append(User.mandatary_id == dossier.mandatary_id)
    return list(
        db.session.scalars(select(User).where(or_(*condition), User.email_verified_at.is_not(None)))
    )


def withdraw(actor: User, dossier: Dossier, reason: str) -> Dossier:
    """Withdraw a file that is not yet decided (a draft is simply deleted)."""
    if actor.role not in (Role.EMPLOYER, Role.MANDATARY, Role.ENTREPRENEUR):
        raise NotAllowed
    if dossier.is_draft:
        db.session.delete(dossier)
        return dossier
    if not status.can_change(dossier, DossierStatus.WITHDRAWN):
        raise Invalid({"": [_("A file that has been decided can no longer be withdrawn.")]})
    dossier.withdrawn_reason = (reason or "").strip() or None
    status.change(dossier, DossierStatus.WITHDRAWN, actor, dossier.withdrawn_reason)
    return dossier


@dataclass(frozen=True)
class RenewalWindow:
    opens: date
    closes: date

    def contains(self, day: date) -> bool:
        return self.opens <= day <= self.closes


def renewal_window(expires_on: date) -> RenewalWindow:
    """Renewal is filed between `renewal_earliest_months` and `renewal_latest_months` before
    the permit expires (rules.toml)."""
    return RenewalWindow(
        opens=expires_on - relativedelta(months=rules.procedure("renewal_earliest_months")),
        closes=expires_on - relativedelta(months=rules.procedure("renewal_latest_months")),
    )


COPIED_FIELDS = (
    *WORKER_IDENTITY,
    "worker_nationality",
    "isco_code",
    "nace_code",
    "annual_salary",
    "reduced_threshold",
    "duration_months",
    "workplace_street",
    "workplace_postal_code",
    "workplace_refnis",
    "category",
)


def start_follow_up(
    actor: User,
    previous: Dossier,
    *,
    kind: DossierKind,
    expires_on: date,
    locale: str,
    today: date | None = None,
) -> Dossier:
    """A renewal or change of employer, prefilled from an earlier dossier of the actor."""
    today = today or clock.today()
    if not meaning.of(previous).follow_up:
        raise Invalid({"": [_("Only a granted permit can be renewed.")]})
    if kind == DossierKind.RENEWAL:
        window = renewal_window(expires_on)
        if not window.contains(today):
            raise Invalid(
                {
                    "expires_on": [
                        _(
                            "A renewal can be filed from %(opens)s to %(closes)s (%(latest)s to %(earliest)s months before the permit expires).",
                            latest=rules.figure("renewal_latest_months"),
                            earliest=rules.figure("renewal_earliest_months"),
                            opens=window.opens.isoformat(),
                            closes=window.closes.isoformat(),
                        )
                    ]
                }
            )
    dossier = start_dossier(
        actor, locale=locale, foreign_employer_id=previous.foreign_employer_id, today=today
    )
    dossier.kind = kind
    dossier.previous_id = previous.id
    dossier.previous_permit_expires_on = expires_on
    for name in COPIED_FIELDS:
        setattr(dossier, name, getattr(previous, name))
    if kind == DossierKind.CHANGE_OF_EMPLOYER and actor.role == Role.EMPLOYER:
        dossier.nace_code = actor.organisation.nace_code
    dossier.mark_done("worker")
    return dossier
