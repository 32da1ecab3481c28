"""`flask worker`: the queues, the periodic jobs once per period, the heartbeat, SIGTERM;
and `flask mail test`, which refuses hostile addresses."""

from __future__ import annotations

import os
import signal
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, text

from portal import clock, jobs, mail, scheduler
from portal.extensions import db
from portal.mail import OutboxMessage
from portal.scheduler import Periodic, ScheduledRun
from portal.worker import Worker, WorkerHeartbeat, beat, last_heartbeat


@pytest.fixture(autouse=True)
def context(app, db_session, monkeypatch):
    # What this process remembers as done belongs to the rolled-back database of a test.
    monkeypatch.setitem(app.extensions, "periodic_done", {})
    with app.test_request_context("/?lang=en"):
        yield


@pytest.fixture
def no_periodic(app, monkeypatch):
    monkeypatch.setitem(app.extensions, "periodic_jobs", {})


def _queue_test_mails(count: int) -> list[int]:
    ids = []
    for n in range(count):
        message = mail.queue(f"w{n}@example.be", "mail_test", "en", number=n, home_link="x")
        db.session.flush()
        ids.append(message.id)
    db.session.commit()
    return ids


def test_the_portal_and_the_plugin_register_their_periodic_jobs(app):
    registered = scheduler.jobs()
    expected = {"audit.seal", "uploads.sweep", "intake.poll", "onboarding.remind"}
    assert expected | {"accounts.expire_claims"} <= set(registered)
    assert registered["audit.seal"].every == timedelta(hours=1)
    assert registered["onboarding.remind"].daily_at == "ONBOARDING_REMIND_HOUR"


def test_the_intake_poll_runs_only_when_a_mailbox_is_configured(app, monkeypatch):
    poll = scheduler.jobs()["intake.poll"]
    monkeypatch.setitem(app.config, "INTAKE_MAILDIR", None)
    monkeypatch.setitem(app.config, "INTAKE_IMAP_HOST", None)
    assert not poll.enabled()
    assert scheduler.run_if_due(poll, "w1") is None
    monkeypatch.setitem(app.config, "INTAKE_MAILDIR", "/nonexistent")
    assert poll.enabled()


def test_daily_period_turns_at_the_configured_brussels_hour(app, monkeypatch):
    job = Periodic("t.daily", lambda: None, daily_at="T_HOUR")
    monkeypatch.setitem(app.config, "T_HOUR", 8)
    # 1 July: Brussels is UTC+2, so 05:59 UTC is 07:59 there and 06:00 UTC is 08:00.
    assert job.period(datetime(2026, 7, 1, 5, 59, tzinfo=UTC)) == "2026-06-30"
    assert job.period(datetime(2026, 7, 1, 6, 0, tzinfo=UTC)) == "2026-07-01"
    # 1 December: UTC+1.
    assert job.period(datetime(2026, 12, 1, 6, 59, tzinfo=UTC)) == "2026-11-30"
    assert job.period(datetime(2026, 12, 1, 7, 0, tzinfo=UTC)) == "2026-12-01"


def test_a_periodic_job_runs_once_per_period(app):
    runs = []
    job = Periodic("t.count", lambda: runs.append(1), every=timedelta(minutes=1))
    start = datetime(2026, 12, 2, 10, 0, 5, tzinfo=UTC)
    assert scheduler.run_if_due(job, "w1", start) is True
    assert scheduler.run_if_due(job, "w2", start + timedelta(seconds=30)) is None
    assert len(runs) == 1
    assert scheduler.run_if_due(job, "w2", start + timedelta(minutes=1)) is True
    assert len(runs) == 2
    row = db.session.get(ScheduledRun, "t.count")
    assert row.worker == "w2" and row.last_error is None


def test_a_failing_job_is_recorded_and_waits_for_the_next_period(app):
    calls = []

    def fails():
        calls.append(1)
        db.session.add(
            OutboxMessage(
                recipient="x", subject="s", body_text="", body_html="", locale="en", template="t"
            )
        )
        raise RuntimeError("boom \x00 \ud800")

    job = Periodic("t.fail", fails, every=timedelta(hours=1))
    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
    assert scheduler.run_if_due(job, "w1", now) is True
    assert scheduler.run_if_due(job, "w1", now) is None
    assert len(calls) == 1
    row = db.session.get(ScheduledRun, "t.fail")
    assert "RuntimeError: boom" in row.last_error
    # What the failed run added was rolled back.
    assert db.session.scalar(select(OutboxMessage).where(OutboxMessage.template == "t")) is None


def test_a_job_held_by_another_worker_is_skipped_on_postgresql(app):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("advisory locks are PostgreSQL's")
    runs = []
    job = Periodic("t.locked", lambda: runs.append(1), every=timedelta(hours=1))
    with db.engine.connect() as other:  # another worker, running the job right now
        other.execute(text("SELECT pg_advisory_lock(:k)"), {"k": scheduler.lock_key(job.name)})
        assert scheduler.run_if_due(job, "w1") is None
        other.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": scheduler.lock_key(job.name)})
        other.commit()
    assert runs == []
    assert scheduler.run_if_due(job, "w1") is True
    assert runs == [1]


def test_a_worker_round_delivers_the_queues_and_beats(app, mailbox, no_periodic):
    ids = _queue_test_mails(3)
    worker = Worker(name="test-worker")
    worker.run(rounds=1)
    assert worker.delivered >= 3
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
    assert all(m.sent_at is not None for m in sent)
    assert len([m for m in mailbox.messages if m["To"].startswith("w")]) == 3
    # It said goodbye on leaving: its heartbeat is gone.
    assert db.session.get(WorkerHeartbeat, "test-worker") is None


def test_a_worker_runs_the_due_periodic_jobs(app, monkeypatch):
    runs = []
    monkeypatch.setitem(
        app.extensions,
        "periodic_jobs",
        {"t.hourly": Periodic("t.hourly", lambda: runs.append(1), every=timedelta(hours=1))},
    )
    Worker(name="w-periodic").run(rounds=2)
    assert runs == [1]


def test_stopping_finishes_the_item_in_hand_and_takes_no_other(app, no_periodic, monkeypatch):
    ids = _queue_test_mails(3)
    worker = Worker(name="w-stop")
    done = []

    def process(message):
        done.append(message.id)
        worker.stop.set()  # SIGTERM arrives while this item is in hand

    monkeypatch.setitem(
        app.extensions["job_queues"], "mail", jobs.Queue("mail", OutboxMessage, process)
    )
    worker.run()
    assert done == [ids[0]]
    first, second, third = (db.session.get(OutboxMessage, i) for i in ids)
    assert first.sent_at is not None and first.claimed_until is None
    assert second.sent_at is None and second.claimed_until is None
    assert third.sent_at is None


def test_heartbeats_and_the_freshest(app):
    assert last_heartbeat() is None or last_heartbeat() < clock.now()
    started = clock.now()
    beat("w-a", started)
    beat("w-a", started)  # the same row again
    assert (
        db.session.scalar(
            select(db.func.count())
            .select_from(WorkerHeartbeat)
            .where(WorkerHeartbeat.name == "w-a")
        )
        == 1
    )
    old = WorkerHeartbeat(name="w-gone", started_at=started, last_seen=started - timedelta(days=2))
    db.session.add(old)
    db.session.commit()
    beat("w-a", started)
    assert db.session.get(WorkerHeartbeat, "w-gone") is None  # forgotten
    assert (clock.now() - last_heartbeat()).total_seconds() < 60


def test_the_worker_command_stops_on_sigterm(app, no_periodic):
    ids = _queue_test_mails(2)
    previous = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    timer = threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGTERM))
    timer.start()
    try:
        result = app.test_cli_runner().invoke(args=["worker", "--idle", "0.05"])
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous[0])
        signal.signal(signal.SIGINT, previous[1])
    assert result.exit_code == 0, result.output
    assert "stopped" in result.output
    assert all(db.session.get(OutboxMessage, i).sent_at is not None for i in ids)


# --- flask mail test -------------------------------------------------------------------------


def test_mail_test_queues_one_message_per_address(app, mailbox):
    result = app.test_cli_runner().invoke(
        args=["mail", "test", "ops@example.be", "Second@Example.BE"]
    )
    assert result.exit_code == 0, result.output
    queued = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.template == "mail_test")
    ).all()
    assert sorted(m.recipient for m in queued) == ["Second@example.be", "ops@example.be"]
    assert "queued test e-mail" in result.output
    assert all("test e-mail" in m.subject.lower() for m in queued)


@pytest.mark.parametrize(
    "hostile",
    [
        "ops@example.be\r\nBcc: victim@example.org",
        "ops@example.be\nBcc: victim@example.org",
        "ops@example.be, other@example.org",
        "Ops <ops@example.be>",
        "not-an-address",
        "",
        " ops@example.be",
        "ops@example.be\x00",
        "\u202eops@example.be",
        "a" * 250 + "@example.be",
        "ops@localhost",
        "ops@exa mple.be",
    ],
)
def test_mail_test_refuses_hostile_addresses_and_queues_nothing(app, hostile):
    before = db.session.scalar(select(db.func.count()).select_from(OutboxMessage))
    result = app.test_cli_runner().invoke(args=["mail", "test", "good@example.be", hostile])
    assert result.exit_code != 0
    assert "not a" in result.output  # "... is not a (plain|valid) e-mail address"
    assert "Traceback" not in result.output
    assert db.session.scalar(select(db.func.count()).select_from(OutboxMessage)) == before


def test_a_database_outage_is_waited_out_not_fatal(app, no_periodic, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from portal import worker as worker_module

    ids = _queue_test_mails(1)
    real_claim = jobs.claim
    calls = []

    def flaky(queue, ids=None):
        calls.append(queue.name)
        if len(calls) == 1:
            raise OperationalError("SELECT", {}, Exception("server closed the connection"))
        return real_claim(queue, ids)

    monkeypatch.setattr(jobs, "claim", flaky)
    monkeypatch.setattr(worker_module, "OUTAGE_PAUSE", 0)
    Worker(name="w-outage").run(rounds=2)
    assert db.session.get(OutboxMessage, ids[0]).sent_at is not None
