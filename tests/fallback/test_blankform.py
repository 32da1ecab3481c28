"""The blank application form: a fillable PDF in four languages that the intake reads.

The tests fill the PDF's fields with pypdf, as a PDF reader would, send it through the
intake as an e-mail with a proof, and look at the file it made; hostile values are
refused (and audited), never a crash.
"""

from __future__ import annotations

import io
import os
import threading
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import g
from pypdf import PdfReader, PdfWriter
from sqlalchemy import select

from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.dossiers.models import DossierStatus
from portal.extensions import db
from portal.fallback import blankform, proofs, runner, tickets
from portal.fallback.models import Outcome
from portal.fallback.sources import MaildirSource
from portal.i18n import LANGUAGES
from tests.fallback.mail import deliver
from tests.support import make_user, new_kbo

SENDER = "amina.benali@atelier-benali.be"
START = (date.today() + timedelta(days=60)).strftime("%d/%m/%Y")
GOOD = {
    "employer_name": "Atelier Benali BV",
    "worker_first_name": "Priya",
    "worker_last_name": "Sharma",
    "worker_birth_date": "12/04/1990",
    "worker_nationality": "IN",
    "worker_passport": "Z1234567",
    "worker_residence_country": "IN",
    "worker_diplomatic_post": "Belgian Embassy in New Delhi",
    "worker_email": "priya@example.in",
    "category": "seasonal_worker",
    "isco_code": "2512",
    "annual_salary": "61.234,50",
    "start_date": START,
    "duration_months": "6",
    "workplace_street": "Kouter 1",
    "workplace_postal_code": "9000",
    "doc_passport": "/Yes",
}


@pytest.fixture
def agent(db_session):
    return make_user("agent@helpdesk.example", Role.HELPDESK)


def fill(pdf: bytes, values: dict[str, str]) -> bytes:
    """Fill our form's fields as a PDF reader would."""
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.set_need_appearances_writer(True)
    named = {f"spp_{name}": value for name, value in values.items()}
    for page in writer.pages:
        writer.update_page_form_field_values(page, named, auto_regenerate=False)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def message(code: str, pdf: bytes, unique: str, sender: str = SENDER) -> bytes:
    mail = EmailMessage()
    mail["From"] = f"Amina Benali <{sender}>"
    mail["To"] = "intake@portal.example"
    mail["Subject"] = f"Aanvraag {code}"
    mail["Message-ID"] = f"<{unique}@atelier-benali.be>"
    mail.set_content("Beste, in bijlage het aanvraagformulier. Met vriendelijke groeten")
    mail.add_attachment(pdf, maintype="application", subtype="pdf", filename="aanvraag.pdf")
    return mail.as_bytes()


def send(agent, tmp_path, values: dict[str, str], *, kbo: str | None = None, unique="1"):
    kbo = kbo or new_kbo()
    ticket = tickets.open_ticket(
        None,
        name="Amina Benali",
        email=SENDER,
        organisation_name="Atelier Benali",
        organisation_kbo=kbo,
        tried="Register",
        error_text="The registration page fails",
        locale="nl",
    )
    proof = proofs.issue(agent, ticket.id, email=SENDER, kbo=kbo, identity_confirmed=True)
    pdf = fill(blankform.blank_form_pdf("nl"), {"employer_kbo": kbo, **values})
    maildir = tmp_path / f"Maildir{unique}"
    deliver(maildir, message(proof.code, pdf, unique), f"{unique}.blankform")
    g.pop("outbox_queued", None)
    report = runner.poll(MaildirSource(maildir), deliver=False)
    assert report.outcomes[Outcome.ACCEPTED] == 1, report.summary()
    return proof.dossier


def form_audit(dossier) -> str:
    return db.session.scalar(
        select(AuditEntry.detail).where(
            AuditEntry.dossier_id == dossier.id, AuditEntry.action == "fallback:form_read"
        )
    )


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_the_blank_form_is_a_fillable_pdf_in_each_language(app, client, lang):
    response = client.get(f"/helpdesk/application-form.pdf?lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.data))
    fields = reader.get_fields()
    for name in ("employer_kbo", "worker_last_name", "category", "annual_salary", "doc_passport"):
        assert f"spp_{name}" in fields
    text = reader.pages[0].extract_text()
    with app.test_request_context(f"/?lang={lang}"):
        from portal.i18n import force_locale, gettext

        with force_locale(lang):
            assert gettext("Last name") in text
    assert blankform.read_fields(response.data) is not None


def test_the_blank_form_is_rendered_once_per_language_and_kept(app, client, monkeypatch):
    """Public and the same for everyone: rendering it took 0.37 s of a worker for every
    download (issue 15). Hostile query strings change nothing, so they add no entry."""
    from portal import pdf

    rendered: list[bool] = []
    write = pdf._write

    def counted(html: str, pdf_forms: bool) -> bytes:
        rendered.append(pdf_forms)
        return write(html, pdf_forms)

    monkeypatch.setattr(pdf, "_write", counted)
    app.extensions.pop(pdf.KEPT_STORE, None)  # the app outlives a test: start with none kept
    first = client.get("/helpdesk/application-form.pdf?lang=fr")
    junk = ["x=1", "lang=fr&lang=nl", "a=" + "%00" * 300, "lang=" + "é" * 500, "q=<script>"]
    again = [client.get(f"/helpdesk/application-form.pdf?lang=fr&{query}") for query in junk]
    assert [r.status_code for r in [first, *again]] == [200] * 6
    assert all(r.data == first.data for r in again)
    assert rendered == [True]  # once, with its form fields
    german = client.get("/helpdesk/application-form.pdf?lang=de")
    assert german.status_code == 200 and german.data != first.data
    assert rendered == [True, True]
    assert len(app.extensions[pdf.KEPT_STORE]) == 2
    # A changed print stylesheet (a deployment that restarts no worker): rendered anew.
    path = Path(app.static_folder) / pdf.PRINT_STYLESHEET
    before = path.stat()
    try:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000_000))
        assert client.get("/helpdesk/application-form.pdf?lang=fr").status_code == 200
    finally:
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert len(rendered) == 3


def test_four_downloads_at_the_same_moment_get_the_same_form(app):
    """Four visitors at once before anything is kept: each may render it, none fails, all
    get the same bytes, and one copy is kept."""
    from portal import pdf

    app.extensions.pop(pdf.KEPT_STORE, None)
    start = threading.Barrier(4)
    answers: list = []

    def download() -> None:
        client = app.test_client()
        start.wait(timeout=30)
        answers.append(client.get("/helpdesk/application-form.pdf?lang=nl"))

    threads = [threading.Thread(target=download) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert [a.status_code for a in answers] == [200] * 4
    assert len({a.data for a in answers}) == 1
    assert len(app.extensions[pdf.KEPT_STORE]) == 1


def test_kept_documents_stay_bounded(app, monkeypatch):
    from portal import pdf

    monkeypatch.setattr(pdf, "_write", lambda html, pdf_forms: html.encode())
    app.extensions.pop(pdf.KEPT_STORE, None)
    with app.test_request_context():
        for number in range(pdf.KEPT_DOCUMENTS * 3):
            assert pdf.kept_pdf("pdf/minimal.html", "en", extra=number) is not None
        # The template ignores `extra`: one document, kept once, whatever is passed.
        assert len(app.extensions[pdf.KEPT_STORE]) == 1
        # Ever new documents: the store is emptied at its limit, never grows past it.
        monkeypatch.setattr(pdf, "_source", lambda template, locale, context: str(context))
        for number in range(pdf.KEPT_DOCUMENTS * 3):
            assert pdf.kept_pdf("pdf/minimal.html", "en", n=number) == str({"n": number}).encode()
            assert len(app.extensions[pdf.KEPT_STORE]) <= pdf.KEPT_DOCUMENTS


def test_the_helpdesk_page_links_the_form_without_an_account(client):
    page = client.get("/helpdesk/new?lang=en").get_data(as_text=True)
    assert "/helpdesk/application-form.pdf" in page


def test_a_filled_form_fills_the_file(app, db_session, agent, tmp_path):
    dossier = send(agent, tmp_path, GOOD)
    assert dossier.status == DossierStatus.SUBMITTED
    assert (dossier.worker_first_name, dossier.worker_last_name) == ("Priya", "Sharma")
    assert dossier.worker_birth_date == date(1990, 4, 12)
    assert dossier.worker_nationality == "IN"
    assert dossier.category == "seasonal_worker"
    assert dossier.annual_salary == Decimal("61234.50")
    assert dossier.workplace_postal_code == "9000" and dossier.workplace_refnis
    assert dossier.employer_name == "Atelier Benali BV"
    assert {"worker", "category", "job"} <= set(dossier.done)
    assert "filled worker, category, job" in form_audit(dossier)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("worker_last_name", "Sharma\x00"),
        ("worker_last_name", "S" * 100_000),
        ("worker_last_name", "Sharma\u202egnp.exe"),
        ("annual_salary", "1e999"),
        ("annual_salary", "NaN"),
        ("annual_salary", "9" * 40),
        ("worker_birth_date", "31/02/1990"),
        ("category", "'; DROP TABLE dossier; --"),
        ("employer_kbo", "0403.170.702"),
    ],
)
def test_nasty_values_are_refused_never_a_crash(app, db_session, agent, tmp_path, name, value):
    dossier = send(agent, tmp_path, {**GOOD, name: value})
    assert dossier.status == DossierStatus.SUBMITTED  # the file stands; the officer completes
    detail = form_audit(dossier)
    assert "refused" in detail
    if name == "worker_last_name":
        assert dossier.worker_last_name is None and "worker" not in dossier.done
    if name == "annual_salary":
        assert dossier.annual_salary is None
    if name == "employer_kbo":
        assert dossier.employer_kbo != "0403170702"


def test_a_pdf_that_is_not_our_form_is_left_alone(app, db_session, agent, tmp_path):
    from tests.fallback.mail import PDF

    assert blankform.read_fields(PDF) is None
    assert blankform.read_fields(b"%PDF-1.7\n garbage \x00\xff") is None
    assert blankform.read_fields(b"not a pdf") is None


def test_an_agent_converting_a_quarantined_form_gets_its_data(app, db_session, agent, tmp_path):
    from portal.fallback import quarantine
    from portal.fallback.models import IntakeMessage
    from tests.support import make_organisation

    organisation = make_organisation(name="Atelier Benali BV")
    pdf = fill(blankform.blank_form_pdf("fr"), {**GOOD, "employer_kbo": organisation.kbo_number})
    maildir = tmp_path / "Maildir"
    deliver(maildir, message("no code at all", pdf, "q1"), "q1.blankform")
    g.pop("outbox_queued", None)
    runner.poll(MaildirSource(maildir), deliver=False)
    record = db.session.scalar(select(IntakeMessage))
    assert record.in_quarantine
    with app.test_request_context("/?lang=en"):
        dossier = quarantine.convert(
            agent, record.id, reason="Phoned the sender", kbo=organisation.kbo_number
        )
    assert dossier.organisation_id == organisation.id
    assert dossier.worker_last_name == "Sharma" and dossier.category == "seasonal_worker"
