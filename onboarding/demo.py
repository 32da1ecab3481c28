"""Demo data of the orange carpet: the three Ghent partners and a welcome space for Tara.

Call `onboarding.demo.load()` after `portal.demo.load()` (the partners' e-mail addresses are
those of the demo partner accounts); the caller commits.
"""

from __future__ import annotations

from sqlalchemy import select

from onboarding.models import Partner, WelcomeProfile
from portal.accounts.models import PartnerKind, User
from portal.extensions import db

GHENT = "44021"
PARTNERS = [
    ("Stad Gent – Burgerzaken", PartnerKind.MUNICIPALITY, "municipality@demo.example"),
    ("Aanmeldpunt scholen Gent (LOP)", PartnerKind.SCHOOL, "school@demo.example"),
    ("Lokaal Loket Kinderopvang Gent", PartnerKind.CHILDCARE, "childcare@demo.example"),
]
TALENT = "talent@demo.example"


def load() -> list[Partner]:
    """Create the Ghent partners (and Tara's welcome space) unless they exist."""
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
