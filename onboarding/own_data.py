"""The orange carpet's section of a person's own-data download ("welcome").

The portal's download reads `app.extensions["own_data_sections"]`: name -> callable(user)
returning a JSON-serialisable dict. This one gives what the welcome holds about `user`
and nothing about anyone else: the profile, the children, the checklist answers, the
employers' consents, the referrals with partner, status, what was shared and the
partners' answers, and the withdrawals. A person without a welcome profile gets the same
keys, empty.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import select

from onboarding.models import ChecklistItem, Referral, WelcomeInvitation, WelcomeProfile
from onboarding.referrals import FIELD_LABELS
from portal.accounts.models import User
from portal.extensions import db
from portal.i18n import _l


def _when(value: date | datetime | time | None) -> str | None:
    return value.isoformat() if value is not None else None


def welcome(user: User) -> dict:
    profile = db.session.scalar(select(WelcomeProfile).where(WelcomeProfile.user_id == user.id))
    # Referrals are the user's own by `talent_id` too: a row is never reached through
    # another person's profile.
    found = db.session.scalars(
        select(Referral).where(Referral.talent_id == user.id).order_by(Referral.id)
    ).all()
    section: dict = {
        "profile": None,
        "children": [],
        "checklist": [],
        "employer_consents": [],
        "referrals": [
            {
                "id": referral.id,
                "step": referral.item_code,
                "partner": {
                    "name": referral.partner.name,
                    "kind": referral.partner.kind.value,
                    "municipality": referral.partner.refnis,
                },
                "status": "withdrawn" if referral.withdrawn else referral.status.value,
                "consent_given_at": _when(referral.consent_given_at),
                "consent_withdrawn_at": _when(referral.consent_withdrawn_at),
                "shared_data": {key: value for key, value in referral.data},
                "answers": [
                    {
                        "kind": message.kind.value,
                        "at": _when(message.created_at),
                        "appointment_on": _when(message.appointment_on),
                        "appointment_time": _when(message.appointment_time),
                        "place": message.place,
                        "text": message.body,
                    }
                    for message in referral.messages
                ],
            }
            for referral in found
        ],
        "consents": [],
    }
    for referral in found:
        section["consents"].append(
            {
                "about": f"referral {referral.id} to {referral.partner.name}",
                "given_at": _when(referral.consent_given_at),
                "withdrawn_at": _when(referral.consent_withdrawn_at),
            }
        )
    if profile is None or profile.user_id != user.id:
        return section
    section["profile"] = {
        "opened_at": _when(profile.created_at),
        "arrival_on": _when(profile.arrival_on),
        "street": profile.street,
        "postal_code": profile.postal_code,
        "municipality": profile.refnis,
        "partner_comes_along": profile.has_partner,
        "language": profile.preferred_locale,
        "permit": profile.dossier.reference if profile.dossier else None,
        "welcome_consent_withdrawn_at": _when(profile.consent_withdrawn_at),
    }
    section["children"] = [{"birth_date": _when(child.birth_date)} for child in profile.children]
    items = db.session.scalars(
        select(ChecklistItem)
        .where(ChecklistItem.profile_id == profile.id)
        .order_by(ChecklistItem.code)
    )
    section["checklist"] = [
        {
            "step": item.code,
            "done_at": _when(item.done_at),
            "reminded_for": _when(item.reminded_for),
        }
        for item in items
    ]
    invitations = db.session.scalars(
        select(WelcomeInvitation)
        .where(WelcomeInvitation.profile_id == profile.id)
        .order_by(WelcomeInvitation.id)
    )
    for invitation in invitations:
        organisation = invitation.dossier.organisation
        consent = {
            "permit": invitation.dossier.reference,
            "employer": organisation.name if organisation else None,
            "employer_sees_steps_done": invitation.consent_employer_view,
            "changed_at": _when(invitation.consent_changed_at),
        }
        section["employer_consents"].append(consent)
        section["consents"].append(
            {
                "about": f"employer of {invitation.dossier.reference} sees which steps are done",
                "given": invitation.consent_employer_view,
                "changed_at": _when(invitation.consent_changed_at),
            }
        )
    if profile.consent_withdrawn_at is not None:
        section["consents"].append(
            {"about": "welcome", "withdrawn_at": _when(profile.consent_withdrawn_at)}
        )
    return section


# The section's title and keys in words, for the PDF of the download (the JSON keeps the keys).
TITLES = {"welcome": _l("Your welcome in Flanders")}
LABELS = {
    "profile": _l("Welcome profile"),
    "children": _l("Children"),
    "checklist": _l("Checklist"),
    "employer_consents": _l("What your employers may see"),
    "referrals": _l("Referrals"),
    "consents": _l("Consents"),
    "id": _l("Number"),
    "step": _l("Step"),
    "partner": _l("Partner service"),
    "municipality": _l("Municipality (NIS code)"),
    "consent_given_at": _l("Consent given"),
    "consent_withdrawn_at": _l("Consent withdrawn"),
    "shared_data": _l("Data shared"),
    "answers": _l("Answers"),
    "appointment_on": _l("Appointment date"),
    "appointment_time": _l("Appointment time"),
    "place": _l("Place"),
    "given_at": _l("Given"),
    "withdrawn_at": _l("Withdrawn"),
    "arrival_on": _l("Arrival date"),
    "street": _l("Street and number"),
    "partner_comes_along": _l("A partner comes along"),
    "permit": _l("Permit file"),
    "welcome_consent_withdrawn_at": _l("Consent to the welcome withdrawn"),
    "done_at": _l("Done"),
    "reminded_for": _l("Reminder sent for"),
    "employer": _l("Employer"),
    "employer_sees_steps_done": _l("The employer sees which steps are done"),
    "changed_at": _l("Changed"),
    "given": _l("Given"),
}


def register(app) -> None:
    app.extensions.setdefault("own_data_sections", {})["welcome"] = welcome
    app.extensions.setdefault("own_data_titles", {}).update(TITLES)
    # The data shared with a partner is named as the referral names it.
    app.extensions.setdefault("own_data_labels", {}).update({**FIELD_LABELS, **LABELS})
