"""Helpers for application tests: a complete draft, filled through the real pages."""

from __future__ import annotations

import io
from datetime import timedelta

from sqlalchemy import select

from portal import clock
from portal.dossiers.models import Dossier
from portal.extensions import db

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
    + b"\x00" * 32
)

WORKER = {
    "worker_first_name": "Priya",
    "worker_last_name": "Sharma",
    "worker_birth_date": "1990-04-12",
    "worker_nationality": "IN",
    "worker_passport": "Z1234567",
    "worker_national_number": "",
    "worker_residence_country": "IN",
    "worker_diplomatic_post": "Belgian Embassy in New Delhi",
    "worker_email": "priya@example.in",
    "worker_locale": "en",
}


def job(**changes) -> dict:
    data = {
        "isco_code": "2512",
        # "60000": the same amount in every language ("60000.00" is refused in Dutch, where
        # the point groups thousands), whatever locale a request ends up in.
        "annual_salary": "60000",
        "start_date": (clock.today() + timedelta(days=60)).isoformat(),
        "duration_months": "24",
        "workplace_street": "Kouter 1",
        "workplace_postal_code": "9000",
    }
    data.update(changes)
    return data


def start(client) -> Dossier:
    response = client.post("/applications/new")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return db.session.scalar(select(Dossier).order_by(Dossier.id.desc()))


def upload(
    client,
    dossier_id: int,
    requirement: str,
    content: bytes = PDF,
    name: str | None = None,
    issued_on: str = "",
):
    return client.post(
        f"/applications/{dossier_id}/documents?lang=en",
        data={
            "requirement": requirement,
            "file": (io.BytesIO(content), name or f"{requirement}.pdf"),
            "issued_on": issued_on,
        },
        content_type="multipart/form-data",
    )


def fill(client, dossier: Dossier, category: str = "highly_qualified", **job_changes) -> None:
    """Every section of a draft, through the pages, with all required documents."""
    from portal.dossiers import rules

    assert client.post(f"/applications/{dossier.id}/worker", data=WORKER).status_code == 302
    assert (
        client.post(f"/applications/{dossier.id}/category", data={"category": category}).status_code
        == 302
    )
    response = client.post(f"/applications/{dossier.id}/job?lang=en", data=job(**job_changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    if dossier.is_posting:
        posting = {
            "posting_start": job()["start_date"],
            "posting_end": (clock.today() + timedelta(days=300)).isoformat(),
            "client_name": "Bouw NV",
            "client_kbo": "",
            "site_address": "Werfstraat 1, 9000 Gent",
            "limosa_reference": "L-2026-000123",
        }
        assert client.post(f"/applications/{dossier.id}/posting", data=posting).status_code == 302
    for code in rules.required_documents(category, dossier.is_posting):
        issued = (
            (clock.today() - timedelta(days=30)).isoformat()
            if code in rules.dated_documents()
            else ""
        )
        assert upload(client, dossier.id, code, issued_on=issued).status_code == 302


def submit(client, dossier_id: int, token: str = "token-1"):
    return client.post(
        f"/applications/{dossier_id}/check?lang=en", data={"token": token, "declaration": "y"}
    )
