"""Structured logs: one JSON object per line, with a request id that follows the queued jobs."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import select

from portal import config, logs, mail
from portal.extensions import db
from portal.mail import OutboxMessage
from tests.support import PASSWORD, login, make_user

PROXY_ID = "lb-7f3a9c2e-0001"


@pytest.fixture
def json_lines():
    """Every log line written while the test runs, parsed (each must be one JSON object)."""
    stream = io.StringIO()
    handler = logs.make_handler("json", stream)
    root = logging.getLogger()
    root.addHandler(handler)

    def lines() -> list[dict]:
        raw = stream.getvalue().splitlines()
        return [json.loads(line) for line in raw]  # fails on any line that is not JSON

    try:
        yield lines
    finally:
        root.removeHandler(handler)


def request_lines(lines: list[dict]) -> list[dict]:
    return [line for line in lines if line["logger"] == logs.REQUESTS]


def test_production_logs_json_and_development_text(monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    monkeypatch.setenv("PORTAL_ENV", "production")
    assert config.from_environment()["LOG_FORMAT"] == "json"
    monkeypatch.setenv("PORTAL_ENV", "development")
    assert config.from_environment()["LOG_FORMAT"] == "text"
    monkeypatch.setenv("LOG_FORMAT", "json")
    assert config.from_environment()["LOG_FORMAT"] == "json"


def test_a_request_ends_with_one_json_line_with_its_id_status_and_user(client, json_lines):
    user = make_user("logged@example.be")
    login(client, "logged@example.be", PASSWORD)
    response = client.get("/account/", headers={"X-Request-ID": PROXY_ID})
    assert response.status_code == 200
    assert response.headers["X-Request-ID"] == PROXY_ID
    line = request_lines(json_lines())[-1]
    assert line["request_id"] == PROXY_ID
    assert line["level"] == "INFO"
    assert line["method"] == "GET"
    assert line["path"] == "/account/"
    assert line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == user.id
    assert line["time"].endswith("+00:00")
    assert {"message", "logger"} <= set(line)


def test_the_log_line_names_the_route_never_the_token_in_the_url(client, json_lines):
    secret = "s3cr3t-reset-token-that-must-not-be-logged"
    client.get(f"/account/password/reset/{secret}?email=someone@example.be")
    text = json.dumps(json_lines())
    assert secret not in text and "someone@example.be" not in text
    assert request_lines(json_lines())[-1]["path"] == "/account/password/reset/<token>"


def test_no_password_address_or_mail_body_gets_into_the_logs(client, mailbox, json_lines):
    make_user("private@example.be")
    client.post("/account/login", data={"email": "private@example.be", "password": "wrong-Pa55"})
    login(client, "private@example.be", PASSWORD)
    client.post("/account/logout")
    response = client.post("/account/password/forgot", data={"email": "private@example.be"})
    response.close()  # the deferred reset mail goes now, and is logged as delivered
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == "private@example.be")
    ).one()
    assert message.sent_at is not None
    text = json.dumps(json_lines())
    assert [line["status"] for line in request_lines(json_lines())] == [200, 302, 302, 302]
    for secret in ("wrong-Pa55", PASSWORD, "private@example.be", message.subject):
        assert secret not in text
    assert message.body_text.splitlines()[0] not in text


@pytest.mark.parametrize(
    "hostile",
    [
        "abc12345\r\nX-Injected: 1",
        "abc12345\nfake log line",
        "a" * 10_000,
        'abc12345", "level": "CRITICAL", "x": "',
        "",
        "short",
        "../../etc/passwd",
    ],
)
def test_a_hostile_request_id_is_replaced_by_our_own(client, json_lines, hostile):
    # In the WSGI environ: the test client refuses CR/LF in headers, a raw socket would not.
    response = client.get("/healthz", environ_base={"HTTP_X_REQUEST_ID": hostile})
    ours = response.headers["X-Request-ID"]
    assert ours != hostile and len(ours) == 32 and ours.isalnum()
    line = request_lines(json_lines())[-1]
    assert line["request_id"] == ours
    assert line["level"] == "INFO"  # the quotes did not forge a field
    assert "X-Injected" not in json.dumps(json_lines())


def test_the_queued_mail_carries_the_request_id_and_the_worker_logs_it(client, mailbox, json_lines):
    make_user("forgetful@example.be")
    response = client.post(
        "/account/password/forgot",
        data={"email": "forgetful@example.be"},
        headers={"X-Request-ID": PROXY_ID},
    )
    assert response.status_code == 302  # not closed: the deferred mail waits for the worker
    message = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.recipient == "forgetful@example.be")
    ).one()
    assert message.request_id == PROXY_ID
    assert message.sent_at is None

    # The worker, outside any request, delivers it and logs under the same id.
    mail.deliver_due(ids=[message.id])
    assert message.sent_at is not None
    delivered = [
        line for line in json_lines() if line["logger"] == logs.JOBS and line.get("queue") == "mail"
    ]
    assert delivered[-1]["item_id"] == message.id
    assert delivered[-1]["request_id"] == PROXY_ID


def test_a_parked_item_is_logged_with_the_id_of_its_request(app, db_session, json_lines):
    from portal import jobs

    with app.test_request_context("/", headers={"X-Request-ID": PROXY_ID}):
        message = mail.queue("nobody@invalid.example", "verify_email", "en", link="http://x")
        db.session.commit()
    assert message.request_id == PROXY_ID

    def refuse(item):
        raise OSError("relay said no")

    broken = jobs.Queue(name="mail", model=OutboxMessage, process=refuse)
    absent = "JOBS_MAX_ATTEMPTS" not in app.config
    app.config["JOBS_MAX_ATTEMPTS"], before = 1, app.config.get("JOBS_MAX_ATTEMPTS")
    try:
        jobs.run(broken, ids=[message.id])
    finally:
        if absent:  # the app is shared: leave no None behind
            app.config.pop("JOBS_MAX_ATTEMPTS")
        else:
            app.config["JOBS_MAX_ATTEMPTS"] = before
    assert message.parked_at is not None
    parked = [line for line in json_lines() if "parked" in line["message"]]
    assert parked and parked[-1]["request_id"] == PROXY_ID
    assert parked[-1]["level"] == "ERROR"
    failed = [line for line in json_lines() if "relay said no" in line["message"]]
    assert failed and failed[-1]["request_id"] == PROXY_ID


def test_a_job_outside_any_request_queues_items_without_an_id(app, db_session):
    message = mail.queue("cron@example.be", "verify_email", "en", link="http://x")
    db.session.flush()
    assert message.request_id is None
    with logs.job_context("job-origin-0001"):
        child = mail.queue("child@example.be", "verify_email", "en", link="http://x")
        db.session.flush()
    assert child.request_id == "job-origin-0001"


def test_every_outbox_keeps_the_request_id(app):
    from portal import jobs

    with app.app_context():
        queues = jobs.queues()
        assert {"mail", "exchange", "webhooks"} <= set(queues)
        for queue in queues.values():
            assert "request_id" in queue.model.__table__.columns, queue.name


def test_a_response_keeps_its_own_request_id_and_gets_ours_otherwise(app):
    from flask import Response

    from portal.errors import request_id

    hooks = app.after_request_funcs[None]
    hook = next(f for f in hooks if getattr(f, "__name__", "") == "_request_id_header")
    with app.test_request_context("/", environ_base={"HTTP_X_REQUEST_ID": PROXY_ID}):
        own = hook(Response("x", headers={"x-request-id": "view-own-0001"}))
        assert own.headers.getlist("X-Request-ID") == ["view-own-0001"]
        given = hook(Response("x"))
        assert given.headers.getlist("X-Request-ID") == [PROXY_ID] == [request_id()]
