"""The exchange API under hostile input: every input bounded, every error in the JSON shape."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from portal import audit
from portal.api import body as api_body
from portal.api import keys
from portal.api.models import IdempotencyRecord
from portal.api.openapi import (
    DOSSIER_STATUSES,
    FEDERAL_DECISIONS,
    FLEMISH_DECISIONS,
    TEXT_PATTERN,
    document,
)
from portal.dossiers.lifecycle import handling, status
from portal.dossiers.models import Dossier, DossierStatus, FederalDecision, FlemishDecision
from portal.extensions import db
from tests.api import test_api
from tests.api.test_api import api_entries, bearer, decide_url, new_key, post_decision, today
from tests.support import make_user

# The files of tests/api/test_api.py: one submitted, one forwarded to DVZ.
submitted = test_api.submitted
forwarded = test_api.forwarded


def good_body() -> str:
    """A valid decision's body, dated the portal's today when it is sent."""
    return json.dumps({"decision": "granted", "decided_on": today().isoformat()})


def assert_json_error(response, status_code: int, code: str | None = None) -> dict:
    """The response is the API's JSON error document with this status."""
    assert response.status_code == status_code, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    error = response.json["error"]
    assert isinstance(error["code"], str) and error["code"]
    assert isinstance(error["message"], str) and error["message"]
    assert set(error) <= {"code", "message", "fields", "request_id"}
    if code is not None:
        assert error["code"] == code
    return error


def post_raw(client, reference, key, data, content_type="application/json", **kwargs):
    headers = {**bearer(key), "Idempotency-Key": "raw-1", **kwargs.pop("headers", {})}
    return client.post(
        decide_url(reference), data=data, headers=headers, content_type=content_type, **kwargs
    )


def nothing_recorded(dossier: Dossier) -> bool:
    db.session.expire_all()
    return (
        dossier.status == DossierStatus.FORWARDED
        and db.session.scalar(select(func.count(IdempotencyRecord.id))) == 0
    )


# --- Size and depth ---------------------------------------------------------------------


def test_100k_opening_brackets_are_refused_as_json(app, client, forwarded, monkeypatch):
    _client, key = new_key([keys.DECISIONS_WRITE])
    too_large = post_raw(client, forwarded.reference, key, "[" * 100_000)
    assert_json_error(too_large, 413, "payload_too_large")
    # Within a raised size limit, the parser's recursion error is a 400, not a 500.
    monkeypatch.setitem(app.config, "API_MAX_BODY_BYTES", 1_000_000)
    for text in ("[" * 100_000, "[" * 100_000 + "]" * 100_000, '{"a":' * 50_000 + "1"):
        error = assert_json_error(post_raw(client, forwarded.reference, key, text), 400)
        assert error["code"] == "invalid_json"
    assert nothing_recorded(forwarded)


@pytest.mark.parametrize("depth", [9, 50, 900])
def test_json_nested_deeper_than_8_is_refused(client, forwarded, depth):
    _client, key = new_key([keys.DECISIONS_WRITE])
    nested = "[" * depth + "]" * depth
    text = good_body()[:-1] + f', "x": {nested}}}'
    error = assert_json_error(post_raw(client, forwarded.reference, key, text), 400)
    assert "nested" in error["message"]
    shallow = '{"x": %s}' % ("[" * 7 + "]" * 7)  # 8 levels: within the bound, then 422
    assert_json_error(post_raw(client, forwarded.reference, key, shallow), 422, "invalid_body")


class Exploding(io.RawIOBase):
    """A request body that must never be read."""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise AssertionError("the body was read")


def test_a_100_mb_content_length_is_refused_unread(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    response = post_raw(
        client,
        forwarded.reference,
        key,
        b"{}",
        environ_overrides={"CONTENT_LENGTH": str(100 * 1024 * 1024), "wsgi.input": Exploding()},
    )
    error = assert_json_error(response, 413, "payload_too_large")
    assert "65536" in error["message"]
    assert nothing_recorded(forwarded)


def test_a_chunked_body_is_cut_at_the_limit(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    data = b'{"reason": "' + b"x" * 200_000 + b'"}'
    response = post_raw(
        client,
        forwarded.reference,
        key,
        data,
        environ_overrides={
            "CONTENT_LENGTH": "",
            "HTTP_TRANSFER_ENCODING": "chunked",
            "wsgi.input": io.BytesIO(data),
            "wsgi.input_terminated": True,
        },
    )
    assert_json_error(response, 413, "payload_too_large")


def test_a_body_of_exactly_the_limit_is_read(app, client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    padding = api_body.DEFAULT_MAX_BODY_BYTES - len(good_body())
    text = good_body() + " " * padding
    assert len(text.encode()) == api_body.DEFAULT_MAX_BODY_BYTES
    assert post_raw(client, forwarded.reference, key, text).status_code == 200
    assert_json_error(post_raw(client, forwarded.reference, key, text + " "), 413)


# --- Encoding and JSON values -----------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'{"decision": "granted", "decided_on": "\xff\xfe"}',  # not UTF-8
        b"\xef\xbb\xbf" + good_body().encode(),  # a byte-order mark
        b'{"decision": "granted", "decided_on": "\xed\xa0\x80"}',  # an encoded surrogate
        b"",
        b"   ",
        b'{"decision": "granted",}',
        b"{'decision': 'granted'}",
    ],
)
def test_a_body_that_is_not_utf8_json_is_400(client, forwarded, data):
    _client, key = new_key([keys.DECISIONS_WRITE])
    assert_json_error(post_raw(client, forwarded.reference, key, data), 400, "invalid_json")
    assert nothing_recorded(forwarded)


@pytest.mark.parametrize(
    "value",
    [
        "NaN",
        "Infinity",
        "-Infinity",
        "1e999",
        "-1e999",
        "123456789012345678901234567890",
        "1" * 5000,  # more digits than int() takes
        '"\\ud800"',  # a lone surrogate
        '"\\udfff x"',
        '["\\ud83d"]',
    ],
)
def test_non_finite_huge_or_unencodable_values_are_400(client, forwarded, value):
    _client, key = new_key([keys.DECISIONS_WRITE])
    text = good_body()[:-1] + f', "reason": {value}}}'
    assert_json_error(post_raw(client, forwarded.reference, key, text), 400, "invalid_json")
    assert nothing_recorded(forwarded)


def test_a_duplicated_key_is_400(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    text = '{"decision": "refused", ' + good_body()[1:]
    assert_json_error(post_raw(client, forwarded.reference, key, text), 400, "invalid_json")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"decision": "granted\u0000"}, "decision"),
        ({"reason": "fine\u0000"}, "reason"),
        ({"reason": "bell\u0007"}, "reason"),
        ({"reason": "c1\u0085"}, "reason"),
        ({"reason": "\u202eevil"}, "reason"),
        ({"reason": "x" * 2001}, "reason"),
        ({"reason": ["a list"]}, "reason"),
        ({"decided_on": "0001-01-01"}, "decided_on"),
        ({"decided_on": "9999-12-31"}, "decided_on"),
        ({"decided_on": f"{today().isoformat()}\n"}, "decided_on"),
        ({"decided_on": "２０２６-01-01"}, "decided_on"),
        ({"decided_on": 20260101}, "decided_on"),
        ({"decided_on": None}, "decided_on"),
        ({"decision": "GRANTED"}, "decision"),
        ({"decision": True}, "decision"),
        ({"extra\u0000": 1}, "extra\u0000"),
    ],
)
def test_hostile_field_values_are_422_for_that_field(client, forwarded, body, field):
    _client, key = new_key([keys.DECISIONS_WRITE])
    sent = {"decision": "granted", "decided_on": today().isoformat(), **body}
    error = assert_json_error(post_decision(client, forwarded.reference, key, sent), 422)
    assert error["code"] == "invalid_body" and set(error["fields"]) == {field}
    assert nothing_recorded(forwarded)


def test_a_reason_with_line_breaks_and_tabs_is_kept(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    reason = "Line one\r\nline two\twith a tab – and ünïcödé"
    body = {"decision": "refused", "decided_on": today().isoformat(), "reason": reason}
    assert post_decision(client, forwarded.reference, key, body).status_code == 200


def test_many_unknown_fields_get_a_bounded_answer(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    body = {"decision": "granted", "decided_on": today().isoformat()}
    body.update({f"{'k' * 150}{n:04}": n for n in range(300)})
    body.update({f"short{n}": n for n in range(20)})
    response = post_decision(client, forwarded.reference, key, body)
    error = assert_json_error(response, 422, "invalid_body")
    assert len(error["fields"]) == 11 and "320 unknown fields" in error["fields"][""][0]
    assert all(len(name) <= 100 for name in error["fields"])
    assert len(response.get_data()) < 5000


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/xml",
        "",
    ],
)
def test_a_body_not_declared_as_utf8_json_is_415(client, forwarded, content_type):
    _client, key = new_key([keys.DECISIONS_WRITE])
    response = post_raw(client, forwarded.reference, key, good_body(), content_type=content_type)
    assert_json_error(response, 415, "unsupported_media_type")
    assert nothing_recorded(forwarded)


def test_json_with_a_utf8_charset_or_a_json_suffix_is_taken(client, forwarded):
    _client, key = new_key([keys.DECISIONS_WRITE])
    response = post_raw(
        client,
        forwarded.reference,
        key,
        good_body(),
        content_type="application/json; charset=UTF-8",
    )
    assert response.status_code == 200


# --- Path, query and headers ------------------------------------------------------------


@pytest.mark.parametrize(
    "reference",
    ["SP%00", "SP-2026-7K3QX9-M%00", "%C3%BF" * 10, "x" * 5000, "sp-2026-7k3qx9-m", "%ED%A0%80"],
)
def test_a_malformed_reference_is_a_json_404(client, forwarded, reference):
    _client, key = new_key()
    for response in (
        client.get(f"/api/v1/dossiers/{reference}", headers=bearer(key)),
        post_decision(client, reference, key),
    ):
        assert_json_error(response, 404, "not_found")
    assert nothing_recorded(forwarded)


def test_a_draft_is_not_visible_even_with_a_reference(client, db_session):
    creator = make_user("hr@acme.example")
    db.session.add(
        Dossier(reference="SP-2026-DRAFT2-X", created_by_id=creator.id, status=DossierStatus.DRAFT)
    )
    db.session.commit()
    _client, key = new_key()
    response = client.get("/api/v1/dossiers/SP-2026-DRAFT2-X", headers=bearer(key))
    assert_json_error(response, 404, "not_found")


@pytest.mark.parametrize("page", ["²", "１", "٣", "12345678", "1000001", "1.0", "1e3", " 1", ""])
def test_a_page_that_is_not_a_small_ascii_number_is_422(client, db_session, page):
    _client, key = new_key([keys.FORWARDED_READ])
    response = client.get("/api/v1/forwarded", query_string={"page": page}, headers=bearer(key))
    error = assert_json_error(response, 422, "invalid_query")
    assert set(error["fields"]) == {"page"}


def test_the_last_page_has_no_next_link(client, db_session):
    _client, key = new_key([keys.FORWARDED_READ])
    response = client.get("/api/v1/forwarded?page=1000000&unknown=1", headers=bearer(key))
    assert response.status_code == 200 and response.json["next"] is None


@pytest.mark.parametrize(
    "idempotency_key", ["k" * 101, "with space", "caf\u00e9", "tab\there", "nul\u0000"]
)
def test_an_idempotency_key_out_of_bounds_is_400(client, forwarded, idempotency_key):
    _client, key = new_key([keys.DECISIONS_WRITE])
    try:
        response = post_decision(client, forwarded.reference, key, idempotency_key=idempotency_key)
    except ValueError:  # the test client itself refuses some header values
        return
    assert_json_error(response, 400, "idempotency_key_invalid")
    assert nothing_recorded(forwarded)


def test_a_huge_authorization_header_is_401_without_a_lookup(client, forwarded):
    _client, key = new_key()
    header = f"Bearer {key}" + " " * 10_000
    assert keys.identify(header) is None
    response = client.get(
        f"/api/v1/dossiers/{forwarded.reference}", headers={"Authorization": header}
    )
    assert_json_error(response, 401, "unauthorized")


# --- Errors outside the views -----------------------------------------------------------


def test_unknown_urls_and_methods_answer_json(client, db_session):
    assert_json_error(client.get("/api/v1/nowhere"), 404, "not_found")
    assert_json_error(client.get("/api/v2/dossiers"), 404, "not_found")
    not_allowed = client.delete("/api/v1/forwarded")
    assert_json_error(not_allowed, 405, "method_not_allowed")
    assert "GET" in not_allowed.headers["Allow"]
    posted = client.post("/api/v1/openapi.json", json={})
    assert_json_error(posted, 405, "method_not_allowed")
    got = client.get("/api/v1/dossiers/SP-2026-7K3QX9-M/residence-decision")
    assert_json_error(got, 405)
    assert got.headers["Allow"].split(", ") == ["POST"] or "POST" in got.headers["Allow"]


@pytest.mark.csrf
def test_api_errors_stay_json_with_csrf_switched_on(app, client, forwarded):
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        assert_json_error(client.post("/api/v1/nowhere", data={"a": "b"}), 404)
        assert_json_error(client.put("/api/v1/forwarded"), 405)
        _client, key = new_key([keys.DECISIONS_WRITE])
        assert post_decision(client, forwarded.reference, key).status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_an_unexpected_error_is_a_json_500_with_a_request_id(client, forwarded, monkeypatch):
    api_client, key = new_key([keys.DECISIONS_WRITE, keys.DOSSIERS_READ])

    def broken(dossier, decision, **kwargs):
        dossier.federal_decision = "granted"  # a change that must not survive
        raise RecursionError("deep inside")

    monkeypatch.setattr(handling, "record_residence", broken)
    response = post_decision(client, forwarded.reference, key)
    error = assert_json_error(response, 500, "internal_error")
    assert re.fullmatch(r"[0-9a-f]{32}", error["request_id"])
    assert response.headers["X-Request-Id"] == error["request_id"]
    assert "deep inside" not in response.get_data(as_text=True)
    db.session.expire_all()
    assert forwarded.federal_decision is None and nothing_recorded(forwarded)
    # The portal goes on answering.
    again = client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(key))
    assert again.status_code == 200


def test_a_domain_error_from_a_service_is_json(client, forwarded, monkeypatch):
    from portal.errors import NotAllowed

    _client, key = new_key([keys.DOSSIERS_READ])

    def refuse(reference):
        raise NotAllowed

    monkeypatch.setattr(handling, "find_by_reference", refuse)
    response = client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(key))
    assert_json_error(response, 403, "forbidden")


# --- Rate limit and audit of refusals ---------------------------------------------------


def test_scope_refusals_are_rate_limited_and_audited_once_a_minute(
    app, client, forwarded, monkeypatch
):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    reader, key = new_key([keys.DOSSIERS_READ])
    before = len(api_entries())
    statuses = [client.get("/api/v1/forwarded", headers=bearer(key)).status_code for _ in range(20)]
    assert statuses == [403] * 3 + [429] * 17
    # The refused calls spent the key's budget: its own scope is refused too now.
    own = client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(key))
    assert_json_error(own, 429, "rate_limited")
    assert int(own.headers["Retry-After"]) >= 1
    entries = [(e.action, e.detail) for e in api_entries(reader.id)]
    assert entries == [("api:forwarded", "403"), ("api:forwarded", "429"), ("api:dossier", "429")]
    assert len(api_entries()) - before == 3
    assert audit.verify().intact


def test_a_revoked_key_that_keeps_calling_is_limited_and_audited_once(
    app, client, forwarded, monkeypatch
):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    api_client, key = new_key()
    keys.revoke(None, api_client.id)
    db.session.commit()
    url = f"/api/v1/dossiers/{forwarded.reference}"
    statuses = [client.get(url, headers=bearer(key)).status_code for _ in range(10)]
    assert statuses == [401, 401] + [429] * 8
    assert [e.detail for e in api_entries(api_client.id)] == ["401", "429"]


def test_calls_without_a_known_key_are_limited_per_address(app, client, forwarded, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "2 per minute")
    url = f"/api/v1/dossiers/{forwarded.reference}"
    wrong = {"Authorization": "Bearer abcdefgh." + "x" * 43}
    statuses = [client.get(url, headers=wrong).status_code for _ in range(4)]
    assert statuses == [401, 401, 429, 429]
    elsewhere = client.get(url, headers=wrong, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert elsewhere.status_code == 401
    # A client with a key has its own budget, whatever its address.
    _client, key = new_key([keys.DOSSIERS_READ])
    assert client.get(url, headers=bearer(key)).status_code == 200
    assert api_entries() == [] or all(e.api_client_id is not None for e in api_entries())


def test_calls_within_the_limit_are_each_audited(app, client, forwarded, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "50 per minute")
    api_client, key = new_key([keys.DOSSIERS_READ])
    for _ in range(3):
        client.get("/api/v1/dossiers/SP-2026-AAAAAA-A", headers=bearer(key))
    assert [e.detail for e in api_entries(api_client.id)] == ["404", "404", "404"]


def test_a_broken_rate_limit_store_lets_calls_through(client, forwarded, monkeypatch):
    from portal.api import views

    def broken(*args, **kwargs):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(views.limiter.limiter, "hit", broken)
    _client, key = new_key([keys.DOSSIERS_READ])
    response = client.get(f"/api/v1/dossiers/{forwarded.reference}", headers=bearer(key))
    assert response.status_code == 200


# --- The document agrees with the code --------------------------------------------------


def test_the_documented_enums_are_the_models(client, db_session):
    served = client.get("/api/v1/openapi.json").json["components"]["schemas"]
    dossier = served["Dossier"]["properties"]
    expected = {s.value for s in DossierStatus} - {DossierStatus.DRAFT.value}
    assert set(dossier["status"]["enum"]) == expected
    assert len(dossier["status"]["enum"]) == len(expected) == len(DossierStatus) - 1
    # The outcome enums, in their order, and what the status machine records.
    assert dossier["flemish_decision"]["enum"] == [*FlemishDecision.values(), None]
    assert dossier["federal_decision"]["enum"] == [*FederalDecision.values(), None]
    assert set(dossier["flemish_decision"]["enum"]) == {*status.FLEMISH_DECISIONS.values(), None}
    assert set(dossier["federal_decision"]["enum"]) == {*status.FEDERAL_DECISIONS.values(), None}
    decision = served["ResidenceDecision"]
    assert decision["properties"]["decision"]["enum"] == FederalDecision.values()
    assert set(decision["properties"]["decision"]["enum"]) == set(handling.RESIDENCE)
    assert set(decision["properties"]) == {"decision", "decided_on", "reason"}
    assert decision["additionalProperties"] is False
    assert sorted(DOSSIER_STATUSES) == sorted(expected)
    assert sorted(FLEMISH_DECISIONS) == ["authorised", "inadmissible", "refused"]
    assert sorted(FEDERAL_DECISIONS) == ["granted", "refused"]


def test_the_documented_text_pattern_is_the_check():
    pattern = re.compile(TEXT_PATTERN)
    for code_point in [*range(0, 0x3000), *range(0xE000, 0x10000)]:
        char = chr(code_point)
        documented = pattern.fullmatch(char) is not None
        checked = api_body.text_problem(char, max_length=10) is None
        assert documented == checked, hex(code_point)


def test_the_documented_bounds_are_the_checks():
    from portal.api import views

    doc = document()
    decision = doc["components"]["schemas"]["ResidenceDecision"]["properties"]
    assert decision["reason"]["maxLength"] == views.MAX_REASON
    page = doc["paths"]["/forwarded"]["get"]["parameters"][0]["schema"]
    assert page["maximum"] == views.MAX_PAGE
    reference = doc["components"]["parameters"]
    assert reference["IdempotencyKey"]["schema"]["maxLength"] == 100
    assert "64 KiB" in doc["info"]["description"]
    assert api_body.DEFAULT_MAX_BODY_BYTES == 64 * 1024


def test_a_decision_on_a_file_forwarded_yesterday_is_taken(client, forwarded):
    forwarded.forwarded_on = today() - timedelta(days=1)
    db.session.commit()
    _client, key = new_key([keys.DECISIONS_WRITE])
    body = {"decision": "granted", "decided_on": (today() - timedelta(days=1)).isoformat()}
    assert post_decision(client, forwarded.reference, key, body).status_code == 200


# --- Client names (admin page and command line) -----------------------------------------


@pytest.mark.parametrize("name", ["DVZ\u0000", "DVZ\nhttp://evil.example", "DV\rZ", "\u202eZVD"])
def test_a_client_name_with_control_characters_is_refused(client, db_session, name):
    from portal.accounts.models import Role
    from portal.api.models import ApiClient
    from portal.errors import Invalid
    from portal.i18n import force_locale
    from tests.support import login

    with pytest.raises(Invalid) as invalid, force_locale("en"):
        keys.create_client(None, name, [keys.DOSSIERS_READ])
    assert set(invalid.value.errors) == {"name"}
    make_user("admin@flanders.example", Role.ADMIN)
    login(client, "admin@flanders.example")
    response = client.post(
        "/admin/api-clients/?lang=en", data={"name": name, "scopes": [keys.DOSSIERS_READ]}
    )
    if name.startswith("\u202e"):
        # The shared form rules strip invisible direction marks from one-line fields.
        assert response.status_code == 200  # the page that shows the new key once
        assert db.session.scalar(select(ApiClient.name)) == "ZVD"
        return
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "control characters" in page or "on one line" in page
    assert db.session.scalar(select(func.count(ApiClient.id))) == 0
