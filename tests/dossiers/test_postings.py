"""The detachment route: a mandatary files for a foreign employer with a mandate in force."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import ForeignEmployer, Mandate, MandateStatus, Role
from portal.dossiers.models import Dossier, DossierStatus
from portal.extensions import db
from tests.applications_support import fill, submit
from tests.support import check_page, field_error, login, make_user


@pytest.fixture
def mandatary(client):
    user = make_user("m@mandates.example", Role.MANDATARY)
    login(client, user.email)
    return user


def foreign_employer(
    user, status=MandateStatus.VERIFIED, starts=None, ends=None
) -> ForeignEmployer:
    employer = ForeignEmployer(
        mandatary_id=user.mandatary_id,
        name="Montage GmbH",
        country="DE",
        registration_number="HRB 1",
    )
    mandate = Mandate(
        foreign_employer=employer,
        starts_on=starts or date(date.today().year, 1, 1),
        ends_on=ends,
        status=status,
        file_name="m.pdf",
        stored_name="0" * 32,
        sha256="0" * 64,
        size=1,
        uploaded_by_id=user.id,
    )
    db.session.add_all([employer, mandate])
    db.session.flush()
    return employer


def start_posting(client, employer_id: int):
    return client.post("/applications/new?lang=en", data={"foreign_employer": str(employer_id)})


def test_a_posting_needs_a_verified_mandate_in_force(client, mandatary):
    pending = foreign_employer(mandatary, status=MandateStatus.PENDING)
    soup = check_page(client.get("/applications/new?lang=en").get_data(as_text=True))
    assert "no verified mandate" in soup.get_text()
    response = start_posting(client, pending.id)
    assert response.status_code == 200
    assert db.session.scalar(select(Dossier)) is None
    expired = foreign_employer(mandatary, starts=date(2020, 1, 1), ends=date(2020, 12, 31))
    start_posting(client, expired.id)
    assert db.session.scalar(select(Dossier)) is None


def test_a_mandatary_files_a_posting_with_the_extra_section_and_documents(
    client, mandatary, mailbox
):
    employer = foreign_employer(mandatary)
    response = start_posting(client, employer.id)
    dossier = db.session.scalar(select(Dossier))
    assert response.headers["Location"] == f"/applications/{dossier.id}"
    assert dossier.is_posting and dossier.mandatary_id == mandatary.mandatary_id
    page = check_page(
        client.get(f"/applications/{dossier.id}/worker?lang=en").get_data(as_text=True)
    )
    assert page.find("a", href="/guide/detachment#worker")
    soup = check_page(
        client.post(
            f"/applications/{dossier.id}/category?lang=en", data={"category": "shortage_occupation"}
        ).get_data(as_text=True)
    )
    assert "not available for postings" in field_error(soup, "category")
    fill(client, dossier, category="executive", annual_salary="120000")
    assert {d.requirement for d in dossier.documents} >= {
        "posting_declaration",
        "a1_certificate",
        "articles_of_association",
    }
    submit(client, dossier.id)
    assert dossier.status == DossierStatus.SUBMITTED
    assert mailbox.last_to("m@mandates.example")


def test_a_posting_cannot_be_submitted_once_the_mandate_has_ended(client, mandatary):
    employer = foreign_employer(mandatary)
    start_posting(client, employer.id)
    dossier = db.session.scalar(select(Dossier))
    fill(client, dossier, category="executive", annual_salary="120000")
    employer.mandates[0].ends_on = date(2020, 1, 1)
    db.session.flush()
    soup = check_page(submit(client, dossier.id).get_data(as_text=True))
    assert "no longer in force" in soup.get_text()
    assert dossier.is_draft


def test_another_mandatary_cannot_file_for_the_employer(app, client, mandatary):
    employer = foreign_employer(mandatary)
    other = app.test_client()
    make_user("other@mandates.example", Role.MANDATARY)
    login(other, "other@mandates.example")
    other.post("/applications/new", data={"foreign_employer": str(employer.id)})
    assert db.session.scalar(select(Dossier)) is None
