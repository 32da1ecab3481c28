"""What else named a person goes when their account or ticket is anonymised.

The audit entries that name no file but hold the person's e-mail address are redacted (the
chain still verifies; other people's entries stay), and requests that wait for an answer
(to join an organisation, a claim to an enterprise number) end, so nobody is left to answer
one from a placeholder address. Both paths: the retention run and the closure of the account.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from portal import audit, clock
from portal.accounts import memberships
from portal.accounts.models import ClaimStatus, MembershipClaim, Organisation, OrgRole, User
from portal.audit import AuditEntry
from portal.extensions import db
from portal.fallback.models import Proof
from portal.privacy import run
from portal.privacy.accounts import PLACEHOLDER_DOMAIN
from tests.factories import (
    DossierFactory,
    EmployerFactory,
    HelpdeskFactory,
    OrganisationFactory,
    UserFactory,
)
from tests.privacy.test_close_account import close
from tests.privacy.test_run import NOW, only
from tests.privacy.test_run_people import SENDER, due_and_younger, ticket
from tests.support import login

GONE = "Gone.Person@example.test"  # mixed case: entries may spell it either way
# Addresses that contain GONE's text but are other people's, and one whose LIKE wildcards
# ("_", "%") would match GONE's if they were not escaped.
NEIGHBOURS = ("jo.gone.person@example.test", "gone.person@example.test.example")


def entry(action: str, detail: str, **extra) -> AuditEntry:
    return audit.record(action, detail=detail, **extra)


def traces(address: str) -> dict[str, AuditEntry]:
    """File-less entries naming `address` as a login failure, a reset, a registration, a
    proof; and one of its file (the file's own anonymisation redacts that one)."""
    return {
        "login": entry("login_failed", address),
        "reset": entry("password_reset_requested", f"to {address.upper()}"),
        "registered": entry("registered", f"<{address.lower()}>, employer"),
        "proof": entry("fallback:proof_issued", f"PRF9 {address}"),
        "file": entry("download", f"sent to {address}", dossier_id=DossierFactory().id),
    }


def holding(address: str) -> list[AuditEntry]:
    return [
        e
        for e in db.session.scalars(select(AuditEntry))
        if e.detail and address.lower() in e.detail.lower()
    ]


def assert_redacted(found: dict[str, AuditEntry], others: list[AuditEntry]) -> None:
    db.session.expire_all()
    for name in ("login", "reset", "registered", "proof"):
        assert found[name].detail is None and found[name].redacted_at is not None, name
        assert found[name].hash and found[name].detail_hash  # the chain keeps its link
    # Left: the file's own entry (redacted with the file) and the neighbours' addresses,
    # which contain GONE's text but are other people's.
    assert {e.id for e in holding(GONE)} == {found["file"].id, *(e.id for e in others[:2])}
    assert all(e.detail and e.redacted_at is None for e in others)
    assert audit.verify().intact


# --- the redaction itself -----------------------------------------------------------------------


# A few addresses are narrowed by the database to the details holding them; a retention
# batch's many to the details holding an "@": both must find the same.
@pytest.mark.parametrize("filler", [0, audit.FEW])
def test_only_whole_addresses_are_redacted_and_wildcards_match_nothing(db_session, filler):
    mine = entry("login_failed", f"to={GONE}.")  # at the end of a sentence: still this one
    others = [entry("login_failed", n) for n in NEIGHBOURS]
    wild = entry("login_failed", "a%b_c@example.test")
    quoted = entry("login_failed", "reset for o'brien@example.test")  # an apostrophe: rarer
    db.session.commit()
    extra = [f"filler{i}@example.test" for i in range(filler)]
    asked = [GONE, "a_b%c@example.test", "O'Brien@example.test", "", "no address", *extra]
    result = audit.redact_mentions(asked)
    db.session.commit()
    assert result == audit.Redaction(redacted=2, legacy=0)
    assert mine.detail is None and quoted.detail is None
    assert wild.detail == "a%b_c@example.test"
    assert [o.detail for o in others] == list(NEIGHBOURS)
    assert audit.verify().intact
    assert audit.redact_mentions([GONE]) == audit.Redaction(0, 0)  # once


def test_entries_sealed_before_commitments_are_counted_and_kept(db_session):
    old = entry("login_failed", GONE)
    db.session.commit()
    # Rebuilt as sealed before commitments existed (as in tests/test_audit_redaction.py).
    old.detail_hash = old.detail_salt = None
    old.hash = audit._digest(old.prev_hash, old)
    db.session.scalar(select(audit.AuditHead)).last_hash = old.hash
    db.session.commit()
    assert audit.redact_mentions([GONE]) == audit.Redaction(redacted=0, legacy=1)
    assert old.detail == GONE and audit.verify().intact


# --- an account: the retention run and the closure -------------------------------------------------


@pytest.fixture
def leaving(db_session):
    """An account (GONE) with file-less traces, a pending request to join, and others' entries."""
    old, _ = due_and_younger("accounts")
    admin = EmployerFactory(email="admin@example.test")  # in use: not due
    found = traces(GONE)
    with clock.frozen(old - timedelta(days=400)):
        gone = UserFactory(email=GONE.lower())  # unused since: due
        others = [entry("login_failed", n) for n in NEIGHBOURS]
        others.append(entry("login_failed", "admin@example.test"))
        db.session.add(
            MembershipClaim(
                organisation_id=admin.organisation_id,
                user_id=gone.id,
                status=ClaimStatus.PENDING,
                expires_at=NOW + timedelta(days=30),
            )
        )
    db.session.commit()
    assert [r.user_id for r in memberships.requests_for(admin).items] == [gone.id]
    return gone, admin, found, others


def assert_no_request_from_a_placeholder(admin: User) -> None:
    db.session.expire_all()
    assert memberships.requests_for(admin).items == []
    for request in db.session.scalars(select(MembershipClaim)):
        assert not request.user.email.endswith(PLACEHOLDER_DOMAIN)
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "membership.withdrawn" in actions


def test_the_retention_run_redacts_the_accounts_traces_and_its_request(leaving):
    gone, admin, found, others = leaving
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("accounts"))
    assert outcome.done == 1 and outcome.unredacted == 0
    assert gone.email.endswith(PLACEHOLDER_DOMAIN)
    assert_redacted(found, others)
    assert_no_request_from_a_placeholder(admin)


def test_closing_the_account_redacts_its_traces_and_its_request(client, leaving):
    gone, admin, found, others = leaving
    login(client, GONE)
    assert close(client).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, gone.id).closed_at is not None
    assert_redacted(found, others)
    assert_no_request_from_a_placeholder(admin)


def test_a_decided_request_stays_as_the_record_of_the_decision(leaving):
    gone, admin, *_ = leaving
    memberships.decide(admin, memberships.pending_request(gone).id, approve=False, reason="x")
    db.session.commit()
    run.run(dry_run=False, now=NOW, entries=only("accounts"))
    db.session.expire_all()
    request = db.session.scalar(select(MembershipClaim).where(MembershipClaim.user_id == gone.id))
    assert request is not None and request.status == ClaimStatus.REJECTED


# --- a pending claim to an enterprise number -----------------------------------------------------


def pending_claimant(**extra) -> User:
    organisation = OrganisationFactory(claim=ClaimStatus.PENDING)
    claimant = EmployerFactory(email=GONE.lower(), organisation=organisation, **extra)
    organisation.claim.claimant_id = claimant.id
    organisation.claim.expires_at = NOW + timedelta(days=30)
    return claimant


def test_the_retention_run_withdraws_a_lone_claimants_pending_claim(db_session):
    old, _ = due_and_younger("accounts")
    with clock.frozen(old - timedelta(days=400)):
        claimant = pending_claimant()
    kbo = claimant.organisation.kbo_number
    db.session.commit()
    run.run(dry_run=False, now=NOW, entries=only("accounts"))
    db.session.expire_all()
    organisation = db.session.get(Organisation, claimant.organisation_id)
    assert organisation.claim.status == ClaimStatus.EXPIRED  # out of the staff's queue
    assert organisation.kbo_number != kbo  # the number is free again
    assert "claim.withdrawn" in db.session.scalars(select(AuditEntry.action)).all()
    assert audit.verify().intact


def test_a_closing_claimant_leaves_the_claim_to_a_colleague_administrator(client, db_session):
    claimant = pending_claimant()
    colleague = EmployerFactory(organisation=claimant.organisation, org_role=OrgRole.ADMIN)
    db.session.commit()
    login(client, GONE)
    assert close(client).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, colleague.id).organisation.claim.status == ClaimStatus.PENDING


# --- a helpdesk ticket --------------------------------------------------------------------------


def test_an_anonymised_ticket_takes_its_addresses_out_of_the_trail(db_session):
    old, _ = due_and_younger("helpdesk_tickets")
    record = ticket(old, "HD-TRC1")
    bound = "bound.elsewhere@example.test"  # a proof may be bound to another address
    db.session.add(
        Proof(
            code="TRC1",
            ticket_id=record.id,
            email=bound,
            expires_on=old.date(),
            issued_by_id=HelpdeskFactory().id,
        )
    )
    issued = entry("fallback:proof_issued", f"TRC1 {SENDER}")
    confirmed = entry("fallback:proof_unregistered_identity_confirmed", f"TRC1 {bound} kbo=1")
    kept = entry("fallback:proof_issued", "TRC2 someone.else@example.test")
    db.session.commit()
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("helpdesk_tickets"))
    assert outcome.done == 1
    db.session.expire_all()
    assert issued.detail is None and confirmed.detail is None
    assert kept.detail == "TRC2 someone.else@example.test"
    assert holding(SENDER) == [] and holding(bound) == []
    assert audit.verify().intact


def test_a_deleted_ticket_takes_its_address_out_of_the_trail_too(db_session):
    old, _ = due_and_younger("helpdesk_tickets")
    ticket(old, "HD-TRC2")
    issued = entry("login_failed", SENDER)
    db.session.commit()
    (outcome,) = run.run(dry_run=False, now=NOW, entries=only("helpdesk_tickets", "delete"))
    assert outcome.done == 1
    db.session.expire_all()
    assert issued.detail is None and holding(SENDER) == []
    assert audit.verify().intact
