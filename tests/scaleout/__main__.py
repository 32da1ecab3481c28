"""The scale-out proof: several web instances and workers on one PostgreSQL, nothing twice.

    bash .ci/with-postgres.sh python -m tests.scaleout [--files 200] [--clients 16]

On the throwaway PostgreSQL of DATABASE_URL and a real `redis-server` on 127.0.0.1 it
migrates, loads the demo data and seeds `--files` drafts ready to submit, then starts

- 2 gunicorn instances (the repo's gunicorn.conf.py, 2 processes each) sharing the rate
  limits in Redis (`RATELIMIT_STORAGE_URI`), with TRUSTED_PROXIES=1 as behind a balancer;
- 3 `flask worker` processes; an SMTP sink and a DVZ stand-in (tests/scaleout/sinks.py)
  that count every message they receive.

Then: `/readyz` answers 200 on both instances; one address tries 12 wrong passwords,
alternating between the instances, and is stopped after 5 in all (with `memory://` each
process would allow 5); `--clients` concurrent clients submit every draft (employer) and
decide it (officer), each person on the other instance than the last, while worker 1 is
SIGKILLed halfway. When the queues are empty it checks that every e-mail and every DVZ
message was received exactly once (one duplicate allowed: the item the killed worker had
in hand), that nothing was parked and that no answer was a 5xx. Last, the delivery
throughput of 300 e-mails with 1 worker and with 3 (messages/s, first to last send).
Exit status 1 if any check fails.
"""

from __future__ import annotations

import argparse
import os
import queue
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import requests
import sqlalchemy as sa

from tests.soak.__main__ import Stats, hidden_fields

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-portal-2026"
FLASK = [sys.executable, "-m", "flask", "--app", "wsgi"]
DEADLINE = 150  # seconds for the queues to drain after the burst


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(cmd: list[str], env: dict) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


def wait_for(check, what: str, timeout: float = 60, step: float = 0.2):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            value = check()
        except Exception:  # noqa: BLE001 - not up yet
            value = None
        if value:
            return value
        time.sleep(step)
    raise SystemExit(f"timed out waiting for {what}")


class Person:
    """One client: a cookie session on one instance, from its own address."""

    def __init__(self, base: str, address: str, stats: Stats) -> None:
        self.base, self.stats = base, stats
        self.http = requests.Session()
        self.http.headers.update({"X-Forwarded-For": address, "User-Agent": "portal-scaleout"})

    def call(self, action: str, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 60)
        return self.stats.timed(self.http, action, method, self.base + path, **kwargs)

    def form(self, action: str, page: str, data: dict, post_to: str | None = None):
        shown = self.call(f"{action} (page)", "GET", page)
        if shown.status_code != 200:
            return shown
        body = hidden_fields(shown.text)
        body.update(data)
        return self.call(action, "POST", post_to or page, data=body)

    def login(self, email: str) -> bool:
        done = self.form("login", "/account/login", {"email": email, "password": PASSWORD})
        return done.status_code == 302


class Services:
    """The processes of the proof, stopped in reverse order at the end."""

    def __init__(self) -> None:
        self.processes: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, cmd: list[str], env: dict, **kwargs) -> subprocess.Popen:
        process = subprocess.Popen(cmd, env=env, cwd=ROOT, **kwargs)
        self.processes.append((name, process))
        return process

    def stop(self, process: subprocess.Popen, timeout: float = 30) -> None:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def stop_all(self) -> None:
        for _name, process in reversed(self.processes):
            self.stop(process, timeout=15)


def burst(bases: list[str], drafts: list[int], clients: int, stats: Stats, halfway) -> Counter:
    """Every draft submitted by an employer, then decided by an officer, concurrently."""
    work: queue.Queue[int] = queue.Queue()
    for dossier in drafts:
        work.put(dossier)
    outcomes: Counter = Counter()
    lock = threading.Lock()
    done = [0]

    def person(n: int) -> None:
        address = f"198.18.{n // 250}.{n % 250 + 1}"
        employer = Person(bases[n % 2], address, stats)
        officer = Person(bases[(n + 1) % 2], address, stats)  # the other instance
        if not (employer.login("employer@demo.example") and officer.login("officer@demo.example")):
            with lock:
                outcomes["login failed"] += 1
            return
        while True:
            try:
                dossier = work.get_nowait()
            except queue.Empty:
                return
            try:
                submitted = employer.form(
                    "submit", f"/applications/{dossier}/check", {"declaration": "y"}
                )
                decided = officer.form(
                    "decision",
                    f"/backoffice/dossiers/{dossier}",
                    {"decision-outcome": "authorised", "decision-confirmed": "yes"},
                    post_to=f"/backoffice/dossiers/{dossier}/decision",
                )
                key = (
                    "decided"
                    if submitted.status_code == 302 and decided.status_code == 302
                    else f"not decided ({submitted.status_code}, {decided.status_code})"
                )
            except requests.RequestException:
                key = "connection error"
            with lock:
                outcomes[key] += 1
                done[0] += 1
                if done[0] == len(drafts) // 2:
                    halfway()

    threads = [threading.Thread(target=person, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def login_limit(bases: list[str], stats: Stats) -> list[int]:
    """12 wrong passwords from one address, alternating between the two instances."""
    statuses = []
    for attempt in range(12):
        person = Person(bases[attempt % 2], "198.51.100.77", stats)
        shown = person.http.get(person.base + "/account/login", timeout=30)
        body = hidden_fields(shown.text)
        body.update({"email": "employer@demo.example", "password": "not-the-password"})
        answer = person.http.post(
            person.base + "/account/login", data=body, allow_redirects=False, timeout=30
        )
        statuses.append(answer.status_code)
    return statuses


def pending(engine) -> tuple[int, int, int]:
    with engine.connect() as connection:
        waiting = sum(
            connection.execute(
                sa.text(f"SELECT count(*) FROM {t} WHERE sent_at IS NULL AND parked_at IS NULL")
            ).scalar()
            for t in ("outbox_message", "exchange_message")
        )
        parked = sum(
            connection.execute(
                sa.text(f"SELECT count(*) FROM {t} WHERE parked_at IS NOT NULL")
            ).scalar()
            for t in ("outbox_message", "exchange_message")
        )
        sent = connection.execute(
            sa.text("SELECT count(*) FROM outbox_message WHERE sent_at IS NOT NULL")
        ).scalar()
    return waiting, parked, sent


def queue_mails(engine, count: int, tag: str) -> None:
    """`count` small test e-mails straight into the outbox (as `flask mail test` queues)."""
    rows = [
        {
            "recipient": f"{tag}-{n}@example.be",
            "subject": f"throughput {tag} {n}",
            "body_text": "Throughput test.\n",
            "body_html": "<p>Throughput test.</p>",
            "locale": "en",
            "template": f"throughput-{tag}",
        }
        for n in range(count)
    ]
    with engine.begin() as connection:
        connection.execute(
            sa.text(
                "INSERT INTO outbox_message (recipient, subject, body_text, body_html, locale,"
                " template, created_at, next_attempt_at, attempts)"
                " VALUES (:recipient, :subject, :body_text, :body_html, :locale, :template,"
                " now(), now(), 0)"
            ),
            rows,
        )


def throughput(engine, services: Services, env: dict, workers: int, count: int) -> float:
    """Messages per second from the first send to the last, with `workers` workers (one
    is running already; the others are started and stopped again)."""
    started = [
        services.start(f"tp-worker-{n}", FLASK + ["worker"], env) for n in range(workers - 1)
    ]

    def beating() -> bool:
        with engine.connect() as connection:
            fresh = connection.execute(
                sa.text(
                    "SELECT count(*) FROM worker_heartbeat"
                    " WHERE last_seen > now() - interval '5 seconds'"
                )
            ).scalar()
        return fresh >= workers

    wait_for(beating, f"{workers} worker heartbeats")
    tag = f"w{workers}"
    queue_mails(engine, count, tag)
    template = f"throughput-{tag}"

    def drained():
        with engine.connect() as connection:
            return (
                connection.execute(
                    sa.text(
                        "SELECT count(*) FROM outbox_message WHERE template = :t AND sent_at IS NULL"
                    ),
                    {"t": template},
                ).scalar()
                == 0
            )

    wait_for(drained, f"{count} e-mails with {workers} workers", timeout=120)
    with engine.connect() as connection:
        first, last = connection.execute(
            sa.text("SELECT min(sent_at), max(sent_at) FROM outbox_message WHERE template = :t"),
            {"t": template},
        ).one()
    for process in started:
        services.stop(process)
    seconds = max((last - first).total_seconds(), 1e-6)
    return count / seconds


def main() -> int:  # noqa: PLR0915 - one story, told in order
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=int(os.environ.get("SCALEOUT_FILES", 200)))
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--messages", type=int, default=300)
    parser.add_argument("--give-up", type=int, default=900, help="Seconds before it stops.")
    args = parser.parse_args()
    started_at = time.monotonic()

    def give_up(_signum, _frame):
        raise SystemExit(f"scaleout: FAILED, still running after {args.give_up} s")

    signal.signal(signal.SIGALRM, give_up)  # whatever hangs, `make test` goes on
    signal.alarm(args.give_up)

    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgresql"):
        sys.exit("scaleout: needs DATABASE_URL on PostgreSQL (bash .ci/with-postgres.sh ...)")
    redis = shutil.which("redis-server")
    if not redis:
        sys.exit("scaleout: needs redis-server (apt-get install redis-server)")

    workdir = Path(tempfile.mkdtemp(prefix="portal-scaleout-"))
    redis_port, smtp_port, dvz_port = free_port(), free_port(), free_port()
    web_ports = [free_port(), free_port()]
    env = dict(
        os.environ,
        PYTHONUNBUFFERED="1",
        SECRET_KEY=secrets.token_urlsafe(48),
        UPLOAD_DIR=str(workdir / "uploads"),
        MAIL_DIR=str(workdir / "mail"),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        DVZ_URL=f"http://127.0.0.1:{dvz_port}/forwardings",
        DVZ_TOKEN="scaleout",
        # The workers deliver everything: no request sends its own mail in passing.
        OUTBOX_SEND_AFTER_REQUEST="0",
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{redis_port}/0",
        TRUSTED_PROXIES="1",
        # A killed worker's item comes back after 10 s, not 5 min, so the proof sees it.
        JOBS_LEASE_SECONDS="10",
        WORKER_HEARTBEAT_SECONDS="2",
        WORKER_IDLE_SECONDS="0.2",
        WEB_CONCURRENCY="2",
        GUNICORN_LOG_LEVEL="warning",
    )
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    services = Services()
    stats = Stats()
    problems: list[str] = []
    engine = sa.create_engine(database)
    try:
        services.start(
            "redis",
            [
                redis,
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            env,
            stdout=subprocess.DEVNULL,
        )
        sinks = services.start(
            "sinks",
            [sys.executable, "-m", "tests.scaleout.sinks", str(smtp_port), str(dvz_port)],
            env,
            stdout=subprocess.PIPE,
            text=True,
        )
        sinks.stdout.readline()  # "sinks ready"
        with engine.begin() as connection:
            connection.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        run(FLASK + ["db", "upgrade"], env)
        # The instances and workers boot while the demo data and the drafts are made.
        bases = [f"http://127.0.0.1:{port}" for port in web_ports]
        for n, port in enumerate(web_ports):
            services.start(
                f"web-{n}",
                [sys.executable, "-m", "gunicorn", "-c", str(ROOT / "gunicorn.conf.py")]
                + ["wsgi:app"],
                dict(env, GUNICORN_BIND=f"127.0.0.1:{port}"),
            )
        workers = [services.start(f"worker-{n}", FLASK + ["worker"], env) for n in range(3)]
        seeded = run([sys.executable, "-m", "tests.scaleout.seed", str(args.files)], env)
        drafts = [int(x) for x in seeded.split()]
        print(
            f"scaleout: {len(drafts)} drafts ready after {time.monotonic() - started_at:.0f} s;"
            f" PostgreSQL, redis-server on :{redis_port}"
        )
        for base in bases:
            wait_for(lambda b=base: requests.get(b + "/healthz", timeout=5).ok, f"{base}/healthz")
        for base in bases:
            wait_for(
                lambda b=base: requests.get(b + "/readyz", timeout=5).status_code == 200,
                f"{base}/readyz",
            )
        print("readyz: 200 on both instances (database, migrations at head, worker heartbeat)")

        limited = login_limit(bases, stats)
        refused = sum(1 for s in limited if s == 429)
        print(f"login limit across instances: {limited} -> {12 - refused} tried, {refused} refused")
        if 12 - refused != 5:
            problems.append(f"the login limit let {12 - refused} attempts through, not 5")

        killed = {}

        def halfway() -> None:
            workers[0].kill()  # SIGKILL: no goodbye, the item in hand stays claimed
            killed["at"] = time.monotonic()

        burst_started = time.monotonic()
        outcomes = burst(bases, drafts, args.clients, stats, halfway)
        burst_seconds = time.monotonic() - burst_started
        print(f"burst: {dict(outcomes)} in {burst_seconds:.1f} s; worker 1 SIGKILLed halfway")
        if outcomes.get("decided", 0) != len(drafts):
            problems.append(f"not every draft was submitted and decided: {dict(outcomes)}")
        if "at" not in killed:
            problems.append("no worker was killed")

        def empty():
            waiting, _parked, _sent = pending(engine)
            return waiting == 0

        wait_for(empty, "the queues to drain", timeout=DEADLINE, step=0.5)
        print(
            f"queues empty {time.monotonic() - burst_started - burst_seconds:.1f} s after the burst"
        )
        waiting, parked, sent = pending(engine)
        counts = requests.get(f"http://127.0.0.1:{dvz_port}/counts", timeout=10).json()
        with engine.connect() as connection:
            mail_ids = [r[0] for r in connection.execute(sa.text("SELECT id FROM outbox_message"))]
            exchange_ids = [
                r[0] for r in connection.execute(sa.text("SELECT id FROM exchange_message"))
            ]
        mail_seen = {int(k): v for k, v in counts["mail"].items()}
        dvz_seen = counts["dvz"]
        missing_mail = [i for i in mail_ids if mail_seen.get(i, 0) == 0]
        missing_dvz = [i for i in exchange_ids if dvz_seen.get(f"portal-exchange-{i}", 0) == 0]
        duplicates = sum(v - 1 for v in mail_seen.values() if v > 1) + sum(
            v - 1 for v in dvz_seen.values() if v > 1
        )
        print(
            f"e-mails: {len(mail_ids)} queued, {sum(mail_seen.values())} received by the SMTP sink"
            f" ({len(mail_seen)} distinct); DVZ messages: {len(exchange_ids)} queued,"
            f" {sum(dvz_seen.values())} received ({len(dvz_seen)} distinct);"
            f" duplicates {duplicates}; parked {parked}"
        )
        if missing_mail or missing_dvz:
            problems.append(f"not delivered: {len(missing_mail)} e-mails, {len(missing_dvz)} DVZ")
        if duplicates > 1:
            problems.append(f"{duplicates} duplicates (at most 1: the killed worker's item)")
        if parked:
            problems.append(f"{parked} items parked")
        if len(exchange_ids) != len(drafts):
            problems.append(f"{len(exchange_ids)} DVZ messages for {len(drafts)} decided files")
        if counts["unknown_mail"]:
            problems.append(f"{counts['unknown_mail']} e-mails without an outbox id")

        metrics = requests.get(bases[0] + "/metrics", timeout=10).text
        lines = [
            line
            for line in metrics.splitlines()
            if line.startswith(("portal_queue_waiting", "portal_queue_parked"))
        ]
        print("metrics (instance 1):", "; ".join(lines))
        if 'portal_http_requests_total{endpoint="backoffice.decide"' not in metrics:
            problems.append("/metrics does not count the decisions")

        print(stats.table())
        for failure in stats.failures:
            print("5xx:", failure)
        if stats.server_errors():
            problems.append(f"{stats.server_errors()} answers were 5xx")

        services.stop(workers[1])  # worker 3 goes on alone, then with two new ones
        phase = time.monotonic()
        one = throughput(engine, services, env, 1, args.messages)
        three = throughput(engine, services, env, 3, args.messages)
        print(
            f"throughput: {one:.1f} messages/s with 1 worker, {three:.1f} with 3 workers"
            f" ({args.messages} e-mails each; phase {time.monotonic() - phase:.0f} s)"
        )
        counts = requests.get(f"http://127.0.0.1:{dvz_port}/counts", timeout=10).json()
        total = sum(counts["mail"].values())
        with engine.connect() as connection:
            queued = connection.execute(sa.text("SELECT count(*) FROM outbox_message")).scalar()
        extra = total - queued
        print(f"all e-mails: {queued} queued, {total} received")
        if total < queued or extra > 1:
            problems.append(f"e-mails: {queued} queued but {total} received")
    finally:
        services.stop_all()
        engine.dispose()
        shutil.rmtree(workdir, ignore_errors=True)
    for problem in problems:
        print("FAILED:", problem)
    print(
        f"scaleout: {'OK' if not problems else 'FAILED'} in {time.monotonic() - started_at:.0f} s"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
