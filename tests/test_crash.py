"""Crash tests: the real commands, SIGKILLed mid-batch, lose nothing and send nothing twice
beyond the one item in flight.

Each worker runs as a subprocess (`flask --app wsgi …`) on a file SQLite database. The
window to kill it in is made observable, never timed: the SMTP sink (and the partner's
HTTP server) holds the Nth item until the test lets go, and the intake's third delivery
is a named pipe that blocks its reader. The test waits for the worker to be there, kills
it, lets the lease run out (by moving `claimed_until` back, as time would), runs the
command again and counts.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from tests.fallback.mail import load
from tests.support import free_port

ROOT = Path(__file__).resolve().parent.parent
WAIT = 60  # seconds before a test gives up waiting for the worker (never asserted on)


@dataclass
class HoldingSink:
    """An SMTP server that counts recipients and holds the message number `hold_at`."""

    hold_at: int
    received: list[str] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)
    port: int = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        self.received.extend(envelope.rcpt_tos)
        if len(self.received) == self.hold_at:
            while not self.release.is_set():  # the worker waits for "250 OK" meanwhile
                await asyncio.sleep(0.02)
        return "250 OK"

    def start(self) -> Controller:
        self.port = free_port()
        controller = Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        return controller


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + WAIT
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.02)


@pytest.fixture
def env(tmp_path):
    values = dict(os.environ)
    values.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'crash.sqlite'}",
        SECRET_KEY="crash-test-secret-key-of-enough-length",
        UPLOAD_DIR=str(tmp_path / "uploads"),
        MAIL_DIR=str(tmp_path / "mail"),
        DVZ_DROP_DIR=str(tmp_path / "dvz"),
        OUTBOX_SEND_AFTER_REQUEST="0",
        PYTHONPATH=str(ROOT),
    )
    flask(values, "db", "upgrade")
    return values


def flask(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "tests.crash_app:create", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert result.returncode == 0, result.stderr[-3000:]
    return result


RUNNING: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def no_worker_left_behind():
    """A test that fails while a worker runs must not leave the process to later tests."""
    yield
    while RUNNING:
        process = RUNNING.pop()
        if process.poll() is None:
            process.kill()
        process.wait(timeout=WAIT)


def start(env: dict, *args: str) -> subprocess.Popen:
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "tests.crash_app:create", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    RUNNING.append(process)
    return process


def kill(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=WAIT)


def database(env: dict) -> sqlite3.Connection:
    return sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite:///"))


NOW = "2026-12-01 09:00:00.000000"


def test_outbox_run_killed_mid_batch_loses_nothing_and_resends_only_the_one_in_flight(env):
    count = 8
    with database(env) as connection:
        connection.executemany(
            "INSERT INTO outbox_message (recipient, subject, body_text, body_html, locale,"
            " template, created_at, next_attempt_at, attempts)"
            " VALUES (?, 'Test', 'Hello', '<p>Hello</p>', 'en', 'crash', ?, ?, 0)",
            [(f"r{n}@example.be", NOW, NOW) for n in range(1, count + 1)],
        )
    sink = HoldingSink(hold_at=3)
    controller = sink.start()
    try:
        env.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port))
        worker = start(env, "outbox", "run")
        wait_for(lambda: len(sink.received) >= 3, "the third message")
        kill(worker)  # while the third message is in flight
        sink.release.set()
        with database(env) as connection:
            rows = connection.execute(
                "SELECT recipient, sent_at IS NOT NULL, claimed_until IS NOT NULL"
                " FROM outbox_message ORDER BY id"
            ).fetchall()
            assert [(r[1], r[2]) for r in rows[:3]] == [(1, 0), (1, 0), (0, 1)]
            assert all(r[1:] == (0, 0) for r in rows[3:])  # untouched, unclaimed
            # Its lease runs out (five minutes by default): as time would, we move it back.
            connection.execute("UPDATE outbox_message SET claimed_until = ?", (NOW,))

        result = flask(env, "outbox", "run", "--once")
        assert "sent 6, failed 0" in result.stdout
    finally:
        controller.stop()
    counts = Counter(sink.received)
    assert set(counts) == {f"r{n}@example.be" for n in range(1, count + 1)}  # nothing lost
    assert [a for a, n in counts.items() if n > 1] == ["r3@example.be"]  # only the one in flight
    assert counts["r3@example.be"] == 2
    with database(env) as connection:
        assert connection.execute(
            "SELECT count(*) FROM outbox_message WHERE sent_at IS NULL"
        ).fetchone() == (0,)


class HoldingPartner:
    """A partner's HTTP endpoint that counts POSTs and holds the number `hold_at`."""

    def __init__(self, hold_at: int) -> None:
        self.hold_at, self.received, self.release = hold_at, [], threading.Event()
        self.lock = threading.Lock()
        partner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server API
                self.rfile.read(int(self.headers["Content-Length"]))
                with partner.lock:
                    partner.received.append(self.headers["X-Portal-Delivery"])
                    held = len(partner.received) == partner.hold_at
                if held:
                    partner.release.wait(WAIT)
                try:
                    self.send_response(204)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass  # the worker was killed

            def log_message(self, *_args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


def test_webhook_worker_killed_mid_batch_posts_each_once_but_the_one_in_flight(env):
    partner = HoldingPartner(hold_at=2)
    try:
        with database(env) as connection:
            connection.execute(
                "INSERT INTO onboarding_partner (name, kind, refnis, email, active, created_at,"
                " updated_at) VALUES ('Stad Gent', 'municipality', '44021', 'g@x.be', 1, ?, ?)",
                (NOW, NOW),
            )
            connection.executemany(
                "INSERT INTO onboarding_webhook_delivery (partner_id, event, url, payload,"
                " signature, created_at, next_attempt_at, attempts)"
                " VALUES (1, 'referral.created', ?, '{}', 'sha256=x', ?, ?, 0)",
                [(partner.url, NOW, NOW)] * 5,
            )
        worker = start(env, "onboarding", "deliver")
        wait_for(lambda: len(partner.received) >= 2, "the second webhook")
        kill(worker)
        partner.release.set()
        with database(env) as connection:
            connection.execute("UPDATE onboarding_webhook_delivery SET claimed_until = ?", (NOW,))
        result = flask(env, "onboarding", "deliver", "--once")
        assert "webhooks: sent 4, failed 0" in result.stdout
    finally:
        partner.stop()
    counts = Counter(partner.received)
    assert set(counts) == {"1", "2", "3", "4", "5"}
    assert {d: n for d, n in counts.items() if n > 1} == {"2": 2}


def test_intake_poll_killed_mid_batch_records_every_message_exactly_once(env, tmp_path):
    maildir = tmp_path / "Maildir"
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True)
    messages = {
        f"{n}.crash": load("h_no_proof").replace(b"Message-ID: <", f"Message-ID: <{n}.".encode())
        for n in range(1, 6)
    }
    for name, data in messages.items():
        if name == "3.crash":
            os.mkfifo(maildir / "new" / name)  # its reader blocks until a writer comes
        else:
            (maildir / "new" / name).write_bytes(data)
    worker = start(env, "intake", "poll", "--maildir", str(maildir))
    wait_for(
        lambda: (
            sorted(p.name.split(":")[0] for p in (maildir / "cur").iterdir())
            == ["1.crash", "2.crash"]
        ),
        "the first two messages",
    )
    kill(worker)  # while it waits to read the third
    fifo = maildir / "new" / "3.crash"
    fifo.unlink()
    fifo.write_bytes(messages["3.crash"])

    result = flask(env, "intake", "poll", "--maildir", str(maildir))
    assert "read 3:" in result.stdout
    with database(env) as connection:
        keys = [k for (k,) in connection.execute("SELECT source_key FROM intake_message")]
        outcomes = {o for (o,) in connection.execute("SELECT outcome FROM intake_message")}
    assert sorted(keys) == [f"maildir:{n}.crash" for n in range(1, 6)]
    assert outcomes == {"rejected"}
    assert not list((maildir / "new").iterdir())


def test_a_worker_exits_non_zero_only_when_the_database_is_unreachable(env, tmp_path):
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'no-such-folder' / 'portal.sqlite'}"
    result = flask(env, "outbox", "run", "--once", check=False)
    assert result.returncode != 0
    assert "OperationalError" in result.stderr


@pytest.fixture
def postgres_env(env):
    """A database of its own on the test's PostgreSQL server (skipped on SQLite)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgresql"):
        pytest.skip("several workers at once need PostgreSQL")
    import psycopg

    name = f"crash_{os.getpid()}"
    server = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name}")
        connection.execute(f"CREATE DATABASE {name}")
    env["DATABASE_URL"] = url.rsplit("/", 1)[0] + f"/{name}"
    flask(env, "db", "upgrade")
    yield env
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_three_workers_on_postgresql_send_each_message_exactly_once(postgres_env):
    import psycopg

    env = postgres_env
    count = 60
    url = env["DATABASE_URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url) as connection:
        connection.cursor().executemany(
            "INSERT INTO outbox_message (recipient, subject, body_text, body_html, locale,"
            " template, created_at, next_attempt_at, attempts)"
            " VALUES (%s, 'Test', 'Hello', '<p>Hello</p>', 'en', 'crash', now(), now(), 0)",
            [(f"r{n}@example.be",) for n in range(count)],
        )
    sink = HoldingSink(hold_at=0)  # holds nothing
    controller = sink.start()
    try:
        env.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=str(sink.port))
        workers = [start(env, "outbox", "run", "--once") for _ in range(3)]
        assert [w.wait(timeout=300) for w in workers] == [0, 0, 0]
    finally:
        controller.stop()
    assert Counter(Counter(sink.received).values()) == Counter({1: count})
