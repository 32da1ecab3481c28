"""The exchange API: keys and scopes, every refusal, idempotent decisions, audit, admin, docs."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from portal import audit, clock, create_app
from portal.accounts.models import Role
from portal.api import keys
from portal.api.cli import register as register_cli
from portal.api.models import ApiClient, IdempotencyRecord
from portal.audit import AuditEntry
from portal.dossiers import references
from portal.dossiers.lifecycle import handling
from portal.dossiers.lifecycle.models import StatusEvent
from portal.dossiers.models import Dossier, DossierStatus
from portal.errors import Invalid, NotAllowed
from portal.extensions import db
from portal.i18n import force_locale
from tests.applications_support import fill, start, submit
from tests.factories import DossierFactory
from tests.support import check_page, error_summary, login, make_user

ALL_SCOPES = [keys.DOSSIERS_READ, keys.DECISIONS_WRITE, keys.FORWARDED_READ]


def today() -> date:
    """The portal's today (in Brussels), asked when it is used: a day taken once, at import,
    is yesterday for a test run that crosses midnight, and a decision dated then predates
    the file's forwarding."""
    return clock.today()


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_key(scopes=None, name="DVZ") -> tuple[ApiClient, str]:
    client, key = keys.create_client(None, name, scopes or ALL_SCOPES)
    db.session.commit()  # an API refusal rolls back to here, never further
    return client, key


def decide_url(reference: str) -> str:
    return f"/api/v1/dossiers/{reference}/residence-decision"


def post_decision(client, reference, key, body=None, idempotency_key="decision-1"):
    headers = bearer(key)
    if idempotency_key is not None:
        headers["Idempotency-Key"] = idempotency_key
    body = {"decision": "granted", "decided_on": today().isoformat()} if body is None else body
    return client.post(decide_url(reference), json=body, headers=headers)


def api_entries(client_id: int | None = None) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.action.like("api:%")).order_by(AuditEntry.id)
    if client_id is not None:
        query = query.where(AuditEntry.api_client_id == client_id)
    return list(db.session.scalars(query))


def events(dossier: Dossier, to: DossierStatus | None = None) -> int:
    query = select(func.count(StatusEvent.id)).where(StatusEvent.dossier_id == dossier.id)
    if to is not None:
        query = query.where(StatusEvent.to_status == to)
    return db.session.scalar(query)


@pytest.fixture
def submitted(client):
    """A file submitted by an employer through the pages."""
    make_user("hr@acme.example")
    login(client, "hr@acme.example")
    dossier = start(client)
    fill(client, dossier)
    assert submit(client, dossier.id).status_code == 302
    assert dossier.status == DossierStatus.SUBMITTED
    db.session.commit()
    return dossier


@pytest.fixture
def forwarded(submitted):
    """The same file, authorised by an officer and so forwarded to DVZ at once."""
    officer = make_user("officer@flanders.example", Role.OFFICER)
    handling.decide(officer, submitted, outcome="authorised")
    db.session.commit()
    assert submitted.status == DossierStatus.FORWARDED
    return submitted


# --- Keys -------------------------------------------------------------------------------


def test_a_key_is_prefix_dot_secret_and_only_its_hash_is_stored(db_session):
    client, key = new_key([keys.DOSSIERS_READ])
    prefix, secret = key.split(".")
    assert re.fullmatch(r"[a-z0-9]{8}", prefix) and client.key_prefix == prefix
    assert len(secret) >= 43
    assert client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert secret not in (client.key_hash, client.name, client.scopes)
    assert keys.authenticate(f"Bearer {key}").id == client.id
    assert keys.authenticate(f"bearer  {key}").id == client.id
    assert keys.authenticate(f"Bearer {prefix}.{secret[:-1]}x") is None
    assert keys.authenticate(f"Basic {key}") is None
    assert keys.authenticate(key) is None
    assert keys.authenticate(None) is None
    other_client, other = new_key([keys.DOSSIERS_READ], name="Other")
    assert other.split(".")[0] != prefix
    assert keys.authenticate(f"Bearer {prefix}.{other.split('.')[1]}") is None
    keys.revoke(None, client.id)
    assert keys.authenticate(f"Bearer {key}") is None
    assert keys.identify(f"Bearer {key}").id == client.id
    assert keys.authenticate(f"Bearer {other}").id == other_client.id


def test_only_admins_create_or_revoke_clients_with_known_scopes(db_session):
    officer = make_user("officer@flanders.example", Role.OFFICER)
    admin = make_user("admin@flanders.example", Role.ADMIN)
    with pytest.raises(NotAllowed):
        keys.create_client(officer, "DVZ", [keys.DOSSIERS_READ])
    with pytest.raises(Invalid) as invalid, force_locale("en"):
        keys.create_client(admin, " ", ["dossiers:delete"])
    assert set(invalid.value.errors) == {"name", "scopes"}
    client, _key = keys.create_client(admin, "DVZ", [keys.DOSSIERS_READ])
    assert client.created_by_id == admin.id
    with pytest.raises(NotAllowed):
        keys.revoke(officer, client.id)
    assert keys.revoke(admin, client.id).revoked_at is not None


# --- Authentication and scope -----------------------------------------------------------


def test_a_call_without_a_key_is_401_with_a_bearer_challenge(client, forwarded):
    response = client.get(f"/api/v1/dossiers/{forwarded.reference}")
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"]["code"] == "unauthorized"
    assert response.json["error"]["message"]
    assert forwarded.reference not in response.get_data(as_text=True)
    assert api_entries() == []  # nobody identified, nothing to attribute


@pytest.mark.parametrize(
    "header",
    ["Bearer abcdefgh.not-the-right-secret-at-all-000000", "Bearer nonsense", "Basic dXNlcjpwdw=="],
)
def test_a_wrong_key_is_401(client, forwarded, header):
    _client, key = new_key()
    if header.startswith("Bearer abcdefgh"):  # the right prefix, a wrong secret
        header = f"Bearer {key.split('.')[0]}.{'x' * 43}"
    response = client.get(
        f"/api/v1/dossiers/{forwarded.reference}", headers={"Authorization": header}
    )
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert response.json["error"]["code"] == "unauthorized"
    assert "status" not in response.json


def test_a_revoked_key_is_401_and_the_attempt_is_audited(client, forwarded):
    api_client, key = new_key()
    assert (
        client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(key)).status_code
        == 200
    )
    keys.revoke(None, api_client.id)
    db.session.commit()
    response = client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(key))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert [e.detail for e in api_entries(api_client.id)] == ["200", "401"]


def test_a_key_without_the_scope_is_403(client, forwarded):
    api_client, key = new_key([keys.DOSSIERS_READ])
    response = post_decision(client, forwarded.reference, key)
    assert response.status_code == 403
    assert response.json["error"]["code"] == "insufficient_scope"
    assert forwarded.status == DossierStatus.FORWARDED
    assert client.get("/api/v1/forwarded", headers=bearer(key)).status_code == 403
    writer_client, writer = new_key([keys.DECISIONS_WRITE])
    assert (
        client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(writer)).status_code
        == 403
    )
    assert [e.detail for e in api_entries(api_client.id)] == ["403", "403"]
    assert [e.action for e in api_entries(writer_client.id)] == ["api:dossier"]


def test_an_unknown_reference_is_404(client, db_session):
    _client, key = new_key()
    for response in (
        client.get("/api/v1/dossiers/SP-2026-AAAAAA-A", headers=bearer(key)),
        post_decision(client, "SP-2026-AAAAAA-A", key),
    ):
        assert response.status_code == 404
        assert response.json == {
            "error": {"code": "not_found", "message": "No file has this reference."}
        }
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 0


# --- Reading ----------------------------------------------------------------------------


def test_a_forwarded_file_is_read_without_personal_data(client, forwarded):
    _client, key = new_key([keys.DOSSIERS_READ])
    response = client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(key))
    assert response.status_code == 200 and response.mimetype == "application/json"
    body = response.json
    assert body == {
        "reference": forwarded.reference,
        "permit": "single_permit",
        "status": "forwarded",
        "status_title_en": "Forwarded to the Immigration Office",
        "submitted_at": forwarded.submitted_at.isoformat(),
        "flemish_decision": "authorised",
        "flemish_decision_on": today().isoformat(),
        "forwarded_on": today().isoformat(),
        "federal_decision": None,
        "federal_decision_on": None,
        "deadline_on": None,
        "valid_from": None,
        "valid_until": None,
    }
    text = response.get_data(as_text=True)
    for personal in ("Priya", "Sharma", "Z1234567", "priya@example.in", "hr@acme.example"):
        assert personal not in text


def test_the_status_title_is_english_whatever_the_language_asked(client, forwarded):
    _client, key = new_key([keys.DOSSIERS_READ])
    response = client.get(
        f"/api/v1/dossiers/{forwarded.reference}?lang=nl",
        headers={**bearer(key), "Accept-Language": "fr"},
    )
    assert response.json["status_title_en"] == "Forwarded to the Immigration Office"


def _forwarded_rows(count: int, creator) -> list[str]:
    """Forwarded files of `creator`, a day apart, through the status machine (the factories)."""
    made = [
        DossierFactory(
            owner=creator,
            reference=references.new_reference(today().year),
            status=DossierStatus.FORWARDED,
            forwarded_on=today() - timedelta(days=count - number),
        ).reference
        for number in range(count)
    ]
    db.session.commit()
    return made


def test_the_forwarded_list_pages_by_100_with_a_next_link(client, db_session):
    creator = make_user("hr@acme.example")
    made = _forwarded_rows(101, creator)
    db.session.add(
        Dossier(
            reference="SP-2026-ZZZZZZ-Z", created_by_id=creator.id, status=DossierStatus.SUBMITTED
        )
    )
    db.session.commit()
    _client, key = new_key([keys.FORWARDED_READ])
    first = client.get("/api/v1/forwarded", headers=bearer(key))
    assert first.status_code == 200
    assert len(first.json["items"]) == 100 and first.json["total"] == 101
    assert [item["reference"] for item in first.json["items"]] == made[:100]  # oldest first
    assert first.json["items"][0] == {
        "reference": made[0],
        "forwarded_on": (today() - timedelta(days=101)).isoformat(),
        "category": "highly_qualified",
    }
    assert first.json["next"].endswith("/api/v1/forwarded?page=2")
    second = client.get(first.json["next"], headers=bearer(key))
    assert [item["reference"] for item in second.json["items"]] == made[100:]
    assert second.json["next"] is None and second.json["page"] == 2
    for page in ("0", "abc", "-1"):
        bad = client.get(f"/api/v1/forwarded?page={page}", headers=bearer(key))
        assert bad.status_code == 422 and "page" in bad.json["error"]["fields"]


# --- Deciding ---------------------------------------------------------------------------


def test_dvz_grants_residence_on_a_forwarded_file(client, forwarded):
    api_client, key = new_key()
    listed = client.get("/api/v1/forwarded", headers=bearer(key)).json["items"]
    assert [item["reference"] for item in listed] == [forwarded.reference]
    forwarded.forwarded_on = today() - timedelta(days=5)  # it went to DVZ last week
    db.session.commit()
    decided_on = today() - timedelta(days=2)  # DVZ decided before telling us
    response = post_decision(
        client,
        forwarded.reference,
        key,
        {
            "decision": "granted",
            "decided_on": decided_on.isoformat(),
            "reason": "  Conditions met ",
        },
    )
    assert response.status_code == 200, response.json
    assert response.json["status"] == "residence_granted"
    assert response.json["federal_decision"] == "granted"
    assert response.json["federal_decision_on"] == decided_on.isoformat()
    assert forwarded.status == DossierStatus.RESIDENCE_GRANTED
    assert forwarded.federal_decision == "granted" and forwarded.federal_decision_on == decided_on
    event = db.session.scalar(
        select(StatusEvent).where(StatusEvent.to_status == DossierStatus.RESIDENCE_GRANTED)
    )
    assert event.api_client_id == api_client.id and event.reason == "Conditions met"
    assert event.actor_id is None
    shown = client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(key)).json
    assert (
        shown["status"] == "residence_granted"
        and shown["status_title_en"] == "Single permit granted"
    )
    assert client.get("/api/v1/forwarded", headers=bearer(key)).json["items"] == []


def test_a_refusal_is_recorded_too(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    response = post_decision(
        client, forwarded.reference, key, {"decision": "refused", "decided_on": today().isoformat()}
    )
    assert response.status_code == 200
    assert forwarded.status == DossierStatus.RESIDENCE_REFUSED


def test_a_decision_needs_an_idempotency_key(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    response = post_decision(client, forwarded.reference, key, idempotency_key=None)
    assert response.status_code == 400
    assert response.json["error"]["code"] == "idempotency_key_missing"
    too_long = post_decision(client, forwarded.reference, key, idempotency_key="k" * 101)
    assert too_long.status_code == 400
    assert forwarded.status == DossierStatus.FORWARDED


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"decision", "decided_on"}),
        ({"decision": "maybe", "decided_on": "2026-02-30"}, {"decision", "decided_on"}),
        ({"decision": ["granted"], "decided_on": "01/02/2026"}, {"decision", "decided_on"}),
        (
            {"decision": "granted", "decided_on": (today() + timedelta(days=1)).isoformat()},
            {"decided_on"},
        ),
        (
            {"decision": "granted", "decided_on": (today() - timedelta(days=1)).isoformat()},
            {"decided_on"},  # before the forwarding (today)
        ),
        ({"decision": "granted", "decided_on": today().isoformat(), "reason": 5}, {"reason"}),
        ({"decision": "granted", "decided_on": today().isoformat(), "extra": 1}, {"extra"}),
        (["granted"], {""}),
    ],
)
def test_an_invalid_body_is_422_with_the_errors_per_field(client, forwarded, body, fields):
    _client, key = new_key([keys.DECISIONS_WRITE])
    response = post_decision(client, forwarded.reference, key, body)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_body"
    assert set(response.json["error"]["fields"]) == fields
    assert all(response.json["error"]["fields"][name] for name in fields)
    assert forwarded.status == DossierStatus.FORWARDED
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 0


def test_a_body_that_is_not_json_is_415(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    response = client.post(
        decide_url(forwarded.reference),
        data="decision=granted",
        headers={**bearer(key), "Idempotency-Key": "k1"},
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 415
    assert response.json["error"]["code"] == "unsupported_media_type"


def test_a_replay_returns_the_stored_answer_and_changes_nothing(client, forwarded):
    api_client, key = new_key([keys.DECISIONS_WRITE])
    first = post_decision(client, forwarded.reference, key, idempotency_key="dvz-42")
    assert first.status_code == 200
    again = post_decision(client, forwarded.reference, key, idempotency_key="dvz-42")
    assert again.status_code == first.status_code
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert events(forwarded, DossierStatus.RESIDENCE_GRANTED) == 1
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 1
    assert [(e.detail, e.dossier_id) for e in api_entries(api_client.id)] == [
        ("200", forwarded.id),
        ("200", forwarded.id),
    ]
    # Without the key, the same request is a new decision, which the status refuses.
    fresh = post_decision(client, forwarded.reference, key, idempotency_key="dvz-43")
    assert fresh.status_code == 409 and fresh.json["error"]["code"] == "status_conflict"


def test_the_same_idempotency_key_with_another_body_is_409(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    assert (
        post_decision(client, forwarded.reference, key, idempotency_key="dvz-1").status_code == 200
    )
    other = post_decision(
        client,
        forwarded.reference,
        key,
        {"decision": "refused", "decided_on": today().isoformat()},
        idempotency_key="dvz-1",
    )
    assert other.status_code == 409
    assert other.json["error"]["code"] == "idempotency_key_reused"
    assert forwarded.status == DossierStatus.RESIDENCE_GRANTED
    assert events(forwarded, DossierStatus.RESIDENCE_REFUSED) == 0
    elsewhere = post_decision(client, "SP-2026-AAAAAA-A", key, idempotency_key="dvz-1")
    assert elsewhere.status_code == 409  # the same body, but for another file
    assert elsewhere.json["error"]["code"] == "idempotency_key_reused"


def test_idempotency_keys_belong_to_one_client(client, forwarded):
    _first, key = new_key([keys.DECISIONS_WRITE])
    _second, other_key = new_key([keys.DECISIONS_WRITE], name="DVZ backup")
    assert (
        post_decision(client, forwarded.reference, key, idempotency_key="same").status_code == 200
    )
    other = post_decision(client, forwarded.reference, other_key, idempotency_key="same")
    assert other.status_code == 409 and other.json["error"]["code"] == "status_conflict"


def test_a_decision_on_a_file_that_is_not_forwarded_is_409_and_changes_nothing(
    client, submitted, mailbox
):
    api_client, key = new_key([keys.DECISIONS_WRITE])
    before_events = events(submitted)
    mailbox.clear()
    response = post_decision(client, submitted.reference, key)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "status_conflict"
    db.session.expire_all()
    assert submitted.status == DossierStatus.SUBMITTED
    assert submitted.federal_decision is None and submitted.federal_decision_on is None
    assert events(submitted) == before_events
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 0
    assert mailbox.messages == []
    db.session.rollback()  # what the call committed survives this
    entries = api_entries(api_client.id)
    assert [(e.action, e.detail, e.dossier_id) for e in entries] == [
        ("api:residence-decision", "409", submitted.id)
    ]
    assert audit.verify().intact


def test_a_call_that_fails_at_commit_keeps_only_its_audit_entry(
    client, forwarded, mailbox, monkeypatch
):
    """A parallel request stores the same Idempotency-Key first: this one's change is undone."""
    api_client, key = new_key([keys.DECISIONS_WRITE])
    real = handling.record_residence

    def racing(dossier, decision, **kwargs):
        real(dossier, decision, **kwargs)
        db.session.add(
            IdempotencyRecord(
                api_client_id=api_client.id,
                key="race",
                request_hash="0" * 64,
                status_code=200,
                body="{}",
            )
        )
        return dossier

    monkeypatch.setattr(handling, "record_residence", racing)
    mailbox.clear()
    response = post_decision(client, forwarded.reference, key, idempotency_key="race")
    assert response.status_code == 409
    assert response.json["error"]["code"] == "idempotency_key_in_use"
    db.session.rollback()
    db.session.expire_all()
    assert forwarded.status == DossierStatus.FORWARDED and forwarded.federal_decision is None
    assert events(forwarded, DossierStatus.RESIDENCE_GRANTED) == 0
    assert db.session.scalar(select(func.count(IdempotencyRecord.id))) == 0
    assert mailbox.messages == []
    assert [e.detail for e in api_entries(api_client.id)] == ["409"]
    assert audit.verify().intact


# --- Rate limit and audit ---------------------------------------------------------------


def test_the_rate_limit_is_per_key_and_answers_429(app, client, forwarded, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    api_client, key = new_key()
    _other, other_key = new_key(name="Other")
    url = f"/api/v1/dossiers/{forwarded.reference}"
    assert client.get(url, headers=bearer(key)).status_code == 200
    assert client.get("/api/v1/forwarded", headers=bearer(key)).status_code == 200
    limited = client.get(url, headers=bearer(key))
    assert limited.status_code == 429
    assert limited.json["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1
    assert post_decision(client, forwarded.reference, key).status_code == 429
    assert forwarded.status == DossierStatus.FORWARDED
    assert client.get(url, headers=bearer(other_key)).status_code == 200
    assert [e.detail for e in api_entries(api_client.id)] == ["200", "200", "429", "429"]


def test_the_rate_limit_defaults_to_120_a_minute(app, client, forwarded, monkeypatch):
    monkeypatch.delitem(app.config, "API_RATE_LIMIT", raising=False)
    _client, key = new_key([keys.DOSSIERS_READ])
    url = f"/api/v1/dossiers/{forwarded.reference}"
    statuses = [client.get(url, headers=bearer(key)).status_code for _ in range(121)]
    assert statuses[:120] == [200] * 120 and statuses[120] == 429


def test_every_identified_call_is_in_the_audit_chain(client, forwarded):
    api_client, key = new_key()
    client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(key))
    client.get("/api/v1/forwarded", headers=bearer(key))
    post_decision(client, forwarded.reference, key)
    client.get("/api/v1/dossiers/SP-2026-AAAAAA-A", headers=bearer(key))
    entries = api_entries(api_client.id)
    assert [(e.action, e.dossier_id, e.detail) for e in entries] == [
        ("api:dossier", forwarded.id, "200"),
        ("api:forwarded", None, "200"),
        ("api:residence-decision", forwarded.id, "200"),
        ("api:dossier", None, "404"),
    ]
    assert all(e.actor_id is None for e in entries)
    status_entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "status:residence_granted")
    )
    assert status_entry.api_client_id == api_client.id
    assert audit.verify().intact


@pytest.mark.csrf
def test_the_api_needs_no_csrf_token_but_the_admin_pages_do(app, client, forwarded):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        api_client, key = new_key([keys.DECISIONS_WRITE])
        assert post_decision(client, forwarded.reference, key).status_code == 200
        make_user("admin@flanders.example", Role.ADMIN)
        admin = app.test_client()
        page = admin.get("/account/login?lang=en").get_data(as_text=True)
        token = check_page(page).find("input", {"name": "csrf_token"})["value"]
        data = {
            "csrf_token": token,
            "email": "admin@flanders.example",
            "password": "correct horse battery staple",
        }
        assert admin.post("/account/login", data=data).status_code == 302
        refused = admin.post(f"/admin/api-clients/{api_client.id}/revoke")
        assert refused.status_code == 400
        assert db.session.get(ApiClient, api_client.id).revoked_at is None
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


# --- Admin pages and CLI ----------------------------------------------------------------


@pytest.fixture
def admin(client):
    user = make_user("admin@flanders.example", Role.ADMIN)
    login(client, user.email)
    return user


def test_an_admin_creates_a_client_and_sees_its_key_once(client, admin):
    page = check_page(client.get("/admin/api-clients/?lang=en").get_data(as_text=True))
    assert page.h1.get_text(strip=True) == "API clients"
    assert {box["value"] for box in page.find_all("input", type="checkbox")} == set(ALL_SCOPES)
    assert not any(box.has_attr("required") for box in page.find_all("input", type="checkbox"))
    response = client.post(
        "/admin/api-clients/?lang=en",
        data={"name": "DVZ – residence", "scopes": [keys.DOSSIERS_READ, keys.DECISIONS_WRITE]},
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    created = check_page(response.get_data(as_text=True))
    assert "only time it is shown" in created.get_text()
    key = created.find(id="api-key").get_text(strip=True)
    api_client = db.session.scalar(select(ApiClient))
    assert api_client.name == "DVZ – residence" and api_client.created_by_id == admin.id
    assert api_client.scope_set == {keys.DOSSIERS_READ, keys.DECISIONS_WRITE}
    assert api_client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert key.startswith(api_client.key_prefix + ".")
    stored = " ".join(str(v) for v in (api_client.key_hash, api_client.scopes, api_client.name))
    assert key.split(".")[1] not in stored
    listing = client.get("/admin/api-clients/?lang=en").get_data(as_text=True)
    assert api_client.key_prefix in listing and key not in listing
    assert keys.authenticate(f"Bearer {key}").id == api_client.id
    audit_entry = db.session.scalar(
        select(AuditEntry).where(AuditEntry.action == "api_client:create")
    )
    assert audit_entry.actor_id == admin.id


def test_the_create_form_lists_its_errors(client, admin):
    response = client.post("/admin/api-clients/?lang=en", data={"name": ""})
    page = check_page(response.get_data(as_text=True))
    assert error_summary(page) == [
        "Name of the client: This field is required.",
        "What the client may do: Choose at least one scope.",
    ]
    assert page.find("a", href="#scopes") and page.find(id="scopes")
    assert db.session.scalar(select(func.count(ApiClient.id))) == 0


def test_an_admin_revokes_a_key(client, admin):
    api_client, key = new_key()
    page = check_page(client.get("/admin/api-clients/?lang=en").get_data(as_text=True))
    assert page.find("form", action=f"/admin/api-clients/{api_client.id}/revoke")
    response = client.post(f"/admin/api-clients/{api_client.id}/revoke")
    assert response.status_code == 302 and response.headers["Location"] == "/admin/api-clients/"
    assert db.session.get(ApiClient, api_client.id).revoked_at is not None
    assert client.get("/api/v1/forwarded", headers=bearer(key)).status_code == 401
    after = check_page(client.get("/admin/api-clients/?lang=en").get_data(as_text=True))
    assert not after.find("form", action=f"/admin/api-clients/{api_client.id}/revoke")
    assert client.post("/admin/api-clients/999999/revoke").status_code == 404


def test_only_admins_reach_the_client_pages(client, db_session):
    make_user("officer@flanders.example", Role.OFFICER)
    login(client, "officer@flanders.example")
    assert client.get("/admin/api-clients/").status_code == 403
    api_client, _key = new_key()
    assert client.post(f"/admin/api-clients/{api_client.id}/revoke").status_code == 403
    assert db.session.get(ApiClient, api_client.id).revoked_at is None


def test_the_cli_creates_a_client_and_prints_its_key_once(app, db_session):
    cli_app = create_app(dict(app.config))
    register_cli(cli_app)
    result = cli_app.test_cli_runner().invoke(
        args=[
            "api",
            "create-client",
            "DVZ",
            "--scope",
            "dossiers:read",
            "--scope",
            "decisions:write",
        ]
    )
    assert result.exit_code == 0, result.output
    key = result.output.strip().splitlines()[-1]
    api_client = db.session.scalar(select(ApiClient).where(ApiClient.name == "DVZ"))
    assert api_client.scope_set == {"dossiers:read", "decisions:write"}
    assert api_client.key_hash == hashlib.sha256(key.encode()).hexdigest()
    bad = cli_app.test_cli_runner().invoke(args=["api", "create-client", "X", "--scope", "all"])
    assert bad.exit_code != 0
    unnamed = cli_app.test_cli_runner().invoke(
        args=["api", "create-client", " ", "--scope", "dossiers:read"]
    )
    assert unnamed.exit_code == 2 and "name" in unnamed.output


# --- The OpenAPI document ---------------------------------------------------------------


def _resolve(document: dict, pointer: str):
    node = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part]
    return node


def _refs(node):
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_the_openapi_document_describes_exactly_the_endpoints(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.get_data(as_text=True))
    assert document["openapi"] == "3.1.0"
    base = document["servers"][0]["url"]
    documented = {
        (base + path, method.upper())
        for path, operations in document["paths"].items()
        for method in operations
    }
    implemented = {
        (re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule), method)
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == implemented
    for ref in set(_refs(document)):
        assert _resolve(document, ref) is not None, ref
    scheme = document["components"]["securitySchemes"]["apiKey"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    assert document["security"] == [{"apiKey": []}]
    assert document["paths"]["/openapi.json"]["get"]["security"] == []
    error = document["components"]["schemas"]["Error"]
    assert error["properties"]["error"]["required"] == ["code", "message"]
    decision = document["paths"]["/dossiers/{reference}/residence-decision"]["post"]
    assert set(decision["responses"]) == {
        *("200", "400", "401", "403", "404", "409", "413", "415", "422", "429", "500")
    }
    header = _resolve(document, decision["parameters"][1]["$ref"])
    assert header["name"] == "Idempotency-Key" and header["in"] == "header" and header["required"]
    for path, operations in document["paths"].items():
        for operation in operations.values():
            if path != "/openapi.json":
                assert {"401", "403", "429", "500"} <= set(operation["responses"]), path


def test_a_json_error_for_a_refused_call_matches_the_documented_schema(client, forwarded):
    document = client.get("/api/v1/openapi.json").json
    schema = document["components"]["schemas"]["Error"]["properties"]["error"]
    _client, key = new_key([keys.DECISIONS_WRITE])
    body = post_decision(client, forwarded.reference, key, {}).json["error"]
    assert set(schema["required"]) <= set(body) <= set(schema["properties"])
