"""Demo data of the orange carpet: its demo accounts, the three Ghent partners, Tara's space.

The plug-in's demo hook (`portal.plugins.add_demo`, run by `flask demo load` after the
portal's own demo data): the partner desks of Ghent and the arriving talent, each with the
portal's demo password. Without the plug-in none of them exists. The caller commits.
"""

from __future__ import annotations

from sqlalchemy import select

from onboarding.models import Partner, WelcomeProfile
from portal import demo as portal_demo
from portal.accounts.models import PartnerKind, Role, User
from portal.extensions import db

GHENT = "44021"
PARTNERS = [
    ("Stad Gent – Burgerzaken", PartnerKind.MUNICIPALITY, "municipality@demo.example"),
    ("Aanmeldpunt scholen Gent (LOP)", PartnerKind.SCHOOL, "school@demo.example"),
    ("Lokaal Loket Kinderopvang Gent", PartnerKind.CHILDCARE, "childcare@demo.example"),
]
TALENT = "talent@demo.example"
ACCOUNTS = [
    ("municipality@demo.example", "Mona Municipality", Role.PARTNER),
    ("school@demo.example", "Sam School", Role.PARTNER),
    ("childcare@demo.example", "Chris Childcare", Role.PARTNER),
    (TALENT, "Tara Talent", Role.TALENT),
]
PARTNER_KINDS = {email: kind for _name, kind, email in PARTNERS}


def load_accounts() -> list[tuple[str, str]]:
    """The demo hook: create everything below unless it exists; return (e-mail, role)."""
    load()
    return [(email, role.value) for email, _name, role in ACCOUNTS]


def load() -> list[Partner]:
    """Create the demo accounts, the Ghent partners and Tara's welcome space unless they exist."""
    _accounts()
    found = []
    for name, kind, email in PARTNERS:
        partner = db.session.scalar(
            select(Partner).where(Partner.kind == kind, Partner.refnis == GHENT)
        )
        if partner is None:
            partner = Partner(name=name, kind=kind, refnis=GHENT, email=email, active=True)
            db.session.add(partner)
        found.append(partner)
    talent = db.session.scalar(select(User).where(User.email == TALENT))
    if (
        talent is not None
        and db.session.scalar(select(WelcomeProfile.id).where(WelcomeProfile.user_id == talent.id))
        is None
    ):
        db.session.add(WelcomeProfile(user_id=talent.id, preferred_locale=talent.locale))
    db.session.flush()
    return found


def _accounts() -> None:
    emails = [email for email, _name, _role in ACCOUNTS]
    existing = set(db.session.scalars(select(User.email).where(User.email.in_(emails))))
    for email, name, role in ACCOUNTS:
        if email in existing:
            continue
        user = portal_demo.create_user(email, name, role)
        if email in PARTNER_KINDS:
            user.partner_kind, user.partner_refnis = PARTNER_KINDS[email], GHENT
        db.session.add(user)
    db.session.flush()
