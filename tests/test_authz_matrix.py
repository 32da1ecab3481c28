"""The authorisation matrix: every route x every role x a FOREIGN party's objects.

One foreign party owns one of everything (an organisation with a granted dossier and its
document, a mandatary with a foreign employer and a mandate, a helpdesk ticket with a proof,
a quarantined e-mail, a talent with a profile, a child, a referral and an invitation, a
partner, an API client). Every other role then walks the whole URL map, with the view
arguments filled with the foreign objects' ids: GET for every route, an empty POST for every
state-changing one (CSRF is off in the tests).

What must hold:
- anonymous: protected pages send to the login page (302), the API answers 401;
- a role the route does not admit: 403 (or 404);
- a party role the route admits (employer, mandatary, talent, partner), on a foreign object:
  403 or 404; on a page without an object (a list, a form): any answer but 5xx;
- staff the route admits (officer, helpdesk, admin): they see everyone's objects; any answer
  but 5xx;
- no session opens the API (401);
- no GET answer contains the foreign party's identifying data (reference, names, e-mail
  addresses, ticket number), except to staff on a route that admits them.

New routes are picked up by walking the URL map. A view argument this file does not know is
filled with a harmless default; the route is then only checked for role refusals and 5xx,
and named in a warning (see UNKNOWN below), never failed on.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import url_for

from onboarding.models import (
    Child,
    Partner,
    Referral,
    ReferralStatus,
    WelcomeInvitation,
    WelcomeProfile,
)
from portal import clock
from portal.accounts import claims, memberships
from portal.accounts.models import (
    ForeignEmployer,
    Mandatary,
    MandataryKind,
    MandateStatus,
    PartnerKind,
    Role,
)
from portal.accounts.models import Mandate as MandateRow
from portal.accounts.sessions import UserSession
from portal.api import keys
from portal.dossiers.models import Document, DossierStatus
from portal.extensions import db, limiter
from portal.fallback import rawstore
from portal.fallback.models import HelpdeskTicket, IntakeMessage, Outcome, Proof
from portal.mail import OutboxMessage
from portal.security import BUILTIN_PUBLIC, access_of
from tests.factories import DossierFactory
from tests.support import PASSWORD, login, make_organisation, make_user

# What identifies the foreign party: none of it may show in a page for another party.
SECRETS = {
    "reference": "SP-2026-ZQXW97-K",
    "worker_first": "Zanzibarius",
    "worker_last": "Quixotelle",
    "organisation": "Foreignholding Zeta NV",
    "talent_email": "zq.talent@foreign.example",
    "talent_name": "Zephyrine Quillfeather",
    "requester": "Quentin Zorblatt",
    "ticket_number": "HD-ZQ-977311",
    "mandatary": "Zorblax Mandates BV",
    "foreign_employer": "Xylophonwerke GmbH",
    "intake_subject": "Zyzzyva application for Quixotelle",
}
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

PARTY_ROLES = ("employer", "mandatary", "talent", "partner_municipality", "partner_school")
PARTY_ROLES += ("partner_childcare",)
STAFF_ROLES = ("officer", "helpdesk", "admin")
ROLES = ("anonymous", *PARTY_ROLES, *STAFF_ROLES)
REFUSED = {403, 404, 429}  # 429: a rate limit refuses too, and says nothing


@dataclass
class Foreign:
    ids: dict[str, int | str] = field(default_factory=dict)


@pytest.fixture
def foreign(app, db_session) -> Foreign:
    """One of everything, all belonging to the foreign party."""
    world = Foreign()
    organisation = make_organisation(name=SECRETS["organisation"])
    owner = make_user("owner@foreign.example", organisation=organisation)
    owner.name = "Oswald Foreign-Owner"
    dossier = DossierFactory(
        owner=owner,
        reference=SECRETS["reference"],
        status=DossierStatus.RESIDENCE_GRANTED,
        locale="nl",
        organisation_id=organisation.id,
        category="highly_qualified",
        sections_done="worker,category,job",
        submitted_at=clock.now() - timedelta(days=40),
        submitted_on=date.today() - timedelta(days=40),
        worker_first_name=SECRETS["worker_first"],
        worker_last_name=SECRETS["worker_last"],
        worker_birth_date=date(1990, 4, 12),
        worker_nationality="IN",
        worker_passport="ZQ9977311",
        worker_email=SECRETS["talent_email"],
        worker_locale="en",
        isco_code="2512",
        nace_code="62010",
        workplace_refnis="44021",
        flemish_decision="authorised",
        flemish_decision_on=date.today() - timedelta(days=20),
        federal_decision="granted",
        federal_decision_on=date.today() - timedelta(days=10),
    )
    stored = "ab" * 16
    folder = Path(app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / stored).write_bytes(PDF)
    document = Document(
        dossier_id=dossier.id,
        requirement="passport",
        file_name=f"passport-{SECRETS['worker_last']}.pdf",
        stored_name=stored,
        sha256=hashlib.sha256(PDF).hexdigest(),
        size=len(PDF),
        mime="application/pdf",
        uploaded_by_id=owner.id,
    )
    db.session.add(document)

    mandatary = Mandatary(
        kind=MandataryKind.COMPANY,
        name=SECRETS["mandatary"],
        kbo_number=None,
        street="Meir 9",
        postal_code="2000",
        municipality_refnis="11002",
    )
    db.session.add(mandatary)
    db.session.flush()
    agent = make_user("agent@foreign.example", Role.MANDATARY, mandatary=mandatary)
    employer = ForeignEmployer(
        mandatary_id=mandatary.id,
        name=SECRETS["foreign_employer"],
        country="DE",
        registration_number="HRB 977311",
    )
    db.session.add(employer)
    db.session.flush()
    mandate = MandateRow(
        foreign_employer_id=employer.id,
        starts_on=date(2026, 1, 1),
        status=MandateStatus.PENDING,
        file_name="mandate.pdf",
        stored_name=stored,
        sha256=hashlib.sha256(PDF).hexdigest(),
        size=len(PDF),
        uploaded_by_id=agent.id,
    )
    db.session.add(mandate)

    ticket = HelpdeskTicket(
        number=SECRETS["ticket_number"],
        access_token="zq" * 20,
        requester_name=SECRETS["requester"],
        requester_email="quentin@foreign.example",
        organisation_name=SECRETS["organisation"],
        user_id=owner.id,
        tried="Submitting",
        error_text="It broke",
    )
    db.session.add(ticket)
    db.session.flush()
    desk = make_user("desk@foreign-helpdesk.example", Role.HELPDESK)
    proof = Proof(
        code="ZQPROOF977311",
        ticket_id=ticket.id,
        email="quentin@foreign.example",
        organisation_id=organisation.id,
        expires_on=date.today() + timedelta(days=10),
        issued_by_id=desk.id,
    )
    db.session.add(proof)
    raw = f"Subject: {SECRETS['intake_subject']}\r\n\r\nHello\r\n".encode()
    sha, size = rawstore.keep(io.BytesIO(raw))
    message = IntakeMessage(
        source_key=f"matrix/{sha}",
        sha256=sha,
        size=size,
        sender="quentin@foreign.example",
        subject=SECRETS["intake_subject"],
        outcome=Outcome.REJECTED,
        reason="no_proof",
    )
    db.session.add(message)

    talent = make_user(SECRETS["talent_email"], Role.TALENT)
    talent.name = SECRETS["talent_name"]
    profile = WelcomeProfile(user_id=talent.id, dossier_id=dossier.id, refnis="44021")
    db.session.add(profile)
    db.session.flush()
    invitation = WelcomeInvitation(
        profile_id=profile.id, dossier_id=dossier.id, consent_employer_view=True
    )
    child = Child(profile_id=profile.id, birth_date=date(2015, 5, 17))
    partner = Partner(
        name="Ghent civil affairs (matrix)",
        kind=PartnerKind.MUNICIPALITY,
        refnis="44021",
        email="civil@ghent.example",
    )
    db.session.add_all([invitation, child, partner])
    db.session.flush()
    referral = Referral(
        profile_id=profile.id,
        talent_id=talent.id,
        item_code="municipal_registration",
        partner_id=partner.id,
        status=ReferralStatus.SENT,
        shared_data=f'[["name", "{SECRETS["talent_name"]}"]]',
    )
    db.session.add(referral)
    api_client, _key = keys.create_client(None, "Foreign DVZ (matrix)", [keys.DOSSIERS_READ])
    owner_session = UserSession(
        token_hash="f" * 64,
        user_id=owner.id,
        created_at=clock.now(),
        last_seen_at=clock.now(),
        ip="198.51.100.7",
        user_agent="Foreign browser",
    )
    parked = OutboxMessage(
        recipient=SECRETS["talent_email"],
        subject=f"About {SECRETS['reference']}",
        body_text="Hello",
        body_html="<p>Hello</p>",
        locale="nl",
        template="matrix",
        parked_at=clock.now(),
        attempts=20,
        last_error="OSError: refused",
    )
    db.session.add_all([owner_session, parked])
    joiner = make_user("joiner@foreign.example")
    join_request = memberships.request_to_join(joiner, organisation)
    contest = claims.contest(
        kbo_number=organisation.kbo_number,
        company_name=SECRETS["organisation"],
        contact_name=SECRETS["requester"],
        email="contest@foreign.example",
        phone="+32 9 000 00 00",
        message="This number is ours.",
        data=PDF,
        file_name="kbo-extract.pdf",
        max_bytes=10 * 1024 * 1024,
        locale="nl",
    )
    db.session.flush()
    world.ids = {
        "dossier_id": dossier.id,
        "document_id": document.id,
        "mandate_id": mandate.id,
        "employer_id": employer.id,
        "ticket_id": ticket.id,
        "proof_id": proof.id,
        "message_id": message.id,
        "child_id": child.id,
        "referral_id": referral.id,
        "invitation_id": invitation.id,
        "partner_id": partner.id,
        "client_id": api_client.id,
        "claim_id": organisation.claim.id,
        "contest_id": contest.id,
        "request_id": join_request.id,
        "session_id": owner_session.id,
        "item_id": parked.id,
    }
    db.session.commit()
    return world


# View arguments that are not objects of a party: filled with a plain value.
PLAIN = {
    "section": "worker",
    "fmt": "json",
    "code": "health_insurance",
    "reference": SECRETS["reference"],
    "token": "not-a-real-token-" + "z" * 20,
    "name": "mail",  # a delivery queue (parked items)
}
# (endpoint, argument names) seen with arguments this file does not know.
UNKNOWN: set[tuple[str, str]] = set()


def actors() -> dict[str, str | None]:
    """One user per role, none of them related to the foreign party; role -> e-mail."""
    make_user("hr@ours.example")
    make_user("agent@ours.example", Role.MANDATARY)
    talent = make_user("talent@ours.example", Role.TALENT)
    db.session.add(WelcomeProfile(user_id=talent.id))
    # The foreign referral goes to Ghent's municipality desk. Antwerp's municipality desk
    # (same kind, other place), Ghent's school desk (same place, other kind) and Antwerp's
    # childcare desk must all be refused.
    for kind, refnis in (
        (PartnerKind.MUNICIPALITY, "11002"),
        (PartnerKind.SCHOOL, "44021"),
        (PartnerKind.CHILDCARE, "11002"),
    ):
        user = make_user(f"{kind.value}@partner.example", Role.PARTNER)
        user.partner_kind, user.partner_refnis = kind, refnis
    make_user("officer@ours.example", Role.OFFICER)
    make_user("helpdesk@ours.example", Role.HELPDESK)
    make_user("admin@ours.example", Role.ADMIN)
    db.session.commit()
    return {
        "anonymous": None,
        "employer": "hr@ours.example",
        "mandatary": "agent@ours.example",
        "talent": "talent@ours.example",
        "partner_municipality": "municipality@partner.example",
        "partner_school": "school@partner.example",
        "partner_childcare": "childcare@partner.example",
        "officer": "officer@ours.example",
        "helpdesk": "helpdesk@ours.example",
        "admin": "admin@ours.example",
    }


def role_value(role: str) -> str | None:
    return None if role == "anonymous" else role.split("_")[0]


def url_of(app, rule, ids) -> tuple[str, bool, list[str]]:
    """(url, has a foreign object, unknown argument names)."""
    values, unknown, has_object = {}, [], False
    for arg in sorted(rule.arguments):
        converter = type(rule._converters.get(arg)).__name__
        if arg in ids:
            values[arg], has_object = ids[arg], True
        elif arg in PLAIN:
            values[arg] = PLAIN[arg]
        else:
            unknown.append(arg)
            values[arg] = 987654 if converter == "IntegerConverter" else "unknown"
    with app.test_request_context():
        return url_for(rule.endpoint, **values), has_object, unknown


def leaks(body: str) -> list[str]:
    return [value for value in SECRETS.values() if value in body]


def check(role, rule, method, response, has_object, unknown) -> str | None:
    """A problem in words, or None when the answer is one the matrix allows."""
    status = response.status_code
    access = access_of(rule_view(rule))
    if status == 503 and rule.endpoint == "health.readyz":
        return None  # not ready by design: no worker heartbeat in the tests
    if status >= 500:
        return f"server error {status}"
    if isinstance(access, tuple) and access[0] == "api":
        return None if status in (401, 429) else f"API answered {status} to a session"
    if access == "public":
        return None
    if role == "anonymous":
        location = response.headers.get("Location", "")
        if status == 302 and location.startswith("/account/login"):
            return None
        return f"anonymous got {status} {location}"
    if not admits(access, role):
        return None if status in REFUSED else f"a role the route does not admit got {status}"
    if role in STAFF_ROLES or unknown or not has_object:
        return None
    return None if status in REFUSED else f"a foreign object answered {status}"


def admits(access, role: str) -> bool:
    """Whether the route's declaration lets this role in at all."""
    if access == "public":
        return True
    if role == "anonymous" or not access:
        return False
    if access == "authenticated":
        return True
    return access[0] == "roles" and role_value(role) in access[1]


_views: dict = {}


def rule_view(rule):
    return _views[rule.endpoint]


def test_every_route_refuses_every_other_party(app, foreign, db_session):
    emails = actors()
    _views.update(app.view_functions)
    rules = [
        rule
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in BUILTIN_PUBLIC and not rule.endpoint.endswith(".static")
    ]
    # Logging out ends the session the rest of the walk needs: it goes last.
    rules.sort(key=lambda rule: rule.endpoint == "accounts.logout")
    problems: list[str] = []
    requests = 0
    for role in ROLES:
        limiter.reset()
        client = app.test_client()
        if emails[role]:
            login(client, emails[role], PASSWORD)
        for rule in rules:
            url, has_object, unknown = url_of(app, rule, foreign.ids)
            if unknown:
                UNKNOWN.add((rule.endpoint, ",".join(unknown)))
            methods = [m for m in ("GET", "POST") if m in rule.methods]
            for method in methods:
                with client.open(
                    url, method=method, data={} if method == "POST" else None
                ) as response:
                    body = response.get_data().decode("utf-8", "replace")
                requests += 1
                problem = check(role, rule, method, response, has_object, unknown)
                if problem:
                    problems.append(f"{role:22s} {method:4s} {url} ({rule.endpoint}): {problem}")
                staff_inside = role in STAFF_ROLES and admits(access_of(rule_view(rule)), role)
                if method == "GET" and not staff_inside:
                    found = leaks(body)
                    if found:
                        problems.append(f"{role:22s} GET  {url}: shows {found}")
                db.session.rollback()  # a refused POST may leave nothing behind either way
    if UNKNOWN:
        warnings.warn(
            "authorisation matrix: view arguments without a foreign object, filled with a "
            f"default (add them to Foreign.ids or PLAIN): {sorted(UNKNOWN)}",
            stacklevel=1,
        )
    assert requests > 10 * len(rules)
    assert problems == [], "\n" + "\n".join(problems)


def test_the_matrix_knows_every_view_argument_of_today(app):
    """Not a failure when a new one appears later: this only documents today's map."""
    known = set(PLAIN) | {
        "dossier_id",
        "document_id",
        "mandate_id",
        "employer_id",
        "ticket_id",
        "proof_id",
        "message_id",
        "child_id",
        "referral_id",
        "invitation_id",
        "partner_id",
        "client_id",
        "claim_id",
        "contest_id",
        "request_id",
        "session_id",
        "item_id",
        "filename",
    }
    seen = {arg for rule in app.url_map.iter_rules() for arg in rule.arguments}
    if seen - known:
        warnings.warn(f"unknown view arguments: {sorted(seen - known)}", stacklevel=1)
