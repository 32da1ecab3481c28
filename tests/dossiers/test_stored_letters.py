"""Receipts and decision letters as issued: rendered once, kept with their SHA-256, served
byte for byte; a kept letter that is gone or changed is an incident (logged, counted, the
error page), never silently rendered again."""

from __future__ import annotations

import hashlib
import logging

import pytest
from sqlalchemy import select

from portal.dossiers.letters import stored
from portal.dossiers.letters.stored import IssuedLetter
from portal.extensions import db
from portal.storage import storage
from tests.applications_support import fill, submit
from tests.factories import DossierFactory, EmployerFactory, OfficerFactory, QueuedDossierFactory
from tests.support import PASSWORD, login
from tests.test_pdf import submitted_dossier


def _letters(dossier) -> list[IssuedLetter]:
    return list(
        db.session.scalars(select(IssuedLetter).where(IssuedLetter.dossier_id == dossier.id))
    )


def _kept(letter: IssuedLetter) -> bytes:
    with storage().open(letter.stored_name) as handle:
        return handle.read()


def _damaged() -> float:
    return stored.DAMAGED.labels("receipt")._value.get()


@pytest.fixture
def dossier(client):
    dossier = submitted_dossier()
    db.session.commit()
    login(client, "hr@receipt.example", PASSWORD)
    return dossier


def test_a_file_issued_before_gets_its_receipt_kept_on_the_first_download(client, dossier):
    assert _letters(dossier) == []  # submitted before letters were kept
    first = client.get(f"/applications/{dossier.id}/receipt.pdf?lang=en")
    assert first.status_code == 200 and first.data.startswith(b"%PDF")
    [letter] = _letters(dossier)
    assert (letter.kind, letter.locale) == ("receipt", "en")
    assert letter.sha256 == hashlib.sha256(first.data).hexdigest() and letter.size == len(
        first.data
    )
    assert _kept(letter) == first.data
    for _ in range(2):  # byte-identical every time, and the hash kept at issue
        again = client.get(f"/applications/{dossier.id}/receipt.pdf?lang=en")
        assert again.data == first.data
        assert hashlib.sha256(again.data).hexdigest() == letter.sha256
    assert len(_letters(dossier)) == 1


def test_each_language_is_issued_once(client, dossier):
    english = client.get(f"/applications/{dossier.id}/receipt.pdf?lang=en").data
    dutch = client.get(f"/applications/{dossier.id}/receipt.pdf?lang=nl").data
    assert english != dutch
    assert sorted(letter.locale for letter in _letters(dossier)) == ["en", "nl"]
    assert client.get(f"/applications/{dossier.id}/receipt.pdf?lang=nl").data == dutch


@pytest.mark.parametrize("damage", ["changed", "truncated", "missing"])
def test_a_damaged_kept_receipt_is_an_incident_not_a_new_render(client, dossier, caplog, damage):
    original = client.get(f"/applications/{dossier.id}/receipt.pdf?lang=en").data
    [letter] = _letters(dossier)
    path = storage().path(letter.stored_name)
    if damage == "changed":
        path.write_bytes(original.replace(b"%PDF", b"%PDX", 1))
    elif damage == "truncated":
        path.write_bytes(original[: len(original) // 2])
    else:
        path.unlink()
    before = _damaged()
    with caplog.at_level(logging.ERROR, logger="portal.dossiers.letters.stored"):
        response = client.get(f"/applications/{dossier.id}/receipt.pdf?lang=en")
    assert response.status_code == 500
    assert response.mimetype == "text/html" and b"%PDF" not in response.data
    assert _damaged() == before + 1
    assert any(
        "receipt" in r.getMessage() and letter.stored_name in r.getMessage() for r in caplog.records
    )
    [still] = _letters(dossier)  # nothing re-rendered, nothing replaced
    assert (still.stored_name, still.sha256) == (letter.stored_name, letter.sha256)
    if damage != "missing":
        assert _kept(still) != original


def test_submitting_issues_the_receipt_in_the_submitters_language(app, client, db_session):
    employer = EmployerFactory()
    db.session.commit()
    login(client, employer.email, PASSWORD)
    draft = DossierFactory(owner=employer)
    db.session.commit()
    fill(client, draft)
    submit(client, draft.id)
    [letter] = _letters(draft)
    assert letter.kind == "receipt"
    served = client.get(f"/applications/{draft.id}/receipt.pdf?lang={letter.locale}").data
    assert (
        hashlib.sha256(served).hexdigest()
        == letter.sha256
        == hashlib.sha256(_kept(letter)).hexdigest()
    )


def test_the_decision_letter_is_issued_when_flanders_decides_and_served_as_kept(client, db_session):
    employer, officer = EmployerFactory(), OfficerFactory()
    dossier = QueuedDossierFactory(owner=employer, locale="fr")
    db.session.commit()
    login(client, officer.email, PASSWORD)
    letter_url = f"/backoffice/dossiers/{dossier.id}/decision-letter.pdf"
    assert client.get(letter_url).status_code == 404
    assert _letters(dossier) == []  # no decision, no letter
    response = client.post(
        f"/backoffice/dossiers/{dossier.id}/decision",
        data={"decision-outcome": "authorised", "decision-confirmed": "yes"},
    )
    assert response.status_code == 302, response.status_code
    [letter] = _letters(dossier)
    assert (letter.kind, letter.locale) == ("decision", "fr")
    kept = _kept(letter)
    assert hashlib.sha256(kept).hexdigest() == letter.sha256
    assert client.get(letter_url).data == kept
    assert client.get(letter_url).data == kept
    login(client, employer.email, PASSWORD)
    assert client.get(f"/applications/{dossier.id}/decision-letter.pdf").data == kept
