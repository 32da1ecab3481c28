"""Demo data: one account per role, a demo organisation and a mandatary with a mandate.

Plug-ins add their own demo accounts (the orange carpet: its partner desks and the arriving
talent) through `portal.plugins.add_demo`; `create_user` is there for them.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from sqlalchemy import select

from portal import clock, uploads
from portal.accounts.mandates import quarter_start
from portal.accounts.models import (
    CardPerson,
    ClaimStatus,
    ForeignEmployer,
    Mandatary,
    MandataryKind,
    Mandate,
    MandateStatus,
    Organisation,
    OrganisationClaim,
    OrgRole,
    ResidenceDocument,
    Role,
    User,
)
from portal.accounts.services import hash_password
from portal.dossiers.models import (
    CardDetails,
    Dossier,
    DossierKind,
    DossierStatus,
    FlemishDecision,
    Permit,
)
from portal.extensions import db

CARD_GRANTED_REF, CARD_SUBMITTED_REF = "PC-DEMO-000001", "PC-DEMO-000002"
PASSWORD = "demo-portal-2026"  # noqa: S105 - documented demo password, demo data only
GHENT = "44021"

ACCOUNTS = [
    ("employer@demo.example", "Eva Employer", Role.EMPLOYER),
    ("mandatary@demo.example", "Marc Mandatary", Role.MANDATARY),
    ("officer@demo.example", "Olivia Officer", Role.OFFICER),
    ("helpdesk@demo.example", "Hugo Helpdesk", Role.HELPDESK),
    ("admin@demo.example", "Adam Admin", Role.ADMIN),
    ("entrepreneur@demo.example", "Elif Entrepreneur", Role.ENTREPRENEUR),
]
ENTREPRENEUR = "entrepreneur@demo.example"
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
    if db.session.scalar(select(Dossier.id).where(Dossier.reference == CARD_GRANTED_REF)) is None:
        _create_cards()  # added later: also on a database whose demo data is older
    if db.session.scalar(select(User.id).where(User.email == ENTREPRENEUR)) is None:
        _create_entrepreneur()  # likewise
    return [(email, role.value) for email, _name, role in ACCOUNTS]


def load_all() -> list[tuple[str, str]]:
    """Everything `flask demo load` creates: the portal's demo data, the e-mail fallback's
    ticket and each enabled plug-in's (the orange carpet's partners and newcomer). Returns
    (e-mail, role) of every demo account. The caller commits."""
    from flask import current_app

    from portal import plugins
    from portal.fallback import demo as fallback_demo

    accounts = load()
    fallback_demo.load()
    for load_plugin in plugins.demo_loaders(current_app):
        accounts.extend(load_plugin())
    return accounts


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
        if email == ENTREPRENEUR:
            continue  # with the identity a card needs: _create_entrepreneur
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


def _create_entrepreneur() -> None:
    """A self-registered entrepreneur (no organisation) who can file a professional card
    for herself: a Turkish national on an A card, living in Ghent."""
    name = next(n for email, n, _role in ACCOUNTS if email == ENTREPRENEUR)
    user = create_user(ENTREPRENEUR, name, Role.ENTREPRENEUR)
    today = clock.today()
    person = CardPerson(
        user=user,
        first_name="Elif",
        last_name="Entrepreneur",
        birth_date=today.replace(year=today.year - 34, day=1),
        nationality="TR",
        residence_document=ResidenceDocument.A_CARD,
        residence_valid_until=today + timedelta(days=2 * 365),
        address_street="Sint-Pietersnieuwstraat 25",
        address_postal_code="9000",
        address_city="Gent",
        address_country="BE",
    )
    db.session.add_all([user, person])
    db.session.flush()


def _create_cards() -> None:
    """Two professional-card files filed by the demo mandatary (a business counter): one
    granted card whose renewal is open (it expires in 45 days; the 90-day reminder went
    out) and one submitted card waiting for a decision."""
    mandatary = db.session.scalar(select(Mandatary).where(Mandatary.kbo_number == "0202239951"))
    filer = db.session.scalar(select(User).where(User.email == "mandatary@demo.example"))
    if mandatary is None or filer is None:
        return
    today = clock.today()
    person = dict(
        created_by_id=filer.id,
        mandatary_id=mandatary.id,
        permit=Permit.PROFESSIONAL_CARD,
        kind=DossierKind.NEW,
        locale="nl",
        worker_residence_country="BE",
        workplace_street="Veldstraat 10",
        workplace_postal_code="9000",
        workplace_refnis=GHENT,
        sections_done="",
    )
    valid_until = today + timedelta(days=45)
    granted = Dossier(
        **person,
        reference=CARD_GRANTED_REF,
        status=DossierStatus.CARD_GRANTED,
        worker_first_name="Mei",
        worker_last_name="Lin",
        worker_birth_date=today.replace(year=today.year - 38, day=1),
        worker_nationality="CN",
        worker_passport="EC1234567",
        worker_email="mei.lin@demo.example",
        worker_locale="en",
        category="economic",
        nace_code="56101",
        submitted_on=valid_until - timedelta(days=3 * 365 + 60),
        flemish_decision=FlemishDecision.AUTHORISED,
        flemish_decision_on=valid_until - timedelta(days=3 * 365 + 1),
    )
    granted.card = CardDetails(
        files_from="belgium",
        residence_document="a_card",
        residence_valid_until=valid_until + timedelta(days=365),
        legal_form="sole_trader",
        company_kbo="0000000097",
        activity_description="Restaurant with Sichuan cuisine",
        jobs_planned=2,
        investment_eur=Decimal("60000.00"),
        start_capital_eur=Decimal("20000.00"),
        diploma_level=6,
        regulated_profession=False,
        means_eur=Decimal("32000.00"),
        valid_from=valid_until - timedelta(days=3 * 365),
        valid_until=valid_until,
        reminders_sent="90",
    )
    submitted = Dossier(
        **person,
        reference=CARD_SUBMITTED_REF,
        status=DossierStatus.SUBMITTED,
        worker_first_name="Tunde",
        worker_last_name="Adeyemi",
        worker_birth_date=today.replace(year=today.year - 31, day=1),
        worker_nationality="NG",
        worker_passport="A09876543",
        worker_email="tunde.adeyemi@demo.example",
        worker_locale="fr",
        category="innovative",
        nace_code="62010",
        submitted_on=today - timedelta(days=10),
    )
    submitted.card = CardDetails(
        files_from="belgium",
        residence_document="a_card",
        residence_valid_until=today + timedelta(days=400),
        legal_form="company",
        company_name="Tunde Labs BV",
        activity_description="Software for precision farming",
        jobs_planned=4,
        investment_eur=Decimal("150000.00"),
        innovation="Sensor data models for small farms",
        diploma_level=7,
        regulated_profession=False,
        means_eur=Decimal("30000.00"),
    )
    db.session.add_all([granted, submitted])
    db.session.flush()
