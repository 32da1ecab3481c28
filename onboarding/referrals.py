"""Referrals with consent, and the partners' answers.

The talent sees exactly which data go to which service and consents per referral. The
partner is told by e-mail *that* there is a referral (a link, no personal data) and, when
it has its own system, by a signed webhook that carries the data. Withdrawing consent
empties the stored copy, cancels what has not left yet, tells the partner, and closes the
referral to the partner's users.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.exc import InvalidRequestError

from onboarding import services, webhooks
from onboarding.models import (
    PARTNER_KIND_TITLES,
    Partner,
    Referral,
    ReferralStatus,
    WelcomeProfile,
)
from onboarding.texts import TEXTS
from portal import audit, clock, links, mail, reference
from portal.accounts.models import PartnerKind, Role, User
from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.i18n import LANGUAGES, _, _l, format_date

PARTNER_LOCALE = "nl"  # a partner without a language of its own is a Flemish service

FIELD_LABELS = {
    "name": _l("Name"),
    "email": _l("E-mail address"),
    "language": _l("Preferred language"),
    "address": _l("Address"),
    "arrival_on": _l("Arrival date"),
    "residence_card": _l("Residence card"),
    "family_members": _l("Family members who come along"),
    "child_birth_date": _l("Child's date of birth"),
    "okan_suggested": _l("Reception class for newcomers (OKAN) suggested"),
}


def label(key: str) -> str:
    return str(FIELD_LABELS[key])


def shown(key: str, value) -> str:
    """A shared value as a person reads it, in the current language."""
    if key in ("arrival_on", "child_birth_date"):
        return format_date(date.fromisoformat(value), "long")
    if key == "language":
        return LANGUAGES.get(value, value)
    if key == "residence_card":
        return _("%(card)s card", card=value)
    if key == "okan_suggested":
        return _("Yes") if value else _("No")
    return str(value)


def shared_data(profile: WelcomeProfile, entry: services.Entry) -> list[list]:
    """[key, value] pairs: only what this service needs, and only what the talent gave."""
    item = entry.item
    user = profile.user
    address = None
    if profile.refnis:
        municipality = services.municipality_name(profile, PARTNER_LOCALE) or ""
        address = ", ".join(
            p for p in (profile.street, f"{profile.postal_code} {municipality}") if p
        )
    pairs = [
        ["name", user.name],
        ["email", user.email],
        ["language", profile.locale],
        ["address", address],
    ]
    if item.refer_to == PartnerKind.MUNICIPALITY:
        family = (1 if profile.has_partner else 0) + len(profile.children)
        items = services.rules.checklist(services.facts(profile))
        card_type = next((i.params["card"] for i in items if i.rule == "residence_card"), None)
        pairs += [
            ["arrival_on", profile.arrival_on.isoformat() if profile.arrival_on else None],
            ["residence_card", card_type],
            ["family_members", family],
        ]
    else:
        pairs.append(["child_birth_date", item.params["birth_date"].isoformat()])
        if item.refer_to == PartnerKind.SCHOOL:
            pairs.append(["okan_suggested", bool(item.params.get("okan"))])
    return [[key, value] for key, value in pairs if value is not None]


@dataclass
class Proposal:
    profile: WelcomeProfile
    entry: services.Entry
    partner: Partner
    data: list[list]


def partner_for(profile: WelcomeProfile, kind: PartnerKind) -> Partner | None:
    if not profile.refnis:
        return None
    return db.session.scalar(
        select(Partner)
        .where(Partner.kind == kind, Partner.refnis == profile.refnis, Partner.active.is_(True))
        .order_by(Partner.id)
    )


def propose(actor: User, code: str) -> Proposal:
    """What a referral for item `code` would send, and to whom; nothing is stored."""
    profile = services.require_profile(actor)
    entry = services.find_item(profile, code)
    if entry.item.refer_to is None:
        raise NotFound
    if profile.consent_withdrawn_at is not None:
        raise Invalid(_("You withdrew your consent for the welcome: no referrals are sent."))
    if entry.referral is not None:
        raise Invalid(
            _("You have already asked for this referral. You can withdraw it on your checklist.")
        )
    if not profile.refnis:
        raise Invalid(_("Fill in your address first: the service of your municipality helps you."))
    partner = partner_for(profile, entry.item.refer_to)
    if partner is None:
        raise Invalid(
            _(
                "Your municipality has no service for this on the portal yet. The checklist says how to do it yourself."
            )
        )
    return Proposal(profile, entry, partner, shared_data(profile, entry))


def refer(actor: User, code: str, *, consent: bool) -> Referral:
    """Send the referral, with the talent's explicit consent for exactly these data."""
    proposal = propose(actor, code)
    if proposal.profile.consent_withdrawn_at is not None:
        raise Invalid(_("You withdrew your consent for the welcome: no referrals are sent."))
    if not consent:
        raise Invalid(
            {
                "consent": [
                    _(
                        "Tick the box to agree that these data are sent, or go back to your checklist."
                    )
                ]
            }
        )
    partner = proposal.partner
    referral = Referral(
        profile_id=proposal.profile.id,
        talent_id=actor.id,
        item_code=code,
        partner_id=partner.id,
        consent_given_at=clock.now(),
        status=ReferralStatus.SENT,
        shared_data=json.dumps(proposal.data, ensure_ascii=False),
    )
    db.session.add(referral)
    db.session.flush()
    link = partner_link(referral)
    mail.queue(
        partner.email,
        "onboarding_referral_new",
        partner_locale(partner),
        partner=partner.name,
        kind=PARTNER_KIND_TITLES[partner.kind],  # lazy: translated in the e-mail's language
        link=link,
    )
    webhooks.queue(
        partner,
        "referral.created",
        {
            "referral": referral.id,
            "kind": partner.kind.value,
            "municipality": partner.refnis,
            "item": code,
            "consent_given_at": referral.consent_given_at.isoformat(),
            "data": dict(proposal.data),
            "url": link,
        },
        referral,
    )
    return referral


def partner_link(referral: Referral) -> str:
    return links.external("partner_inbox.detail", referral_id=referral.id)


def talent_referral(actor: User, referral_id: int) -> Referral:
    referral = db.session.get(Referral, referral_id)
    if referral is None or referral.talent_id != actor.id or actor.role != Role.TALENT:
        raise NotFound
    return referral


def withdraw(actor: User, referral_id: int) -> Referral:
    """Withdraw consent: no more data shared, and the partner can no longer open it."""
    referral = talent_referral(actor, referral_id)
    stop(referral, actor=actor)
    db.session.flush()
    return referral


def stop(referral: Referral, *, actor: User | None = None) -> bool:
    """Withdraw one referral's consent, exactly once; False when it was already withdrawn.

    A conditional UPDATE, not a read-then-write: of two withdrawals at once (a double
    click, the welcome withdrawal and the referral's own button) only the one whose UPDATE
    takes the row tells the partner; the other waits for the row (PostgreSQL) and then
    finds it withdrawn. A partner answering at that moment is stopped the same way
    (`onboarding.answers.answer`). What has not left for the partner's system is emptied
    and never sent; the partner is told by webhook and by e-mail in its own language that
    the referral is withdrawn and its data must be deleted.
    """
    now = clock.now()
    taken = db.session.execute(
        update(Referral)
        .where(Referral.id == referral.id, Referral.consent_withdrawn_at.is_(None))
        .values(consent_withdrawn_at=now, shared_data=None)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not taken:
        with contextlib.suppress(InvalidRequestError):  # erased meanwhile: nothing to do
            db.session.refresh(referral)
        return False
    db.session.refresh(referral)
    webhooks.cancel_pending(referral)
    partner = referral.partner
    webhooks.queue(
        partner,
        "referral.withdrawn",
        {
            "referral": referral.id,
            "kind": partner.kind.value,
            "municipality": partner.refnis,
            "delete_data": True,
        },
        referral,
    )
    mail.queue(
        partner.email,
        "onboarding_referral_withdrawn",
        partner_locale(partner),
        partner=partner.name,
        kind=PARTNER_KIND_TITLES[partner.kind],  # lazy: translated in the e-mail's language
        number=referral.id,
    )
    audit.record(
        "welcome:referral_withdrawn",
        actor_id=actor.id if actor else None,
        detail=f"referral {referral.id} to partner {partner.id}",
    )
    return True


def partner_locale(partner: Partner) -> str:
    return partner.locale if partner.locale in LANGUAGES else PARTNER_LOCALE


def step_title(referral: Referral) -> str:
    """The kind of step a referral is about, without details."""
    return str(TEXTS[referral.item_code.split("-")[0]]["short"])


def municipality_label(refnis: str, locale: str) -> str:
    found = reference.municipality(refnis)
    return f"{found.name(locale)} ({refnis})" if found else refnis
