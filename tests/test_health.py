"""/readyz (database, migrations at head, a fresh worker heartbeat) and /metrics
(Prometheus text, token- or loopback-protected), each with its failure cases."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import OperationalError

from portal import clock, health, jobs, mail
from portal.extensions import db
from portal.worker import WorkerHeartbeat, beat

REMOTE = {"REMOTE_ADDR": "203.0.113.7"}


@pytest.fixture
def alive(db_session):
    beat("test-host:1", clock.now())


def test_ready_with_database_migrations_and_a_fresh_heartbeat(client, alive):
    response = client.get("/readyz")
    assert response.status_code == 200, response.json
    assert response.json == {
        "status": "ok",
        "checks": {"database": "ok", "migrations": "ok", "worker": "ok"},
    }
    assert response.headers["Cache-Control"] == "no-store"


def test_not_ready_without_any_worker(client):
    db.session.execute(db.delete(WorkerHeartbeat))
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["worker"]
    assert response.json["checks"]["worker"] == "no heartbeat"


def test_not_ready_when_the_heartbeat_is_too_old(client, app):
    db.session.execute(db.delete(WorkerHeartbeat))
    long_ago = clock.now() - timedelta(seconds=app.config["WORKER_HEARTBEAT_MAX_AGE"] + 5)
    db.session.add(WorkerHeartbeat(name="old:1", started_at=long_ago, last_seen=long_ago))
    db.session.flush()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["worker"] == "heartbeat too old"


def test_not_ready_when_migrations_are_behind(client, alive, monkeypatch):
    monkeypatch.setattr(health, "_migration_heads", lambda: {"a_newer_revision"})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["failed"] == ["migrations"]
    assert response.json["checks"]["migrations"] == "not at head"


def test_not_ready_when_the_database_is_down(client, alive, monkeypatch):
    def down(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", down)
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["database"] == "unavailable"
    assert "connection refused" not in response.get_data(as_text=True)  # no detail leaks


def test_healthz_stays_the_plain_liveness_check(client):
    db.session.execute(db.delete(WorkerHeartbeat))
    assert client.get("/healthz").status_code == 200


# --- /metrics ----------------------------------------------------------------------------


def _queue_one(app) -> None:
    """A message waiting for its next attempt (so no request sends it meanwhile)."""
    db.session.add(
        mail.OutboxMessage(
            recipient="metrics@example.be",
            subject="s",
            body_text="t",
            body_html="h",
            locale="en",
            template="mail_test",
            next_attempt_at=clock.now() + timedelta(hours=1),
        )
    )
    db.session.commit()  # a savepoint here: a later 404 rolls back only its own work


def test_metrics_from_loopback_without_a_token(client, app, alive):
    _queue_one(app)
    client.get("/healthz")
    client.open("/healthz", method="FOOBAR")  # an unknown method is one label, "other"
    client.get("/no/such/page/" + "x" * 300)
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert 'portal_http_requests_total{endpoint="home.healthz",method="GET",status="200"}' in body
    assert 'method="other"' in body and "FOOBAR" not in body
    assert 'endpoint="unmatched"' in body and "xxxxx" not in body
    assert 'portal_http_request_duration_seconds_bucket{endpoint="home.healthz"' in body
    for queue in jobs.queues():
        assert f'portal_queue_waiting{{queue="{queue}"}}' in body
        assert f'portal_queue_parked{{queue="{queue}"}}' in body
        assert f'portal_queue_oldest_waiting_seconds{{queue="{queue}"}}' in body
    waiting = next(
        line for line in body.splitlines() if line.startswith('portal_queue_waiting{queue="mail"}')
    )
    assert float(waiting.split()[-1]) >= 1
    assert 'portal_intake_messages{outcome="accepted"}' in body
    assert "portal_worker_heartbeat_age_seconds" in body


def test_parked_items_are_counted(client, app):
    _queue_one(app)
    message = db.session.scalars(
        db.select(mail.OutboxMessage).where(mail.OutboxMessage.recipient == "metrics@example.be")
    ).first()
    message.parked_at = clock.now()
    db.session.commit()
    body = client.get("/metrics").get_data(as_text=True)
    parked = next(
        line for line in body.splitlines() if line.startswith('portal_queue_parked{queue="mail"}')
    )
    assert float(parked.split()[-1]) >= 1


def test_metrics_refuse_other_networks_without_a_token(client):
    response = client.get("/metrics", environ_base=REMOTE)
    assert response.status_code == 403
    assert "portal_" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "header",
    [
        None,
        "Bearer wrong-token",
        "Bearer ",
        "Basic czNjcjN0LW1ldHJpY3MtdG9rZW4=",
        "s3cr3t-metrics-token",
        "Bearer s3cr3t-metrics-token-and-more",
        "Bearer s3cr3t-metrics-tokeñ",
    ],
)
def test_metrics_with_a_token_want_exactly_that_token(client, app, monkeypatch, header):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cr3t-metrics-token")
    headers = {"Authorization": header} if header else {}
    # Loopback is not enough once a token is set.
    assert client.get("/metrics", headers=headers).status_code == 403


def test_metrics_with_the_right_token_from_anywhere(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cr3t-metrics-token")
    response = client.get(
        "/metrics",
        headers={"Authorization": "Bearer s3cr3t-metrics-token"},
        environ_base=REMOTE,
    )
    assert response.status_code == 200
    assert "portal_queue_waiting" in response.get_data(as_text=True)


def test_metrics_add_up_the_processes_in_multiprocess_mode(client, tmp_path, monkeypatch):
    # What gunicorn's processes wrote is read from PROMETHEUS_MULTIPROC_DIR.
    from prometheus_client import CollectorRegistry, Counter, values

    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    monkeypatch.setattr(values, "ValueClass", values.MultiProcessValue(lambda: 4242))
    counter = Counter(
        "portal_http_requests",
        "x",
        ["endpoint", "method", "status"],
        registry=CollectorRegistry(),
    )
    counter.labels("home.index", "GET", "200").inc(7)
    body = client.get("/metrics").get_data(as_text=True)
    assert 'portal_http_requests_total{endpoint="home.index",method="GET",status="200"} 7.0' in body
    assert "portal_queue_waiting" in body
