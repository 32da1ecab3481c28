"""The professional card in the exchange API: the kind on every dossier resource, the
card's validity after a grant, both in the OpenAPI document; DVZ never gets a card."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from portal.api import keys
from portal.dossiers.lifecycle import exchange, handling
from portal.dossiers.lifecycle.models import ExchangeMessage
from portal.dossiers.models import DossierStatus
from portal.extensions import db
from tests.api.test_api import bearer, new_key, post_decision
from tests.factories import DossierFactory, OfficerFactory, card_details

S = DossierStatus


def granted_card(app):
    dossier = DossierFactory(
        card_submitted=True, card=card_details(residence_valid_until=date(2040, 1, 1))
    )
    start = handling._today()
    with app.test_request_context():
        handling.decide(
            OfficerFactory(),
            dossier,
            outcome="authorised",
            valid_from=start,
            valid_until=handling.longest_until(start, 3),
        )
    return dossier


def test_a_granted_card_shows_its_kind_and_validity(app, client, db_session):
    dossier = granted_card(app)
    _client, key = new_key([keys.DOSSIERS_READ])
    body = client.get(f"/api/v1/dossiers/{dossier.reference}", headers=bearer(key)).json
    assert body["permit"] == "professional_card" and body["status"] == "card_granted"
    assert body["status_title_en"] == "Professional card granted"
    assert body["valid_from"] == dossier.card.valid_from.isoformat()
    assert body["valid_until"] == dossier.card.valid_until.isoformat()
    assert body["forwarded_on"] is None and body["federal_decision"] is None


def test_the_openapi_document_describes_the_kind_and_the_validity(client, db_session):
    schema = client.get("/api/v1/openapi.json").json["components"]["schemas"]["Dossier"]
    properties = schema["properties"]
    assert properties["permit"]["enum"] == ["single_permit", "professional_card"]
    assert {"valid_from", "valid_until"} <= set(properties)
    assert {"card_granted", "card_refused"} <= set(properties["status"]["enum"])


def test_dvz_never_gets_a_card(app, client, db_session, monkeypatch):
    dossier = granted_card(app)
    forwarded_single = DossierFactory(forwarded=True)
    _client, key = new_key()
    listed = client.get("/api/v1/forwarded", headers=bearer(key)).json
    references = {row["reference"] for row in listed["items"]}
    assert forwarded_single.reference in references and dossier.reference not in references
    # No message to DVZ was queued for the card, and none can be.
    queued = db.session.scalars(select(ExchangeMessage.dossier_id)).all()
    assert dossier.id not in queued
    # A residence decision on a card is refused and changes nothing.
    response = post_decision(client, dossier.reference, key)
    assert response.status_code in (409, 422)
    db.session.refresh(dossier)
    assert dossier.status == S.CARD_GRANTED and dossier.federal_decision is None
    # Even a stray message for a card is never handed to the adapter.
    sent = []
    monkeypatch.setattr(exchange, "adapter", lambda: type("A", (), {"send": sent.append})())
    stray = ExchangeMessage(dossier_id=dossier.id, kind="forward", payload="{}")
    db.session.add(stray)
    db.session.flush()
    with pytest.raises(exchange.NotForDvz):
        exchange._deliver(stray)
    assert sent == []
