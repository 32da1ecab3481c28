"""Factories: one per model, with traits for the states a test starts from (factory_boy).

    employer = EmployerFactory(email="hr@acme.example")
    dossier = DossierFactory(owner=employer, submitted=True, email=True)
    DossierFactory(owner=employer, status=DossierStatus.FORWARDED, forwarded_on=last_week)

Every factory writes through the session of the running test (`db.session`, swapped per
test by the `db_session` fixture) and only *flushes*: the test's transaction is rolled back.

**A dossier reaches its status through the one status machine.** It is created as a draft
and then walked along the shortest path of `status.ALLOWED` (draft → submitted → work
authorised → forwarded → residence granted, ...) with `status.change`, so every dossier
has the `StatusEvent`s, audit entries, decision dates and legal deadline the real path
writes, and a status that the machine cannot reach cannot be built. Writing the status
column directly was simpler, but it made files no officer could ever see (a "forwarded"
file without a decision date, a history without events) and would silently keep building
them after a transition changed. Three things are left out on purpose, because they are
the *consequences* the tests of the handling functions check, not a file's starting state:
notifications (`notify_parties=False`), the `permit_granted` signal (muted: the
orange carpet's invitation is the onboarding tests' own set-up) and the side records of
`handling` (an open `InfoRequest`, the DVZ `ExchangeMessage`): add them with
`InfoRequestFactory` and `ExchangeMessageFactory` when a test needs them.

What the test gives wins: fields the machine writes (decision dates, `deadline_on`, ...)
passed to the factory are set again after the walk, so a test can pin "decided on 7 April".
Steps of the submitter (submit, withdraw) are taken by the owner; the officer's steps by
`officer=` (a user), or by the system when none is given.
"""

from __future__ import annotations

import hashlib
import secrets
from collections import deque
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory

from portal import clock
from portal.accounts.models import (
    ClaimContest,
    ClaimStatus,
    ForeignEmployer,
    Mandatary,
    MandataryKind,
    Mandate,
    MandateStatus,
    Organisation,
    OrganisationClaim,
    OrgRole,
    PartnerKind,
    Role,
    User,
)
from portal.accounts.services import hash_password
from portal.api.models import ApiClient
from portal.dossiers.lifecycle import meaning
from portal.dossiers.lifecycle import status as machine
from portal.dossiers.lifecycle.models import ExchangeMessage, InfoRequest
from portal.dossiers.models import (
    CardDetails,
    Channel,
    Document,
    Dossier,
    DossierKind,
    DossierStatus,
    Permit,
)
from portal.extensions import db
from portal.fallback.models import IntakeMessage, Outcome

S = DossierStatus
PASSWORD = "correct horse battery staple"
PDF_SHA256 = "3f1a" * 16


def _session():
    return db.session  # the test's own session: `db_session` swaps it per test


class BaseFactory(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = _session
        sqlalchemy_session_persistence = "flush"


def kbo_number(serial: int) -> str:
    """A valid enterprise number (mod-97 check digits), different for every serial."""
    base = 10_000_000 + serial
    return f"0{base}{97 - (base % 97):02d}"[-10:]


# --- Accounts ----------------------------------------------------------------------------


class OrganisationFactory(BaseFactory):
    """An employer whose claim to its KBO number is proven (`claim=None`: no claim at all)."""

    class Meta:
        model = Organisation

    name = "Test NV"
    kbo_number = factory.Sequence(lambda n: kbo_number(5_000_000 + n))
    street = "Veldstraat 1"
    postal_code = "9000"
    municipality_refnis = "44021"
    nace_code = "49410"

    @classmethod
    def _create(cls, model_class, *args, claim=ClaimStatus.PROVEN, **kwargs):
        organisation = super()._create(model_class, *args, **kwargs)
        if claim is not None:
            db.session.add(
                OrganisationClaim(
                    organisation=organisation,
                    kbo_number=organisation.kbo_number,
                    status=claim,
                    proven_by="test" if claim == ClaimStatus.PROVEN else None,
                )
            )
            db.session.flush()
        return organisation


class MandataryFactory(BaseFactory):
    class Meta:
        model = Mandatary

    kind = MandataryKind.COMPANY
    name = "Mandates BV"
    kbo_number = factory.Sequence(lambda n: kbo_number(7_000_000 + n))
    street = "Meir 1"
    postal_code = "2000"
    municipality_refnis = "11002"


class UserFactory(BaseFactory):
    """A verified account with the tests' password; `role=` any `Role` (see the role factories)."""

    class Meta:
        model = User

    class Params:
        verified = True

    email = factory.Sequence(lambda n: f"user{n}@example.test")
    name = factory.LazyAttribute(lambda u: u.email.split("@")[0].title())
    role = Role.EMPLOYER
    locale = "en"
    password_hash = factory.LazyFunction(lambda: hash_password(PASSWORD))
    email_verified_at = factory.LazyAttribute(lambda u: clock.now() if u.verified else None)
    organisation = None
    org_role = None
    mandatary = None


class EmployerFactory(UserFactory):
    """An employer's administrator, of a new organisation with a proven claim."""

    role = Role.EMPLOYER
    organisation = factory.SubFactory(OrganisationFactory)
    org_role = factory.LazyAttribute(lambda u: OrgRole.ADMIN if u.organisation else None)


class MandataryUserFactory(UserFactory):
    role = Role.MANDATARY
    mandatary = factory.SubFactory(MandataryFactory)


class OfficerFactory(UserFactory):
    role = Role.OFFICER


class HelpdeskFactory(UserFactory):
    role = Role.HELPDESK


class AdminFactory(UserFactory):
    role = Role.ADMIN


class TalentFactory(UserFactory):
    role = Role.TALENT


class PartnerUserFactory(UserFactory):
    role = Role.PARTNER
    partner_kind = PartnerKind.MUNICIPALITY
    partner_refnis = "44021"


class ForeignEmployerFactory(BaseFactory):
    class Meta:
        model = ForeignEmployer

    mandatary = factory.SubFactory(MandataryFactory)
    name = "Bouw GmbH"
    country = "DE"
    registration_number = factory.Sequence(lambda n: f"HRB {100000 + n}")


class MandateFactory(BaseFactory):
    """A mandate document of a foreign employer; `verified=True` as an officer left it."""

    class Meta:
        model = Mandate
        exclude = ("uploaded_by",)

    class Params:
        verified = factory.Trait(
            status=MandateStatus.VERIFIED, decided_at=factory.LazyFunction(clock.now)
        )

    foreign_employer = factory.SubFactory(ForeignEmployerFactory)
    uploaded_by = factory.SubFactory(MandataryUserFactory)
    uploaded_by_id = factory.LazyAttribute(lambda m: m.uploaded_by.id)
    starts_on = factory.LazyFunction(lambda: clock.today())
    status = MandateStatus.PENDING
    file_name = "mandate.pdf"
    stored_name = factory.Sequence(lambda n: f"mandate{n:08d}.pdf")
    sha256 = PDF_SHA256
    size = 48_213


class ClaimContestFactory(BaseFactory):
    """An enterprise's open contest of a registration of its number (proof stored by name)."""

    class Meta:
        model = ClaimContest

    kbo_number = "0403170701"
    company_name = factory.Sequence(lambda n: f"Real Transport {n} <BV>")
    contact_name = "Director"
    email = factory.Sequence(lambda n: f"contest{n}@real.example")
    phone = "+32 9 000 00 00"
    message = "That number is ours."
    locale = "nl"
    proof_file_name = "kbo.pdf"
    proof_stored_name = factory.Sequence(lambda n: f"contest{n:08d}.pdf")
    proof_sha256 = "0" * 64
    proof_size = 1000


# --- Dossiers ----------------------------------------------------------------------------

# What the real submission writes besides the status: a file that passed the wizard.
COMPLETE = {
    "worker_birth_date": date(1990, 4, 12),
    "worker_nationality": "IN",
    "worker_passport": "Z1234567",
    "worker_residence_country": "IN",
    "worker_diplomatic_post": "Belgian Embassy in New Delhi",
    "worker_email": factory.Sequence(lambda n: f"worker{n}@example.in"),
    "worker_locale": "en",
    "isco_code": "2512",
    "nace_code": "62010",
    "annual_salary": Decimal("60000.00"),
    "start_date": factory.LazyFunction(lambda: clock.today() + timedelta(60)),
    "duration_months": 24,
    "workplace_street": "Kouter 1",
    "workplace_postal_code": "9000",
    "workplace_refnis": "44021",
    "sections_done": "category,documents,job,worker",
}
# Written by `status.change`; passed to the factory, they are set again after the walk.
MACHINE_FIELDS = (
    "deadline_on",
    "flemish_decision",
    "flemish_decision_on",
    "flemish_reasons",
    "flemish_reason_codes",
    "forwarded_on",
    "federal_decision",
    "federal_decision_on",
)
APPLICANT_STEPS = {S.SUBMITTED, S.WITHDRAWN}

# A professional card's own answers as a card wizard writes them (`card_details`): a
# person in Belgium with an A card valid for four more years, an economic activity.
CARD_COMPLETE = {
    "files_from": "belgium",
    "residence_document": "a_card",
    "residence_valid_until": lambda: clock.today() + timedelta(days=4 * 365),
    "address_street": "Veldstraat 10",
    "address_postal_code": "9000",
    "address_city": "Gent",
    "address_country": "BE",
    "legal_form": "sole_trader",
    "activity_description": "Software consultancy for logistics firms",
    "jobs_planned": 2,
    "investment_eur": Decimal("25000.00"),
    "start_capital_eur": Decimal("18600.00"),
    "diploma_level": 6,
    "regulated_profession": False,
    "means_eur": Decimal("30000.00"),
}


def card_details(**given) -> CardDetails:
    """A card's complete details; what the test gives wins."""
    values = {k: v() if callable(v) else v for k, v in CARD_COMPLETE.items()}
    return CardDetails(**{**values, **given})


def path_to(target: DossierStatus, permit: Permit | None = None) -> list[DossierStatus]:
    """The shortest walk from draft to `target` through `status.ALLOWED`, as the status
    machine allows it for this kind of file (`permit`; default: the kind `target` belongs
    to, else a single permit)."""
    permit = permit or meaning.TABLE[target].permit or Permit.SINGLE_PERMIT
    paths = {S.DRAFT: []}
    todo = deque([S.DRAFT])
    while todo:
        here = todo.popleft()
        for there in sorted(meaning.allowed(permit, here) & machine.ALLOWED.get(here, set())):
            if there not in paths:
                paths[there] = [*paths[here], there]
                todo.append(there)
    if target not in paths:
        raise ValueError(f"no path from draft to {target}")
    return paths[target]


def _submitted_at(day: date | None) -> datetime:
    """Now, or nine in the morning (UTC) of the submission day a test gave."""
    return datetime.combine(day, time(9), tzinfo=UTC) if day else clock.now()


class DossierFactory(BaseFactory):
    """A dossier of `owner` (an employer by default), walked to `status` by the machine."""

    class Meta:
        model = Dossier
        exclude = ("owner", "officer")

    class Params:
        owner = factory.SubFactory(EmployerFactory)
        officer = None
        complete = factory.Trait(**COMPLETE)
        submitted = factory.Trait(complete=True, status=S.SUBMITTED)
        in_review = factory.Trait(
            submitted=True, assigned_officer_id=factory.LazyAttribute(lambda d: d.officer.id)
        )
        info_requested = factory.Trait(complete=True, status=S.INFO_REQUESTED)
        authorised = factory.Trait(complete=True, status=S.WORK_AUTHORISED)
        forwarded = factory.Trait(complete=True, status=S.FORWARDED)
        refused = factory.Trait(complete=True, status=S.WORK_REFUSED)
        inadmissible = factory.Trait(complete=True, status=S.INADMISSIBLE)
        withdrawn = factory.Trait(complete=True, status=S.WITHDRAWN)
        granted = factory.Trait(complete=True, status=S.RESIDENCE_GRANTED)
        residence_refused = factory.Trait(complete=True, status=S.RESIDENCE_REFUSED)
        # A professional card (with its `card_details`, see `card_details()`).
        professional_card = factory.Trait(permit=Permit.PROFESSIONAL_CARD, category="economic")
        card_submitted = factory.Trait(professional_card=True, submitted=True)
        card_granted = factory.Trait(professional_card=True, complete=True, status=S.CARD_GRANTED)
        card_refused = factory.Trait(professional_card=True, complete=True, status=S.CARD_REFUSED)
        email = factory.Trait(channel=Channel.EMAIL)
        renewal = factory.Trait(kind=DossierKind.RENEWAL)
        change_of_employer = factory.Trait(kind=DossierKind.CHANGE_OF_EMPLOYER)
        posting = factory.Trait(
            is_posting=True,
            posting_start=factory.LazyFunction(lambda: clock.today() + timedelta(60)),
            posting_end=factory.LazyFunction(lambda: clock.today() + timedelta(300)),
            client_name="Bouw NV",
            site_address="Werfstraat 1, 9000 Gent",
            limosa_reference="L-2026-000123",
        )

    reference = factory.Sequence(lambda n: f"SP-2026-F{n:05d}-X")
    status = S.DRAFT
    channel = Channel.ONLINE
    locale = "en"
    # `owner=None`: a file imported from before the portal, without its filer.
    created_by_id = factory.LazyAttribute(lambda d: d.owner.id if d.owner else None)
    organisation_id = factory.LazyAttribute(lambda d: d.owner.organisation_id if d.owner else None)
    category = "highly_qualified"
    worker_first_name = "Priya"
    worker_last_name = "Sharma"

    @classmethod
    def _create(cls, model_class, *args, status=S.DRAFT, officer=None, **kwargs):
        pinned = {name: kwargs.pop(name) for name in MACHINE_FIELDS if name in kwargs}
        # A status only a card reaches makes a card; a card gets its details.
        kwargs["permit"] = kwargs.get("permit") or meaning.TABLE[status].permit
        kwargs["permit"] = kwargs["permit"] or Permit.SINGLE_PERMIT
        if kwargs["permit"] == Permit.PROFESSIONAL_CARD:
            kwargs["card"] = kwargs.get("card") or card_details()
            if kwargs.get("category") == "highly_qualified":
                kwargs["category"] = "economic"
        if status != S.DRAFT:
            kwargs["submitted_at"] = kwargs.get("submitted_at") or _submitted_at(
                kwargs.get("submitted_on")
            )
            if "submitted_on" not in kwargs:
                kwargs["submitted_on"] = clock.local_day(kwargs["submitted_at"])
        dossier = super()._create(model_class, *args, **kwargs)
        if status != S.DRAFT:
            owner = db.session.get(User, dossier.created_by_id) if dossier.created_by_id else None
            with machine.permit_granted.muted():
                for step in path_to(status, dossier.permit):
                    actor = owner if step in APPLICANT_STEPS else officer
                    machine.change(dossier, step, actor, notify_parties=False)
            if status == S.CARD_GRANTED and dossier.card.valid_from is None:
                granted_on = dossier.flemish_decision_on
                dossier.card.valid_from = granted_on
                dossier.card.valid_until = granted_on + timedelta(days=729)
        for name, value in pinned.items():
            setattr(dossier, name, value)
        db.session.flush()
        return dossier


class DocumentFactory(BaseFactory):
    """An uploaded file of a dossier (the row only; write the bytes when a test reads them)."""

    class Meta:
        model = Document

    dossier = factory.SubFactory(DossierFactory)
    requirement = "passport"
    file_name = factory.LazyAttribute(lambda d: f"{d.requirement}.pdf")
    sha256 = PDF_SHA256
    stored_name = factory.Sequence(lambda n: f"{n:016x}.pdf")
    size = 48_213
    mime = "application/pdf"
    uploaded_by_id = factory.LazyAttribute(lambda d: d.dossier.created_by_id)


class InfoRequestFactory(BaseFactory):
    """An officer's open question on a dossier (`answered=True`: with the applicant's answer)."""

    class Meta:
        model = InfoRequest

    class Params:
        answered = factory.Trait(
            answer="Here is the signed contract.", answered_at=factory.LazyFunction(clock.now)
        )

    dossier = factory.SubFactory(DossierFactory, info_requested=True)
    requested_by = factory.SubFactory(OfficerFactory)
    question = "Please send the signed employment contract."
    due_on = factory.LazyFunction(lambda: clock.today() + timedelta(days=15))


class ExchangeMessageFactory(BaseFactory):
    """A message to DVZ in the outbox, due now."""

    class Meta:
        model = ExchangeMessage

    dossier = factory.SubFactory(DossierFactory, forwarded=True)
    kind = "forwarding"
    payload = factory.LazyAttribute(lambda m: f'{{"reference": "{m.dossier.reference}"}}')


class ApiClientFactory(BaseFactory):
    """A client of the exchange API; its plain key is `client.key` (only its hash is stored)."""

    class Meta:
        model = ApiClient

    name = "DVZ"
    key_prefix = factory.Sequence(lambda n: f"t{n:07d}")
    scopes = "decisions:write,dossiers:read,forwarded:read"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        key = f"{kwargs['key_prefix']}.{secrets.token_urlsafe(32)}"
        kwargs["key_hash"] = hashlib.sha256(key.encode()).hexdigest()
        client = super()._create(model_class, *args, **kwargs)
        client.key = key
        return client


# --- The helpdesk ------------------------------------------------------------------------


class IntakeMessageFactory(BaseFactory):
    """A message the mail intake kept; rejected (no proof) and in the quarantine by default."""

    class Meta:
        model = IntakeMessage

    source_key = factory.Sequence(lambda n: f"maildir:factory-{n}")
    sha256 = "0" * 64
    size = 100
    sender = factory.Sequence(lambda n: f"sender{n}@example.be")
    subject = factory.Sequence(lambda n: f"Aanvraag <{n}>")
    outcome = Outcome.REJECTED
    reason = "no_proof"


def reported_ticket(
    name: str, email: str, organisation_name=None, organisation_kbo=None, locale="en"
):
    """A helpdesk ticket as the public report form opens one, without an account."""
    from portal.fallback import tickets

    return tickets.open_ticket(
        None,
        name=name,
        email=email,
        organisation_name=organisation_name,
        organisation_kbo=organisation_kbo,
        tried="Submit the application",
        error_text="Error 500 on the check-answers page",
        locale=locale,
    )


def proof(agent: User, email: str, *, organisation=None, days=5, today=None, locale="en"):
    """A helpdesk ticket from `email` and a proof issued on it by `agent`, through the services
    (a proof's code and e-mail are the services' to make), for `organisation` or a new one."""
    from portal.fallback import proofs

    organisation = organisation or OrganisationFactory(name=f"Org of {email}")
    ticket = reported_ticket(
        email.split("@")[0].title(),
        email,
        organisation.name,
        organisation.kbo_number,
        locale,
    )
    return proofs.issue(
        agent, ticket.id, email=email, kbo=organisation.kbo_number, days=days, today=today
    )


class QueuedDossierFactory(DossierFactory):
    """A file in the officers' queue: submitted `submitted_days_ago` days ago (3), with the
    deadline the queue sorts on `deadline_in` days from today (what is left of 60 days)."""

    class Params:
        submitted_days_ago = 3
        deadline_in = factory.LazyAttribute(lambda d: 60 - d.submitted_days_ago)

    status = S.SUBMITTED
    worker_nationality = "IN"
    worker_passport = "Z1234567"
    isco_code = "2512"
    submitted_at = factory.LazyAttribute(
        lambda d: clock.now() - timedelta(days=d.submitted_days_ago)
    )
    deadline_on = factory.LazyAttribute(lambda d: clock.today() + timedelta(days=d.deadline_in))
