"""Demo data: one account per role, a demo organisation and a mandatary with a mandate.

Plug-ins add their own demo accounts (the orange carpet: its partner desks and the arriving
talent) through `portal.plugins.add_demo`; `create_user` is there for them.
"""

from __future__ import annotations

from sqlalchemy import select

from portal import clock, uploads
from portal.accounts.mandates import quarter_start
from portal.accounts.models import (
    ClaimStatus,
    ForeignEmployer,
    Mandatary,
    MandataryKind,
    Mandate,
    MandateStatus,
    Organisation,
    OrganisationClaim,
    OrgRole,
    Role,
    User,
)
from portal.accounts.services import hash_password
from portal.extensions import db

PASSWORD = "demo-portal-2026"  # noqa: S105 - documented demo password, demo data only
GHENT = "44021"

ACCOUNTS = [
    ("employer@demo.example", "Eva Employer", Role.EMPLOYER),
    ("mandatary@demo.example", "Marc Mandatary", Role.MANDATARY),
    ("officer@demo.example", "Olivia Officer", Role.OFFICER),
    ("helpdesk@demo.example", "Hugo Helpdesk", Role.HELPDESK),
    ("admin@demo.example", "Adam Admin", Role.ADMIN),
]
# A minimal, valid one-page PDF standing in for a signed mandate.
DEMO_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def load() -> list[tuple[str, str]]:
    """Create the demo data unless it exists; return (e-mail, role) of every demo account."""
    if db.session.scalar(select(User.id).where(User.email == ACCOUNTS[0][0])) is None:
        _create()
    return [(email, role.value) for email, _name, role in ACCOUNTS]


def create_user(email: str, name: str, role: Role, password_hash: str | None = None) -> User:
    """A verified demo account with the demo password (not yet added to the session)."""
    return User(
        email=email,
        name=name,
        role=role,
        password_hash=password_hash or hash_password(PASSWORD),
        locale="nl",
        email_verified_at=clock.now(),
    )


def _create() -> None:
    organisation = Organisation(
        name="Demo Logistics NV",
        kbo_number="0403170701",
        street="Kortrijksesteenweg 1",
        postal_code="9000",
        municipality_refnis=GHENT,
        nace_code="49410",
    )
    mandatary = Mandatary(
        kind=MandataryKind.COMPANY,
        name="Demo Mandates BV",
        kbo_number="0202239951",
        street="Meir 1",
        postal_code="2000",
        municipality_refnis="11002",
    )
    password_hash = hash_password(PASSWORD)
    users = {}
    for email, name, role in ACCOUNTS:
        user = create_user(email, name, role, password_hash)
        if role == Role.EMPLOYER:
            user.organisation, user.org_role = organisation, OrgRole.ADMIN
        if role == Role.MANDATARY:
            user.mandatary = mandatary
        users[email] = user
    foreign = ForeignEmployer(
        mandatary=mandatary,
        name="Demo Montage GmbH",
        country="DE",
        registration_number="HRB 123456",
    )
    stored = uploads.store(DEMO_PDF, "mandate-demo-montage.pdf", ("pdf",), 1024 * 1024)
    today = clock.today()
    mandate = Mandate(
        foreign_employer=foreign,
        starts_on=quarter_start(today.year, 1),
        ends_on=None,
        status=MandateStatus.VERIFIED,
        file_name=stored.file_name,
        stored_name=stored.stored_name,
        sha256=stored.sha256,
        size=stored.size,
        uploaded_by=users["mandatary@demo.example"],
        decided_at=clock.now(),
    )
    # The demo employer has proven its claim to its enterprise number: it may submit.
    claim = OrganisationClaim(
        organisation=organisation,
        claimant=users["employer@demo.example"],
        kbo_number=organisation.kbo_number,
        status=ClaimStatus.PROVEN,
        proven_by="demo",
        decided_at=clock.now(),
    )
    db.session.add_all([organisation, claim, mandatary, *users.values(), foreign, mandate])
    db.session.flush()
    mandate.decided_by_id = users["officer@demo.example"].id
