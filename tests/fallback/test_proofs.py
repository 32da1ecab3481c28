"""Proof codes: signed, checked without the database, then against it; bound and single-use."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from portal.accounts.models import ForeignEmployer, Role
from portal.audit import AuditEntry
from portal.errors import Invalid
from portal.extensions import db
from portal.fallback import codes, proofs
from portal.fallback.proofs import ProofProblem
from tests.fallback.mail import make_proof
from tests.support import make_organisation, make_user, statements_sent

SECRET = "test-secret-key-of-sufficient-length-000"
DAY = date(2026, 12, 4)


def test_a_code_is_short_readable_and_carries_id_and_expiry():
    code = codes.make(SECRET, 1234, "Jan@Example.be", DAY)
    assert len(code) <= 24 and code.startswith("PRF-")
    assert not set(code) & set("01OILUV")
    parsed = codes.check(SECRET, code, "jan@example.be")
    assert (parsed.proof_id, parsed.expires_on) == (1234, DAY)


@pytest.mark.parametrize("position", [4, 8, 12, 19])
def test_any_changed_character_breaks_the_signature(position):
    code = codes.make(SECRET, 77, "jan@example.be", DAY)
    other = "X" if code[position] != "X" else "Y"
    altered = code[:position] + other + code[position + 1 :]
    assert codes.check(SECRET, altered, "jan@example.be") is None


def test_a_code_is_bound_to_the_address_and_the_key():
    code = codes.make(SECRET, 77, "jan@example.be", DAY)
    assert codes.check(SECRET, code, "piet@example.be") is None
    assert codes.check("another-secret", code, "jan@example.be") is None
    assert codes.check(SECRET, "PRF-2B4-K7M-9XQ4HZRT", "jan@example.be") is None
    assert codes.check(SECRET, "not a code", "jan@example.be") is None


def test_a_code_is_found_in_a_subject_whatever_the_case():
    code = codes.make(SECRET, 5, "a@b.be", DAY)
    assert codes.find(f"RE: Aanvraag {code.lower()} (dringend)") == code
    assert codes.find("Aanvraag zonder code") is None


def test_a_forged_code_is_refused_without_reading_the_database(app, db_session):
    forged = "PRF-2B4-K7M-9XQ4HZRT"
    with statements_sent() as statements:
        assert codes.check(SECRET, forged, "jan@example.be") is None
    assert statements == []


@pytest.fixture
def agent(db_session):
    return make_user("agent@helpdesk.example", Role.HELPDESK)


def test_issue_binds_address_party_and_validity_and_is_audited(app, db_session, agent):
    organisation = make_organisation(name="Bouw NV")
    proof = make_proof(agent, "Jan@Bouw.be", organisation=organisation, days=5, today=DAY)
    assert proof.email == "jan@bouw.be" and proof.organisation_id == organisation.id
    assert proof.expires_on == DAY + timedelta(days=4)
    assert codes.check(app.config["SECRET_KEY"], proof.code, "jan@bouw.be").proof_id == proof.id
    assert proof.party_name == "Bouw NV"
    actions = [e.action for e in db.session.scalars(db.select(AuditEntry))]
    assert "fallback:proof_issued" in actions


def test_verify_checks_the_database_after_the_signature(app, db_session, agent):
    proof = make_proof(agent, "jan@bouw.be", today=DAY)
    assert proofs.verify(proof.code, "jan@bouw.be", DAY).proof == proof
    assert proofs.verify(proof.code, "JAN@bouw.be", DAY).proof == proof
    assert proofs.verify(None, "jan@bouw.be", DAY).problem == ProofProblem.MISSING
    assert proofs.verify(proof.code, "piet@bouw.be", DAY).problem == ProofProblem.SENDER
    late = proof.expires_on + timedelta(days=1)
    assert proofs.verify(proof.code, "jan@bouw.be", late).problem == ProofProblem.EXPIRED
    assert proofs.verify(proof.code, "jan@bouw.be", proof.expires_on).proof == proof
    # A genuine signature for a proof that is not in this database: refused.
    ghost = codes.make(app.config["SECRET_KEY"], proof.id + 999, "jan@bouw.be", DAY)
    assert proofs.verify(ghost, "jan@bouw.be", DAY).problem == ProofProblem.INVALID
    proofs.revoke(agent, proof.id)
    assert proofs.verify(proof.code, "jan@bouw.be", DAY).problem == ProofProblem.REVOKED


def test_a_proof_is_used_once(app, db_session, agent):
    from tests.factories import QueuedDossierFactory

    proof = make_proof(agent, "jan@bouw.be", today=DAY)
    owner = make_user("owner@bouw.be")
    first, second = QueuedDossierFactory(owner=owner), QueuedDossierFactory(owner=owner)
    assert proofs.consume(proof, first, None) is True
    assert proofs.consume(proof, second, None) is False
    assert proof.dossier_id == first.id
    assert proofs.verify(proof.code, "jan@bouw.be", DAY).problem == ProofProblem.USED
    with app.test_request_context(), pytest.raises(Invalid):
        proofs.revoke(agent, proof.id)


def test_a_proof_needs_a_registered_party(app, db_session, agent):
    from portal.accounts.models import Mandatary, MandataryKind
    from tests.support import new_kbo

    request = app.test_request_context()
    request.push()
    with pytest.raises(Invalid) as error:
        proofs.resolve_party("0403.170.702", None)
    assert "kbo" in error.value.errors
    with pytest.raises(Invalid):
        proofs.resolve_party(new_kbo(), None)  # valid, but nobody registered it
    mandatary = Mandatary(
        kind=MandataryKind.COMPANY,
        name="Mandates BV",
        kbo_number=new_kbo(),
        street="Meir 1",
        postal_code="2000",
        municipality_refnis="11002",
    )
    db.session.add_all(
        [
            mandatary,
            ForeignEmployer(
                mandatary=mandatary, name="Bau GmbH", country="DE", registration_number="HRB 1"
            ),
            ForeignEmployer(
                mandatary=mandatary, name="Polbud", country="PL", registration_number="KRS 9"
            ),
        ]
    )
    db.session.flush()
    with pytest.raises(Invalid) as error:
        proofs.resolve_party(mandatary.kbo_number, None)
    assert "foreign_registration" in error.value.errors
    party = proofs.resolve_party(mandatary.kbo_number, " krs 9 ")
    assert (party.mandatary, party.foreign_employer.name) == (mandatary, "Polbud")
    request.pop()


def test_only_agents_issue_proofs(app, db_session):
    from portal.errors import NotAllowed

    employer = make_user("boss@bouw.be")
    with pytest.raises(NotAllowed):
        proofs.issue(employer, 1, email="a@b.be", kbo="0403170701")


def test_demo_data_has_a_ticket_with_a_working_proof(app, db_session):
    from portal import demo
    from portal.fallback import demo as fallback_demo

    demo.load()
    code = fallback_demo.load()
    verdict = proofs.verify(code, "employer@demo.example", date.today())
    assert verdict.problem is None and verdict.proof.ticket.number.startswith("HD-")
    assert fallback_demo.load() is None
