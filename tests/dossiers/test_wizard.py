"""The wizard, documents, submission, visibility, withdrawal and follow-ups."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import uploads
from portal.accounts.models import Role
from portal.audit import AuditEntry
from portal.dossiers import references
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Document, Dossier, DossierStatus
from portal.extensions import db
from tests.applications_support import PDF, PNG, WORKER, fill, job, start, submit, upload
from tests.support import check_page, error_summary, field_error, login, make_user, text_of

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200


@pytest.fixture
def employer(client):
    user = make_user("hr@acme.example")
    login(client, user.email)
    return user


def test_employer_fills_every_section_and_submits_once(client, employer, mailbox):
    dossier = start(client)
    assert dossier.organisation_id == employer.organisation_id and dossier.nace_code == "49410"
    page = check_page(client.get(f"/applications/{dossier.id}?lang=en").get_data(as_text=True))
    assert "Completed" in page.get_text() and "Not completed" in page.get_text()
    fill(client, dossier)
    assert dossier.done >= {"employer", "worker", "category", "job", "documents"}
    check = check_page(
        client.get(f"/applications/{dossier.id}/check?lang=en").get_data(as_text=True)
    )
    assert "Priya Sharma" in check.get_text() and "Software developers" in check.get_text()
    response = submit(client, dossier.id)
    assert response.headers["Location"] == f"/applications/{dossier.id}/confirmation"
    assert dossier.status == DossierStatus.SUBMITTED
    assert references.is_valid(dossier.reference) and dossier.reference.startswith(
        f"SP-{date.today().year}-"
    )
    assert dossier.thresholds_missing is (date.today().year > 2025)
    confirmation = check_page(
        client.get(response.headers["Location"] + "?lang=en").get_data(as_text=True)
    )
    assert dossier.reference in confirmation.get_text()
    message = mailbox.last_to("hr@acme.example")
    assert dossier.reference in message["Subject"] and f"/applications/{dossier.id}" in text_of(
        message
    )
    events = db.session.scalars(
        select(StatusEvent).where(StatusEvent.dossier_id == dossier.id)
    ).all()
    assert [(e.from_status, e.to_status) for e in events] == [
        (DossierStatus.DRAFT, DossierStatus.SUBMITTED)
    ]


def test_a_replayed_or_double_submission_gives_one_dossier(client, employer, mailbox):
    dossier = start(client)
    fill(client, dossier)
    first = submit(client, dossier.id, token="same-token")
    reference = dossier.reference
    again = submit(client, dossier.id, token="same-token")
    other_tab = submit(client, dossier.id, token="another-token")
    assert first.headers["Location"] == again.headers["Location"] == other_tab.headers["Location"]
    assert dossier.reference == reference
    assert db.session.scalar(select(func.count(Dossier.id))) == 1
    assert len(db.session.scalars(select(StatusEvent)).all()) == 1
    assert len(mailbox.to("hr@acme.example")) == 1


def test_a_token_used_by_another_file_shows_that_file_and_leaves_this_draft(client, employer):
    """The submit POST's second read of the dossier table (the form's token looked up on
    every file) is no repeat of the load: without it this draft would be submitted too."""
    first = start(client)
    fill(client, first)
    assert submit(client, first.id, token="used-token").status_code == 302
    second = start(client)
    fill(client, second)
    response = submit(client, second.id, token="used-token")
    assert response.headers["Location"] == f"/applications/{first.id}/confirmation"
    assert second.status == DossierStatus.DRAFT and second.reference is None


def test_a_token_of_someone_elses_file_reveals_nothing(client, employer):
    first = start(client)
    fill(client, first)
    assert submit(client, first.id, token="their-token").status_code == 302
    client.post("/account/logout")
    login(client, make_user("hr@other.example").email)
    mine = start(client)
    fill(client, mine)
    assert submit(client, mine.id, token="their-token").status_code == 404
    assert mine.status == DossierStatus.DRAFT


def test_an_incomplete_file_cannot_be_submitted(client, employer):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/worker", data=WORKER)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    client.post(f"/applications/{dossier.id}/job", data=job(annual_salary="80000"))
    upload(client, dossier.id, "passport")
    soup = check_page(submit(client, dossier.id).get_data(as_text=True))
    summary = " ".join(error_summary(soup))
    assert "Add the document “Employment contract”." in summary
    assert dossier.status == DossierStatus.DRAFT and dossier.reference is None


def test_a_salary_below_the_threshold_says_by_how_much_and_for_which_year(client, employer):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "highly_qualified"})
    start_date = date(2025, 12, 1)
    # Use a start date in 2025 (thresholds known) by pinning "today" through the service.
    from portal.dossiers.contents import sections

    dossier.annual_salary = None
    with pytest.raises(Exception) as caught:
        sections.save_job(
            dossier,
            {
                "isco_code": "2512",
                "annual_salary": __import__("decimal").Decimal("48911"),
                "start_date": start_date,
                "duration_months": 12,
                "workplace_street": "Kouter 1",
                "workplace_postal_code": "9000",
                "reduced_threshold": False,
            },
            today=date(2025, 10, 1),
        )
    message = caught.value.errors["annual_salary"][0]
    assert "€1.00" in message and "€48,912.00" in message and "2025" in message
    assert dossier.annual_salary is None  # the draft keeps what it had


def test_job_errors_are_shown_at_the_field_and_kept(client, employer):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "highly_qualified"})
    far = (date.today() + timedelta(days=200)).isoformat()
    soup = check_page(
        client.post(f"/applications/{dossier.id}/job?lang=en", data=job(start_date=far)).get_data(
            as_text=True
        )
    )
    assert "at most 4.5 months ahead" in field_error(soup, "start_date")
    assert soup.find(id="start_date")["value"] == far
    assert soup.find(id="isco_code")["value"] == "2512"
    soup = check_page(
        client.post(
            f"/applications/{dossier.id}/job?lang=en", data=job(workplace_postal_code="4000")
        ).get_data(as_text=True)
    )
    assert "Walloon Region" in field_error(soup, "workplace_postal_code")
    soup = check_page(
        client.post(f"/applications/{dossier.id}/job?lang=en", data=job(isco_code="9999")).get_data(
            as_text=True
        )
    )
    assert "ISCO-08" in field_error(soup, "isco_code")
    soup = check_page(
        client.post(
            f"/applications/{dossier.id}/job?lang=en", data=job(duration_months="48")
        ).get_data(as_text=True)
    )
    assert "at most 36 months" in field_error(soup, "duration_months")
    assert "job" not in dossier.done


def test_worker_checks(client, employer):
    dossier = start(client)
    data = dict(WORKER, worker_national_number="85.07.30-033.29", worker_diplomatic_post="")
    soup = check_page(
        client.post(f"/applications/{dossier.id}/worker?lang=en", data=data).get_data(as_text=True)
    )
    assert "not a valid national register or BIS number" in field_error(
        soup, "worker_national_number"
    )
    assert "embassy or consulate" in field_error(soup, "worker_diplomatic_post")
    assert soup.find(id="worker_last_name")["value"] == "Sharma"
    ok = dict(WORKER, worker_national_number="85.07.30-033.28")
    assert client.post(f"/applications/{dossier.id}/worker", data=ok).status_code == 302
    assert dossier.worker_national_number == "85073003328"


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (EXE, "contract.pdf", "The file must be a PDF, JPEG, PNG file."),
        (PDF + b"0" * (300 * 1024), "big.pdf", "The file is larger than 0.2 MB."),
    ],
)
def test_upload_attacks_are_refused(app, client, employer, content, name, message):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    app.config["DOCUMENT_MAX_BYTES"] = 200 * 1024
    try:
        soup = check_page(
            upload(client, dossier.id, "employment_contract", content, name).get_data(as_text=True)
        )
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = 10 * 1024 * 1024
    assert message in field_error(soup, "file")
    assert (
        soup.find(id="requirement").find("option", selected=True)["value"] == "employment_contract"
    )
    assert db.session.scalar(select(func.count(Document.id))) == 0


def test_a_path_in_the_file_name_is_dropped_and_the_content_sniffed(client, employer):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    assert (
        upload(client, dossier.id, "passport", PNG, name="../../windows/scan.png").status_code
        == 302
    )
    document = db.session.scalar(select(Document))
    assert document.file_name == "scan.png" and document.mime == "image/png"
    assert len(document.sha256) == 64 and uploads.path_of(document.stored_name).exists()
    assert str(uploads.path_of(document.stored_name)).startswith(
        str(uploads.path_of(document.stored_name).parent)
    )


def test_the_dossier_limit_and_certificate_dates(app, client, employer):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    soup = check_page(upload(client, dossier.id, "medical_certificate").get_data(as_text=True))
    assert "date of issue" in field_error(soup, "issued_on")
    old = (date.today() - timedelta(days=220)).isoformat()
    soup = check_page(
        upload(client, dossier.id, "medical_certificate", issued_on=old).get_data(as_text=True)
    )
    assert "more than 6 months old" in field_error(soup, "issued_on")  # refused at upload
    recent = (date.today() - timedelta(days=20)).isoformat()
    assert upload(client, dossier.id, "medical_certificate", issued_on=recent).status_code == 302
    app.config["DOSSIER_MAX_BYTES"] = len(PDF) + 10
    try:
        soup = check_page(upload(client, dossier.id, "passport").get_data(as_text=True))
    finally:
        app.config["DOSSIER_MAX_BYTES"] = 50 * 1024 * 1024
    assert "Together, the documents" in field_error(soup, "file")


def test_removing_a_document(client, employer):
    dossier = start(client)
    client.post(f"/applications/{dossier.id}/category", data={"category": "executive"})
    upload(client, dossier.id, "passport")
    document = db.session.scalar(select(Document))
    path = uploads.path_of(document.stored_name)
    client.post(f"/applications/{dossier.id}/documents/{document.id}/delete")
    assert db.session.scalar(select(func.count(Document.id))) == 0 and not path.exists()


def test_nobody_else_sees_the_dossier(app, client, employer):
    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    outsider = app.test_client()
    make_user("other@firm.example")
    login(outsider, "other@firm.example")
    for url in (
        f"/applications/{dossier.id}",
        f"/applications/{dossier.id}/receipt.pdf",
        f"/applications/{dossier.id}/documents/{dossier.documents[0].id}",
        f"/applications/{dossier.id}/worker",
        f"/applications/{dossier.id}/withdraw",
    ):
        assert outsider.get(url).status_code == 404, url
    assert dossier.reference not in outsider.get("/applications/").get_data(as_text=True)
    colleague = app.test_client()
    make_user("colleague@acme.example", organisation=employer.organisation)
    login(colleague, "colleague@acme.example")
    assert dossier.reference in colleague.get(f"/applications/{dossier.id}").get_data(as_text=True)
    with colleague.get(
        f"/applications/{dossier.id}/documents/{dossier.documents[0].id}"
    ) as download:
        assert download.data == PDF


def test_a_submitted_file_cannot_be_edited(client, employer):
    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    assert client.post(f"/applications/{dossier.id}/worker", data=WORKER).status_code == 403


def test_withdraw_a_file_that_is_not_decided(client, employer):
    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    client.post(f"/applications/{dossier.id}/withdraw", data={"reason": "Candidate declined"})
    assert (
        dossier.status == DossierStatus.WITHDRAWN
        and dossier.withdrawn_reason == "Candidate declined"
    )
    soup = check_page(
        client.post(f"/applications/{dossier.id}/withdraw?lang=en", data={}).get_data(as_text=True)
    )
    assert "can no longer be withdrawn" in " ".join(error_summary(soup))


def test_a_draft_is_deleted_not_withdrawn(client, employer):
    dossier = start(client)
    dossier_id = dossier.id
    client.post(f"/applications/{dossier_id}/withdraw", data={})
    db.session.expire_all()
    assert db.session.get(Dossier, dossier_id) is None


def test_a_draft_whose_document_was_downloaded_can_still_be_deleted(client, employer):
    """The download is audited, but not linked to the draft, so the draft can go."""
    dossier = start(client)
    dossier_id = dossier.id
    fill(client, dossier)  # uploads every required document
    document = db.session.scalar(
        select(Document).where(Document.dossier_id == dossier_id).order_by(Document.id)
    )
    download = client.get(f"/applications/{dossier_id}/documents/{document.id}")
    assert download.status_code == 200
    download.close()
    response = client.post(f"/applications/{dossier_id}/withdraw", data={})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dossier, dossier_id) is None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "download"))
    assert entry.dossier_id is None
    assert entry.detail == f"draft {dossier_id}: {document.file_name}"


def test_renewal_prefills_and_enforces_the_window(client, employer):
    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    dossier.status = DossierStatus.RESIDENCE_GRANTED  # decided (the status machine is tested apart)
    db.session.flush()
    too_early = (date.today() + timedelta(days=365)).isoformat()
    soup = check_page(
        client.post(
            f"/applications/{dossier.id}/follow-up?lang=en",
            data={"kind": "renewal", "expires_on": too_early},
        ).get_data(as_text=True)
    )
    assert "2 to 6 months before the permit expires" in field_error(soup, "expires_on")
    expires = (date.today() + timedelta(days=120)).isoformat()
    response = client.post(
        f"/applications/{dossier.id}/follow-up", data={"kind": "renewal", "expires_on": expires}
    )
    renewal = db.session.scalar(select(Dossier).order_by(Dossier.id.desc()))
    assert response.headers["Location"] == f"/applications/{renewal.id}"
    assert renewal.previous_id == dossier.id and renewal.kind.value == "renewal"
    assert (renewal.worker_last_name, renewal.isco_code, renewal.category) == (
        "Sharma",
        "2512",
        "highly_qualified",
    )
    assert renewal.documents == [] and renewal.is_draft


def test_only_filers_start_applications(app, client):
    make_user("officer@flanders.example", Role.OFFICER)
    login(client, "officer@flanders.example")
    assert client.post("/applications/new").status_code == 403


def test_the_worker_is_invited_in_their_language_and_follows_read_only(
    app, client, employer, mailbox
):
    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    response = client.post(
        f"/applications/{dossier.id}/invite-worker",
        data={"email": "priya@example.in", "locale": "fr"},
    )
    assert response.status_code == 302
    message = mailbox.last_to("priya@example.in")
    assert message["Content-Language"] == "fr" and "Sharma" not in text_of(message)
    from tests.support import link_in

    worker = app.test_client()
    link = link_in(message, "/account/invitation/")
    worker.post(
        link, data={"password": "a long worker password", "confirm": "a long worker password"}
    )
    login(worker, "priya@example.in", "a long worker password")
    page = worker.get(f"/applications/{dossier.id}?lang=en").get_data(as_text=True)
    assert dossier.reference in page and "Withdraw this file" not in page
    with worker.get(f"/applications/{dossier.id}/receipt.pdf") as receipt:
        assert receipt.mimetype == "application/pdf"
    assert worker.post(f"/applications/{dossier.id}/withdraw", data={}).status_code == 403
    assert worker.post(f"/applications/{dossier.id}/worker", data=WORKER).status_code == 403


def test_an_employer_address_cannot_be_invited_as_worker_and_is_told_by_e_mail(
    client, employer, mailbox
):
    from portal.accounts.models import User
    from portal.dossiers.models import DossierViewer

    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    client.get("/dashboard")  # shows (and so clears) the earlier messages
    answers = []
    for address in ("hr@acme.example", "new.worker@example.in"):
        response = client.post(
            f"/applications/{dossier.id}/invite-worker?lang=en",
            data={"email": address, "locale": "en"},
            follow_redirects=True,
        )
        page = re.sub(r"<input[^>]*csrf_token[^>]*>", "", response.get_data(as_text=True))
        answers.append(page.replace(address, "ADDRESS"))
    assert answers[0] == answers[1]  # the employer cannot tell the two cases apart
    assert "If ADDRESS can be invited, an e-mail is on its way" in answers[0]
    hr = db.session.scalar(select(User).where(User.email == "hr@acme.example"))
    assert hr.role == Role.EMPLOYER  # never turned into something else
    assert db.session.scalar(select(DossierViewer).where(DossierViewer.user_id == hr.id)) is None
    told = mailbox.last_to("hr@acme.example")
    assert "not a worker's account" in text_of(told)


def test_downloads_by_the_parties_are_in_the_audit_trail(client, employer):
    from portal import audit

    dossier = start(client)
    fill(client, dossier)
    submit(client, dossier.id)
    with client.get(f"/applications/{dossier.id}/receipt.pdf"):
        pass
    with client.get(f"/applications/{dossier.id}/documents/{dossier.documents[0].id}"):
        pass
    downloads = [(e.action, e.detail) for e in audit.trail(dossier.id) if e.action == "download"]
    assert downloads == [("download", "receipt"), ("download", dossier.documents[0].file_name)]
    assert audit.verify().intact
