"""The helpdesk pages: report a problem, the ticket, the agents' desk, proofs, quarantine."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.dossiers.models import Channel, Dossier, DossierStatus
from portal.extensions import db
from portal.fallback import runner
from portal.fallback.models import EntryKind, HelpdeskTicket, IntakeMessage, Outcome, Proof, Review
from portal.fallback.sources import MaildirSource
from portal.i18n import LANGUAGES
from tests.applications_support import PNG
from tests.fallback.mail import deliver, load, make_proof
from tests.support import (
    check_page,
    error_summary,
    field_error,
    link_in,
    login,
    make_organisation,
    make_user,
    statements_of,
    text_of,
)

REPORT = {
    "name": "Jan Peeters",
    "email": "jan.peeters@bouwbedrijf-peeters.be",
    "organisation_name": "Bouwbedrijf Peeters NV",
    "organisation_kbo": "",
    "tried": "Submit the application for a welder.",
    "error_text": "Error 500 when I press Submit on the check-answers page.",
}


def report(client, lang: str = "en", **changes):
    data = {**REPORT, **changes}
    return client.post(f"/helpdesk/new?lang={lang}", data=data, content_type="multipart/form-data")


def ticket_of(email: str = REPORT["email"]) -> HelpdeskTicket:
    return db.session.scalar(
        select(HelpdeskTicket)
        .where(HelpdeskTicket.requester_email == email)
        .order_by(HelpdeskTicket.id.desc())
    )


@pytest.fixture
def agent(db_session):
    return make_user("agent@helpdesk.example", Role.HELPDESK)


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_anyone_reports_a_problem_and_gets_a_ticket_number(client, mailbox, lang):
    soup = check_page(client.get(f"/helpdesk/new?lang={lang}").get_data(as_text=True))
    assert soup.find("form", enctype="multipart/form-data")
    organisation = make_organisation(name="Bouwbedrijf Peeters NV")
    screenshot = (io.BytesIO(PNG), "error 500.png")
    response = report(client, lang, organisation_kbo=organisation.kbo_number, screenshot=screenshot)
    assert response.status_code == 302
    ticket = ticket_of()
    assert re.fullmatch(r"HD-\d{4}-[2-9A-Z]{6}", ticket.number)
    assert (ticket.locale, ticket.organisation_kbo, ticket.user_id) == (
        lang,
        organisation.kbo_number,
        None,
    )
    assert ticket.screenshot_name == "error 500.png" and ticket.screenshot_mime == "image/png"
    assert response.headers["Location"] == f"/helpdesk/tickets/{ticket.access_token}"
    page = check_page(client.get(response.headers["Location"]).get_data(as_text=True))
    assert ticket.number in page.h1.get_text()
    assert page.html["lang"] == lang
    message = mailbox.last_to(REPORT["email"])
    assert ticket.number in message["Subject"]
    assert link_in(message, "/helpdesk/tickets/") == f"/helpdesk/tickets/{ticket.access_token}"
    assert message["Content-Language"] == lang


def test_the_report_form_explains_its_errors(client):
    response = report(client, name="", error_text="", organisation_kbo="0403.170.702")
    soup = check_page(response.get_data(as_text=True))
    assert response.status_code == 200
    assert len(error_summary(soup)) == 3
    assert field_error(soup, "organisation_kbo")
    response = report(client, screenshot=(io.BytesIO(b"MZ\x90\x00 not a picture"), "virus.exe"))
    assert "must be a PNG, JPEG, PDF file" in field_error(
        check_page(response.get_data(as_text=True)), "screenshot"
    )
    assert ticket_of() is None


def test_a_logged_in_user_finds_the_form_filled_in(client, db_session):
    user = make_user("eva@bouw.be")
    login(client, user.email)
    soup = check_page(client.get("/helpdesk/new?lang=en").get_data(as_text=True))
    assert soup.find(id="email")["value"] == "eva@bouw.be"
    assert soup.find(id="organisation_kbo")["value"] == user.organisation.kbo_number
    report(client, email="eva@bouw.be")
    assert ticket_of("eva@bouw.be").user_id == user.id


def test_a_wrong_ticket_link_is_not_found(client):
    assert client.get("/helpdesk/tickets/not-a-real-token").status_code == 404


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_desk_answers_notes_and_resolves(client, mailbox, agent, lang):
    report(client, "en")
    ticket = ticket_of()
    login(client, agent.email)
    soup = check_page(client.get(f"/helpdesk/desk?lang={lang}").get_data(as_text=True))
    assert soup.find("a", string=ticket.number)
    page = client.get(f"/helpdesk/desk/tickets/{ticket.id}?lang={lang}")
    check_page(page.get_data(as_text=True))

    response = client.post(
        f"/helpdesk/desk/tickets/{ticket.id}/reply",
        data={"reply-body": "Clear your cache and try again, please."},
    )
    assert response.status_code == 302
    assert ticket.status.value == "answered"
    answer = mailbox.last_to(REPORT["email"])
    assert ticket.number in answer["Subject"] and "Clear your cache" in text_of(answer)
    sent = len(mailbox.to(REPORT["email"]))

    client.post(
        f"/helpdesk/desk/tickets/{ticket.id}/note",
        data={"note-body": "Known bug BUG-1234, fix on Friday."},
    )
    assert len(mailbox.to(REPORT["email"])) == sent  # a note is never sent
    assert [e.kind for e in ticket.entries] == [EntryKind.REPLY, EntryKind.NOTE]

    client.post(f"/helpdesk/desk/tickets/{ticket.id}/resolve", data={"resolve-body": ""})
    assert ticket.status.value == "resolved" and ticket.resolved_by_id == agent.id
    assert len(mailbox.to(REPORT["email"])) == sent + 1
    check_page(client.get(f"/helpdesk/desk/tickets/{ticket.id}?lang={lang}").get_data(as_text=True))

    # The requester sees the answer but never the note; writing back reopens the ticket.
    client.post("/account/logout")
    public = client.get(f"/helpdesk/tickets/{ticket.access_token}?lang={lang}").get_data(
        as_text=True
    )
    check_page(public)
    assert "Clear your cache" in public and "BUG-1234" not in public
    client.post(f"/helpdesk/tickets/{ticket.access_token}", data={"body": "Still broken."})
    assert ticket.status.value == "open"


def test_an_empty_answer_is_refused_on_the_page(client, agent):
    report(client)
    ticket = ticket_of()
    login(client, agent.email)
    response = client.post(
        f"/helpdesk/desk/tickets/{ticket.id}/reply?lang=en", data={"reply-body": ""}
    )
    assert response.status_code == 400
    soup = check_page(response.get_data(as_text=True))
    assert field_error(soup, "reply-body")


def test_other_roles_cannot_use_the_desk(client, db_session):
    employer = make_user("eva@bouw.be")
    login(client, employer.email)
    assert client.get("/helpdesk/desk").status_code == 403
    assert client.get("/helpdesk/desk/intake").status_code == 403


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_an_agent_issues_a_proof_that_is_mailed_with_instructions(
    app, client, mailbox, agent, lang
):
    organisation = make_organisation(name="Bouwbedrijf Peeters NV")
    report(client, lang, organisation_kbo=organisation.kbo_number)
    ticket = ticket_of()
    login(client, agent.email)
    soup = check_page(
        client.get(f"/helpdesk/desk/tickets/{ticket.id}?lang={lang}").get_data(as_text=True)
    )
    assert soup.find(id="proof-kbo")["value"] == organisation.kbo_number

    data = {"proof-email": REPORT["email"], "proof-kbo": organisation.kbo_number, "proof-days": "5"}
    refused = client.post(f"/helpdesk/desk/tickets/{ticket.id}/proof?lang={lang}", data=data)
    assert refused.status_code == 400 and field_error(
        check_page(refused.get_data(as_text=True)), "proof-confirm"
    )
    response = client.post(
        f"/helpdesk/desk/tickets/{ticket.id}/proof", data={**data, "proof-confirm": "y"}
    )
    assert response.status_code == 302

    proof = db.session.scalar(select(Proof).where(Proof.ticket_id == ticket.id))
    assert proof.organisation_id == organisation.id and proof.email == REPORT["email"]
    message = mailbox.last_to(REPORT["email"])
    assert proof.code in message["Subject"]
    body = text_of(message)
    assert app.config["INTAKE_ADDRESS"] in body and proof.code in body
    assert "/helpdesk/drafts" in body
    assert message["Content-Language"] == lang
    # The ticket and the proofs page show it, to the agent and the requester.
    proofs_page = check_page(
        client.get(f"/helpdesk/desk/proofs?lang={lang}").get_data(as_text=True)
    )
    assert proof.code in proofs_page.get_text()
    client.post("/account/logout")
    public = client.get(f"/helpdesk/tickets/{ticket.access_token}?lang={lang}").get_data(
        as_text=True
    )
    assert proof.code in public


def test_a_proof_for_an_unregistered_enterprise_needs_the_identity_check(client, agent):
    from tests.support import new_kbo

    report(client)
    ticket = ticket_of()
    login(client, agent.email)
    data = {
        "proof-email": REPORT["email"],
        "proof-kbo": new_kbo(),
        "proof-days": "5",
        "proof-confirm": "y",
    }
    response = client.post(f"/helpdesk/desk/tickets/{ticket.id}/proof?lang=en", data=data)
    assert response.status_code == 400
    error = field_error(check_page(response.get_data(as_text=True)), "proof-identity_confirmed")
    assert "registered" in error
    assert db.session.scalar(select(Proof)) is None


def test_agents_see_which_proofs_were_used_and_can_revoke_the_others(app, client, agent, tmp_path):
    used = make_proof(agent, "jan.peeters@bouwbedrijf-peeters.be")
    unused = make_proof(agent, "other@example.be")
    maildir = tmp_path / "Maildir"
    deliver(maildir, load("outlook_winmail", CODE=used.code), "1.used")
    runner.poll(MaildirSource(maildir), deliver=False)
    login(client, agent.email)
    page = check_page(client.get("/helpdesk/desk/proofs?state=used&lang=en").get_data(as_text=True))
    text = page.get_text(" ", strip=True)
    assert used.code in text and used.dossier.reference in text and unused.code not in text
    client.post(f"/helpdesk/desk/proofs/{unused.id}/revoke")
    assert unused.revoked_at is not None
    client.post(f"/helpdesk/desk/proofs/{used.id}/revoke")
    assert used.revoked_at is None


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_quarantine_pages_and_turning_a_message_into_a_file(
    app, client, mailbox, agent, tmp_path, lang
):
    proof = make_proof(agent, "jan.peeters@bouwbedrijf-peeters.be")
    maildir = tmp_path / "Maildir"
    # The sender forgot the code: rejected, quarantined.
    data = load("outlook_winmail", CODE="").replace(
        b"Aanvraag gecombineerde vergunning ", b"Aanvraag"
    )
    deliver(maildir, data, "1.quarantine")
    deliver(maildir, load("h_auto_reply"), "2.quarantine")
    runner.poll(MaildirSource(maildir), deliver=False)
    record, automatic = db.session.scalars(select(IntakeMessage).order_by(IntakeMessage.id)).all()
    assert record.reason == "no_proof" and record.in_quarantine
    login(client, agent.email)
    listing = check_page(client.get(f"/helpdesk/desk/intake?lang={lang}").get_data(as_text=True))
    assert len(listing.select("tbody tr")) == 2
    check_page(client.get(f"/helpdesk/desk/intake?state=all&lang={lang}").get_data(as_text=True))
    page = check_page(
        client.get(f"/helpdesk/desk/intake/{record.id}?lang={lang}").get_data(as_text=True)
    )
    assert "Paspoort Oğuz Yılmaz.pdf" in page.get_text()
    raw = client.get(f"/helpdesk/desk/intake/{record.id}/raw")
    assert raw.data.startswith(b"Return-Path:") and raw.headers["Content-Disposition"].startswith(
        "attachment"
    )

    # A reason is required; without a proof, so is the enterprise number.
    response = client.post(
        f"/helpdesk/desk/intake/{record.id}?lang={lang}", data={"decision": "convert", "reason": ""}
    )
    assert response.status_code == 400
    response = client.post(
        f"/helpdesk/desk/intake/{record.id}?lang=en",
        data={"decision": "convert", "reason": "Proof PRF given by phone"},
    )
    assert response.status_code == 400
    assert field_error(check_page(response.get_data(as_text=True)), "kbo")
    response = client.post(
        f"/helpdesk/desk/intake/{record.id}",
        data={
            "decision": "convert",
            "reason": "Ticket shows the proof; code forgotten",
            "kbo": proof.organisation.kbo_number,
        },
    )
    assert response.status_code == 302
    dossier = record.dossier
    assert (record.review, record.reviewed_by_id, record.in_quarantine) == (
        Review.CONVERTED,
        agent.id,
        False,
    )
    assert dossier.channel == Channel.EMAIL and dossier.status == DossierStatus.SUBMITTED
    assert [d.file_name for d in dossier.documents] == [
        "Aanvraagformulier gecombineerde vergunning.pdf",
        "Paspoort Oğuz Yılmaz.pdf",
    ]
    assert any(
        e.action == "fallback:quarantine_converted" and e.dossier_id == dossier.id
        for e in db.session.scalars(select(AuditEntry))
    )
    assert any(
        dossier.reference in m["Subject"] for m in mailbox.to("jan.peeters@bouwbedrijf-peeters.be")
    )
    check_page(client.get(f"/helpdesk/desk/intake/{record.id}?lang={lang}").get_data(as_text=True))

    response = client.post(
        f"/helpdesk/desk/intake/{automatic.id}",
        data={"decision": "dismiss", "reason": "Out-of-office reply"},
    )
    assert response.status_code == 302 and automatic.review == Review.DISMISSED
    assert automatic.dossier_id is None


def test_a_draft_becomes_an_application_form_pdf(client, db_session):
    from tests.applications_support import start

    user = make_user("eva@bouw.be")
    login(client, user.email)
    dossier = start(client)
    page = check_page(client.get("/helpdesk/drafts?lang=fr").get_data(as_text=True))
    link = page.find("a", href=f"/helpdesk/drafts/{dossier.id}/form.pdf")
    assert link is not None
    response = client.get(f"/helpdesk/drafts/{dossier.id}/form.pdf?lang=en")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    assert "Single-permit application form" in text and user.organisation.name in text
    other = make_user("someone@else.be")
    client.post("/account/logout")
    login(client, other.email)
    assert client.get(f"/helpdesk/drafts/{dossier.id}/form.pdf").status_code == 404


def test_journey_ticket_proof_email_officer(app, client, mailbox, agent, tmp_path, monkeypatch):
    """Ticket → the agent issues a proof → the e-mail sent with it is accepted → the officer sees it."""
    organisation = make_organisation(name="Transports Dubois SA")
    requester = "sophie.dubois@transports-dubois.be"
    report(client, "fr", email=requester, organisation_kbo=organisation.kbo_number)
    ticket = ticket_of(requester)
    login(client, agent.email)
    client.post(
        f"/helpdesk/desk/tickets/{ticket.id}/proof",
        data={
            "proof-email": requester,
            "proof-kbo": organisation.kbo_number,
            "proof-days": "3",
            "proof-confirm": "y",
        },
    )
    proof_mail = mailbox.last_to(requester)
    code = re.search(r"PRF-[2-9A-Z-]+", proof_mail["Subject"]).group(0)
    client.post("/account/logout")

    maildir = tmp_path / "Maildir"
    deliver(maildir, load("thunderbird_rfc2231", CODE=code), "1796200.M1P1.mx1")
    monkeypatch.setattr(db.session, "remove", lambda: None)
    result = app.test_cli_runner().invoke(args=["intake", "poll", "--maildir", str(maildir)])
    assert "accepted 1" in result.output, result.output
    dossier = db.session.scalar(select(Dossier).where(Dossier.channel == Channel.EMAIL))
    acknowledgement = mailbox.last_to(requester)
    assert dossier.reference in acknowledgement["Subject"]
    assert acknowledgement["Content-Language"] == "fr"

    officer = make_user("olivia@officer.example", Role.OFFICER)
    login(client, officer.email)
    queue = check_page(
        client.get("/backoffice/dossiers?channel=email&lang=en").get_data(as_text=True)
    )
    assert queue.find("a", string=dossier.reference)
    page = check_page(
        client.get(f"/backoffice/dossiers/{dossier.id}?lang=en").get_data(as_text=True)
    )
    text = page.get_text(" ", strip=True)
    assert "Formulaire de demande signé.pdf" in text
    # The helpdesk sees that the proof was used, for which file.
    client.post("/account/logout")
    login(client, agent.email)
    proofs_page = client.get("/helpdesk/desk/proofs?state=used").get_data(as_text=True)
    assert code in proofs_page and dossier.reference in proofs_page
    assert db.session.scalar(select(IntakeMessage.outcome)) == Outcome.ACCEPTED


def test_the_desk_counts_and_filters(client, agent):
    report(client)
    report(client, email="second@example.be")
    login(client, agent.email)
    soup = check_page(client.get("/helpdesk/desk?state=resolved&lang=en").get_data(as_text=True))
    assert not soup.select("tbody tr")
    soup = check_page(client.get("/helpdesk/desk?state=bogus&lang=en").get_data(as_text=True))
    assert len(soup.select("tbody tr")) == 2


def email_file(agent, tmp_path) -> Dossier:
    proof = make_proof(agent, "sophie.dubois@transports-dubois.be")
    maildir = tmp_path / "Maildir"
    deliver(maildir, load("thunderbird_rfc2231", CODE=proof.code), "1.complete")
    runner.poll(MaildirSource(maildir), deliver=False)
    return proof.dossier


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_an_officer_completes_an_email_file_from_its_attachments(client, agent, tmp_path, lang):
    from tests.applications_support import WORKER, job

    dossier = email_file(agent, tmp_path)
    assert dossier.worker_name == "" and dossier.category is None
    first_deadline = dossier.deadline_on
    officer = make_user("olivia@officer.example", Role.OFFICER)
    login(client, officer.email)
    page = check_page(
        client.get(f"/backoffice/email-files/{dossier.id}?lang={lang}").get_data(as_text=True)
    )
    assert page.find("a", href=f"/backoffice/email-files/{dossier.id}/worker")
    for section in ("worker", "category", "job"):
        check_page(
            client.get(f"/backoffice/email-files/{dossier.id}/{section}?lang={lang}").get_data(
                as_text=True
            )
        )

    response = client.post(f"/backoffice/email-files/{dossier.id}/worker", data=WORKER)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    assert dossier.worker_name == "Priya Sharma"
    client.post(
        f"/backoffice/email-files/{dossier.id}/category", data={"category": "seasonal_worker"}
    )
    assert dossier.category == "seasonal_worker"
    assert (
        dossier.deadline_on < first_deadline
    )  # 90 days instead of 120, once the category is known
    response = client.post(
        f"/backoffice/email-files/{dossier.id}/job?lang=en", data=job(workplace_postal_code="0000")
    )
    assert response.status_code == 200
    assert field_error(check_page(response.get_data(as_text=True)), "workplace_postal_code")
    actions = [
        e.action
        for e in db.session.scalars(select(AuditEntry).where(AuditEntry.dossier_id == dossier.id))
    ]
    assert actions.count("fallback:data_completed") == 2
    assert dossier.status == DossierStatus.SUBMITTED and dossier.channel == Channel.EMAIL


def test_only_email_files_and_only_officers(client, agent, tmp_path):
    from tests.factories import QueuedDossierFactory

    dossier = email_file(agent, tmp_path)
    online = QueuedDossierFactory(owner=make_user("eva@bouw.be"))
    employer = make_user("boss@bouw.be")
    login(client, employer.email)
    assert client.get(f"/backoffice/email-files/{dossier.id}").status_code == 403
    client.post("/account/logout")
    login(client, make_user("olivia@officer.example", Role.OFFICER).email)
    assert client.get(f"/backoffice/email-files/{online.id}").status_code == 404
    from portal.dossiers.lifecycle import status

    status.change(dossier, DossierStatus.WORK_REFUSED, None, "Incomplete")
    from tests.applications_support import WORKER

    response = client.post(f"/backoffice/email-files/{dossier.id}/worker?lang=en", data=WORKER)
    assert response.status_code == 200
    assert error_summary(check_page(response.get_data(as_text=True))) == [
        "A decided file can no longer be changed."
    ]
    assert dossier.worker_first_name is None
    page = check_page(
        client.get(f"/backoffice/email-files/{dossier.id}?lang=en").get_data(as_text=True)
    )
    assert not page.find("a", href=f"/backoffice/email-files/{dossier.id}/worker")


# The desk's proofs and intake messages, a page at a time -------------------------------


def _messages(count: int, dossier: Dossier | None = None) -> list[IntakeMessage]:
    from tests.factories import IntakeMessageFactory

    made = IntakeMessageFactory.create_batch(count, dossier_id=dossier.id if dossier else None)
    db.session.commit()
    return made


def test_the_intake_comes_a_page_at_a_time_newest_first(client, agent, monkeypatch):
    from portal import paging
    from tests.factories import DossierFactory

    # The ids as made: `statements_of` leaves the messages detached from the session.
    first = [message.id for message in _messages(3)]
    login(client, agent.email)
    few, _html = statements_of(client, "/helpdesk/desk/intake?lang=en")
    _messages(60, DossierFactory(submitted=True))  # each row names its file
    many, html = statements_of(client, "/helpdesk/desk/intake?lang=en")
    assert len(many) == len(few)  # the files are joined in, not read a row at a time
    soup = check_page(html)
    assert len(soup.select("tbody tr")) == paging.PER_PAGE
    monkeypatch.setattr(paging, "PER_PAGE", 2)
    soup = check_page(client.get("/helpdesk/desk/intake?lang=en").get_data(as_text=True))
    later = soup.select_one("nav.pagination a[rel=next]")["href"]
    # Walk every page: each message once, newest first, nothing left out.
    seen = []
    url = "/helpdesk/desk/intake?lang=en"
    for _page in range(40):  # 32 pages of two, and never for ever
        if not url:
            break
        soup = check_page(client.get(url).get_data(as_text=True))
        seen += [a["href"] for a in soup.select("tbody a[href^='/helpdesk/desk/intake/']")]
        found = soup.select_one("nav.pagination a[rel=next]")
        url = found["href"] + "&lang=en" if found else None
    ids = [int(href.rsplit("/", 1)[1]) for href in seen]
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids)) == 63
    assert ids[-3:] == first[::-1]
    assert "state=quarantine" in later and "before=" in later


def test_the_proofs_come_a_page_at_a_time_newest_first(client, agent, monkeypatch):
    from portal import paging
    from tests.factories import proof

    # The codes as issued: `statements_of` leaves the proofs detached from the session.
    made = [proof(agent, f"jan{n}@example.be").code for n in range(3)]
    db.session.commit()
    login(client, agent.email)
    few, _html = statements_of(client, "/helpdesk/desk/proofs?lang=en")
    made += [proof(agent, f"piet{n}@example.be").code for n in range(4)]
    db.session.commit()
    many, _html = statements_of(client, "/helpdesk/desk/proofs?lang=en")
    assert len(many) == len(few)  # each row's ticket, issuer and file joined in
    monkeypatch.setattr(paging, "PER_PAGE", 3)
    codes, url = [], "/helpdesk/desk/proofs?lang=en"
    for _page in range(10):  # 3 pages of three, and never for ever
        if not url:
            break
        soup = check_page(client.get(url).get_data(as_text=True))
        codes += [row.select_one("td").get_text(strip=True) for row in soup.select("tbody tr")]
        found = soup.select_one("nav.pagination a[rel=next]")
        url = found["href"] + "&lang=en" if found else None
    assert codes == made[::-1]


@pytest.mark.parametrize("path", ["/helpdesk/desk/proofs", "/helpdesk/desk/intake"])
@pytest.mark.parametrize(
    "cursor",
    ["abc", "-1", "0", "01", str(10**30), "1 OR 1=1", "%00", "\x00", "1\r\n2", "9" * 100_000],
)
def test_a_desk_cursor_that_cannot_be_an_id_is_refused(client, agent, path, cursor):
    login(client, agent.email)
    response = client.get(path, query_string={"before": cursor, "lang": "en"})
    assert response.status_code == 400
