"""The e-mail fallback for a reporter whose organisation is not registered (issue 12).

A proof bound to the e-mail address and a checksum-valid KBO number, issued only after
the agent confirms the requester's identity (audited); the intake files it for that
number; an officer completes and decides the file without an organisation.
"""

from __future__ import annotations

from datetime import date

import pytest
from flask import g
from sqlalchemy import select

from portal.accounts.models import ClaimStatus, Organisation, Role
from portal.audit import AuditEntry
from portal.dossiers.lifecycle import handling
from portal.dossiers.models import DossierStatus
from portal.errors import Invalid
from portal.extensions import db
from portal.fallback import completion, proofs, runner, tickets
from portal.fallback.models import Outcome
from portal.fallback.sources import MaildirSource
from tests.fallback.mail import deliver, load
from tests.support import make_organisation, make_user, new_kbo

DAY = date(2026, 12, 4)
SENDER = "sophie.dubois@transports-dubois.be"


@pytest.fixture
def agent(db_session):
    return make_user("agent@helpdesk.example", Role.HELPDESK)


def ticket_for(email: str, kbo: str | None):
    return tickets.open_ticket(
        None,
        name="Sophie Dubois",
        email=email,
        organisation_name="Transports Dubois",
        organisation_kbo=kbo,
        tried="Register the company",
        error_text="The registration page shows error 500",
        locale="fr",
    )


def issue_unregistered(agent, kbo: str, email: str = SENDER, today=DAY, **kwargs):
    ticket = ticket_for(email, None)
    return proofs.issue(agent, ticket.id, email=email, kbo=kbo, today=today, **kwargs)


def actions() -> list[str]:
    return [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]


def test_an_unregistered_number_needs_the_agents_identity_confirmation(app, db_session, agent):
    kbo = new_kbo()
    with app.test_request_context("/?lang=en"), pytest.raises(Invalid) as refused:
        issue_unregistered(agent, kbo)
    assert "identity_confirmed" in refused.value.errors
    assert "fallback:proof_issued" not in actions()

    proof = issue_unregistered(agent, kbo, identity_confirmed=True)
    assert (proof.email, proof.kbo_number, proof.organisation_id) == (SENDER, kbo, None)
    assert proof.party_name == f"{kbo[:4]}.{kbo[4:7]}.{kbo[7:]}"
    assert "fallback:proof_unregistered_identity_confirmed" in actions()
    entry = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "fallback:proof_unregistered_identity_confirmed"
        )
    )
    assert entry.actor_id == agent.id and kbo in entry.detail
    # No organisation record was made: the number stays free for its real owner.
    assert db.session.scalar(select(Organisation).where(Organisation.kbo_number == kbo)) is None


def test_an_invalid_number_is_refused_even_when_confirmed(app, db_session, agent):
    kbo = new_kbo()
    broken = kbo[:-1] + str((int(kbo[-1]) + 1) % 10)
    with app.test_request_context("/?lang=en"), pytest.raises(Invalid) as refused:
        issue_unregistered(agent, broken, identity_confirmed=True)
    assert "kbo" in refused.value.errors


def test_a_registered_but_unproven_organisation_still_gets_no_proof(app, db_session, agent):
    pending = make_organisation(claim=ClaimStatus.PENDING)
    with app.test_request_context("/?lang=en"), pytest.raises(Invalid, match="not yet proven"):
        issue_unregistered(agent, pending.kbo_number, identity_confirmed=True)


def test_the_intake_files_the_message_for_the_number_and_an_officer_decides_it(
    app, db_session, agent, tmp_path
):
    kbo = new_kbo()
    proof = issue_unregistered(agent, kbo, today=None, identity_confirmed=True)
    maildir = tmp_path / "Maildir"
    deliver(maildir, load("thunderbird_rfc2231", CODE=proof.code), "1.unregistered")
    g.pop("outbox_queued", None)
    report = runner.poll(MaildirSource(maildir), deliver=False)
    assert report.outcomes[Outcome.ACCEPTED] == 1, report.summary()
    dossier = proof.dossier
    assert dossier.employer_kbo == kbo and dossier.organisation_id is None
    assert dossier.status == DossierStatus.SUBMITTED

    officer = make_user("olivia@officer.example", Role.OFFICER)
    from tests.applications_support import WORKER

    with app.test_request_context("/?lang=en"):
        from werkzeug.datastructures import MultiDict

        from portal.dossiers.wizard.forms import WorkerForm, fill_choices, section_data

        form = WorkerForm(formdata=MultiDict(WORKER), meta={"csrf": False})
        fill_choices(form, "en")
        assert form.validate(), form.errors
        completion.complete(officer, dossier, "worker", section_data(form))
        completion.complete(officer, dossier, "category", {"category": "seasonal_worker"})
        from portal.dossiers.contents import summary

        employer = dict(summary.rows(dossier, "en")[0][2])
        assert employer["Enterprise number"] == f"{kbo[:4]}.{kbo[4:7]}.{kbo[7:]}"
        handling.claim(officer, dossier)
        handling.decide(officer, dossier, outcome="authorised")
    assert dossier.status == DossierStatus.FORWARDED
    assert dossier.worker_name == "Priya Sharma"


def test_the_desk_form_asks_for_the_confirmation(client, agent):
    from tests.support import check_page, field_error, login

    kbo = new_kbo()
    ticket = ticket_for(SENDER, kbo)
    db.session.flush()
    login(client, agent.email)
    data = {
        "proof-email": SENDER,
        "proof-kbo": kbo,
        "proof-days": "5",
        "proof-confirm": "y",
    }
    response = client.post(f"/helpdesk/desk/tickets/{ticket.id}/proof?lang=en", data=data)
    assert response.status_code == 400
    assert field_error(check_page(response.get_data(as_text=True)), "proof-identity_confirmed")
    response = client.post(
        f"/helpdesk/desk/tickets/{ticket.id}/proof?lang=en",
        data={**data, "proof-identity_confirmed": "y"},
    )
    assert response.status_code == 302
    assert ticket.proofs[0].kbo_number == kbo
