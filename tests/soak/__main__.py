"""Soak: the portal under gunicorn, many clients at once, then a consistency check.

    python -m tests.soak [--duration 60] [--clients 50]

Uses DATABASE_URL when it is set (e.g. under .ci/with-postgres.sh), else a fresh SQLite
file. It migrates, loads the demo data, makes an API key, starts gunicorn (2 sync
workers, tests/soak/gunicorn.conf.py) on 127.0.0.1 with CSRF on, and drives `--clients`
threads for `--duration` seconds: employers (log in, dashboard, drafts saved, uploads,
submissions, receipts, documents, answers), officers (queue, searches and their next
pages, file pages, documents, claims, information requests, decisions), the DVZ over the
API (reads, residence decisions) and visitors. It prints per action the count, the 5xx
count and p50/p95/p99, then checks that every submitted file has exactly one submission
event, that no uploaded file is an orphan, that `audit verify` holds and that every
search for a reference seen on the queue showed that file. Exit status 1 on any 5xx or
failed check.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import requests

from tests.applications_support import PDF, WORKER, job

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "demo-portal-2026"
DOCUMENTS = (
    "passport",
    "employment_contract",
    "diploma",
    "medical_certificate",
    "good_conduct",
    "fee_payment",
)
DATED = {"good_conduct", "medical_certificate"}
INPUT = re.compile(r"<input\b[^>]*>", re.S)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """Every hidden input of the page (CSRF tokens, submission tokens), by name."""
    fields = {}
    for tag in INPUT.findall(html):
        attrs = dict(ATTR.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = unescape(attrs.get("value", ""))
    return fields


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.failures: list[str] = []
        self.problems: list[str] = []

    def add(self, action: str, status: int, seconds: float, note: str = "") -> None:
        with self.lock:
            self.times[action].append(seconds)
            self.statuses[action][status] += 1
            if status >= 500 and len(self.failures) < 20:
                self.failures.append(f"{action}: {status} {note}")

    def timed(
        self, http: requests.Session, action: str, method: str, url: str, **kwargs
    ) -> requests.Response:
        """One request, recorded under `action` with its status and time (599 when the
        connection fails, then re-raised); the note is the server's request id."""
        kwargs.setdefault("allow_redirects", False)
        started = time.perf_counter()
        try:
            response = http.request(method, url, **kwargs)
        except requests.RequestException as error:
            self.add(action, 599, time.perf_counter() - started, repr(error)[:200])
            raise
        rid = response.headers.get("X-Request-ID", "")
        self.add(action, response.status_code, time.perf_counter() - started, rid)
        return response

    def problem(self, text: str) -> None:
        """A wrong answer that is not a 5xx (a search that misses its file): fails the soak."""
        with self.lock:
            self.problems.append(text)

    def server_errors(self) -> int:
        return sum(n for s in self.statuses.values() for code, n in s.items() if code >= 500)

    def table(self) -> str:
        def pct(values: list[float], p: float) -> float:
            ordered = sorted(values)
            return ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000

        lines = [f"{'action':<22}{'count':>7}{'5xx':>6}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"]
        for action in sorted(self.times):
            values = self.times[action]
            errors = sum(n for code, n in self.statuses[action].items() if code >= 500)
            lines.append(
                f"{action:<22}{len(values):>7}{errors:>6}"
                f"{pct(values, 0.50):>9.0f}{pct(values, 0.95):>9.0f}{pct(values, 0.99):>9.0f}"
            )
        total = sum(len(v) for v in self.times.values())
        lines.append(f"{'total':<22}{total:>7}{self.server_errors():>6}")
        return "\n".join(lines)


class Client:
    """One simulated person: a cookie session and a timed request helper."""

    def __init__(self, base: str, stats: Stats, stop: threading.Event) -> None:
        self.base, self.stats, self.stop = base, stats, stop
        self.http = requests.Session()
        self.http.headers["User-Agent"] = "portal-soak"
        self.csrf = ""
        self.thinking = True

    def call(self, action: str, method: str, path: str, **kwargs) -> requests.Response:
        kwargs.setdefault("timeout", 120)
        return self.stats.timed(self.http, action, method, self.base + path, **kwargs)

    def form(self, action: str, page: str, data=None, *, fetch: bool = True, **kwargs):
        """POST a form with the page's hidden fields: GET the page first, as a person does,
        or (fetch=False, the next form in a row) reuse the session's CSRF token."""
        body = {"csrf_token": self.csrf} if self.csrf else {}
        if fetch or not self.csrf:
            shown = self.call(f"{action} (page)", "GET", page)
            if shown.status_code != 200:
                return shown
            body = hidden_fields(shown.text)
            self.csrf = body.get("csrf_token", self.csrf)
        body.update(data or {})
        return self.call(action, "POST", page, data=body, **kwargs)

    def think(self, rng: random.Random) -> None:
        """A person reads the page before the next click (none while seeding)."""
        if self.thinking:
            self.stop.wait(rng.uniform(0.3, 1.5))

    def login(self, email: str) -> bool:
        response = self.form("login", "/account/login", data={"email": email, "password": PASSWORD})
        return response.status_code == 302


def _pick(pattern: str, text: str) -> list[str]:
    return sorted(set(re.findall(pattern, text)))


def employer(client: Client, rng: random.Random) -> None:
    client.login("employer@demo.example")
    drafts: list[str] = []
    while not client.stop.is_set():
        client.think(rng)
        home = client.call("dashboard", "GET", "/applications/")
        mine = _pick(r'href="/applications/(\d+)"', home.text) if home.ok else []
        roll = rng.random()
        if roll < 0.30 or not drafts:
            new = client.form("draft start", "/applications/new")
            if new.status_code == 302:
                match = re.search(r"/applications/(\d+)", new.headers.get("Location", ""))
                if match:
                    drafts.append(match.group(1))
                    _fill(client, match.group(1), rng)
        elif roll < 0.55 and drafts:
            dossier = drafts.pop(0)
            done = client.form(
                "submit",
                f"/applications/{dossier}/check",
                data={"declaration": "y"},
            )
            if done.status_code == 302 and rng.random() < 0.2:  # a double click
                client.form("submit", f"/applications/{dossier}/check", data={"declaration": "y"})
        elif roll < 0.75 and mine:
            dossier = rng.choice(mine)
            with client.call("receipt", "GET", f"/applications/{dossier}/receipt.pdf", stream=True):
                pass
            client.think(rng)
            client.call("timeline", "GET", f"/applications/{dossier}/timeline")
        elif mine:
            dossier = rng.choice(mine)
            answer = client.call("answer (page)", "GET", f"/applications/{dossier}/answer")
            if answer.status_code == 200:
                body = hidden_fields(answer.text)
                body.update({"answer": "The signed contract is attached.", "action": "send"})
                client.call("answer", "POST", f"/applications/{dossier}/answer", data=body)


def _fill(client: Client, dossier: str, rng: random.Random) -> None:
    today = date.today()
    client.form("draft save", f"/applications/{dossier}/worker", data=WORKER)
    client.think(rng)
    category = {"category": "highly_qualified"}
    client.form("draft save", f"/applications/{dossier}/category", data=category, fetch=False)
    client.think(rng)
    # "60000": in Dutch "60000.00" is ambiguous (is the point a thousands mark?) and refused.
    salary = {"annual_salary": "60000"}
    client.form("draft save", f"/applications/{dossier}/job", data=job(**salary), fetch=False)
    for n, code in enumerate(DOCUMENTS):
        client.think(rng)
        issued = (today - timedelta(days=30)).isoformat() if code in DATED else ""
        client.form(
            "upload",
            f"/applications/{dossier}/documents",
            data={"requirement": code, "issued_on": issued},
            files={"file": (f"{code}.pdf", PDF + secrets.token_bytes(8), "application/pdf")},
            fetch=n == 0,
        )


def officer(client: Client, rng: random.Random, email: str) -> None:
    client.login(email)
    due = (date.today() + timedelta(days=14)).isoformat()
    while not client.stop.is_set():
        client.think(rng)
        queue = client.call("queue", "GET", "/backoffice/dossiers")
        files = _pick(r'href="/backoffice/dossiers/(\d+)"', queue.text) if queue.ok else []
        if queue.ok and rng.random() < 0.4:
            search(client, rng, queue.text)
        if not files:
            time.sleep(0.5)
            continue
        dossier = rng.choice(files)
        page = client.call("file page", "GET", f"/backoffice/dossiers/{dossier}")
        if page.status_code != 200:
            continue
        docs = _pick(rf'href="(/backoffice/dossiers/{dossier}/documents/\d+)"', page.text)
        if docs:
            with client.call("document (officer)", "GET", rng.choice(docs), stream=True):
                pass
        hidden = hidden_fields(page.text)
        client.think(rng)
        roll = rng.random()
        if roll < 0.3:
            body = {"claim-csrf_token": hidden.get("claim-csrf_token", "")}
            client.call("claim", "POST", f"/backoffice/dossiers/{dossier}/claim", data=body)
        elif roll < 0.55:
            body = {
                "info-csrf_token": hidden.get("info-csrf_token", ""),
                "info-question": "Send the signed contract, please.",
                "info-due_on": due,
            }
            client.call(
                "information request",
                "POST",
                f"/backoffice/dossiers/{dossier}/information",
                data=body,
            )
        elif roll < 0.8:
            body = {
                "decision-csrf_token": hidden.get("decision-csrf_token", ""),
                "decision-outcome": rng.choice(["authorised", "authorised", "refused"]),
                "decision-reasons": "The salary is below the threshold.",
                "decision-reason_codes": "salary_below_threshold",
                "decision-confirmed": "yes",  # the second step: the officer confirmed
            }
            client.call("decision", "POST", f"/backoffice/dossiers/{dossier}/decision", data=body)


# What officers type, and what a hostile or clumsy one does: LIKE's wildcards, quotes,
# SQL, right-to-left and zero-width marks, a NUL, astral characters, 5,000 characters.
SEARCHES = ("sharma", "Priya Sharma", "SHARMA priya", "Bouw", "priya@example.in", "Z1234567")
HOSTILE = (
    "%",
    "_",
    "%_\\",
    "' OR 1=1 --",
    "\u202eamrahs",
    "sha\u200brma",
    "a\x00b",
    "\U0001f600 worker",
    "é" * 5000,
    "  ",
)


def search(client: Client, rng: random.Random, queue_html: str) -> None:
    """An officer searches: for a reference on the queue (which must be found, while other
    officers decide and employers submit), a name, or a hostile string; then pages on."""
    references = _pick(r'href="/backoffice/dossiers/\d+">([^<]+)</a>', queue_html)
    roll = rng.random()
    wanted = None
    if references and roll < 0.4:
        wanted = unescape(rng.choice(references))
        term = wanted.lower() if rng.random() < 0.5 else wanted
    elif roll < 0.7:
        term = rng.choice(SEARCHES)
    else:
        term = rng.choice(HOSTILE)
    params = {"q": term, "state": rng.choice(["open", "all"])}
    action = "search (reference)" if wanted else "search"
    found = client.call(action, "GET", "/backoffice/dossiers", params=params)
    shown = found.status_code == 200 and f">{wanted}</a>" in unescape(found.text)
    if wanted and params["state"] == "all" and not shown:
        client.stats.problem(f"a search for {wanted} did not show that file ({found.status_code})")
    if found.status_code == 200:
        after = re.search(r'href="([^"]+)" rel="next"', found.text)
        if after:
            client.call("search (next page)", "GET", unescape(after.group(1)))


def dvz(client: Client, rng: random.Random, key: str) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    while not client.stop.is_set():
        client.think(rng)
        listed = client.call("api forwarded", "GET", "/api/v1/forwarded", headers=headers)
        items = listed.json().get("items", []) if listed.status_code == 200 else []
        if not items:
            time.sleep(0.5)
            continue
        reference = rng.choice(items)["reference"]
        client.call("api dossier", "GET", f"/api/v1/dossiers/{reference}", headers=headers)
        if rng.random() < 0.5:
            idem = {"Idempotency-Key": uuid.uuid4().hex}
            body = {
                "decision": rng.choice(["granted", "refused"]),
                "decided_on": date.today().isoformat(),
            }
            for _ in range(1 + (rng.random() < 0.2)):  # sometimes a retry of the same call
                client.call(
                    "api decision",
                    "POST",
                    f"/api/v1/dossiers/{reference}/residence-decision",
                    headers=headers | idem,
                    json=body,
                )


def visitor(client: Client, rng: random.Random) -> None:
    pages = ["/", "/?lang=fr", "/account/login", "/healthz", "/?endpoint=x&values=y"]
    while not client.stop.is_set():
        client.call("public page", "GET", rng.choice(pages))
        client.think(rng)


def _run(cmd: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(cmd, env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


def _wait_until_up(base: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            sys.exit("gunicorn stopped before it served")
        try:
            if requests.get(base + "/healthz", timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    sys.exit("gunicorn did not answer /healthz")


def consistency(env: dict[str, str]) -> list[str]:
    """What must hold after the run, checked in the database and on disk."""
    os.environ.update(env)
    from sqlalchemy import func, select

    from portal import create_app, uploads_sweep
    from portal.dossiers.lifecycle.models import StatusEvent
    from portal.dossiers.models import Dossier, DossierStatus
    from portal.extensions import db

    problems = []
    app = create_app()
    with app.app_context():
        submissions = dict(
            db.session.execute(
                select(StatusEvent.dossier_id, func.count())
                .where(
                    StatusEvent.from_status == DossierStatus.DRAFT,
                    StatusEvent.to_status == DossierStatus.SUBMITTED,
                )
                .group_by(StatusEvent.dossier_id)
            ).all()
        )
        submitted = set(
            db.session.scalars(select(Dossier.id).where(Dossier.submitted_at.is_not(None)))
        )
        doubled = {k: v for k, v in submissions.items() if v != 1}
        if doubled:
            problems.append(f"files with more than one submission event: {doubled}")
        if set(submissions) != submitted:
            problems.append(
                f"submitted files without one submission event: {submitted ^ set(submissions)}"
            )
        # What a row refers to, as the upload sweep reads it: documents, mandates and the
        # stored receipts and decision letters (a hand-kept list here missed the letters).
        stored = uploads_sweep.referenced_names()
        folder = Path(env["UPLOAD_DIR"])
        on_disk = {p.name for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()
        orphans = on_disk - stored
        if orphans:
            problems.append(f"{len(orphans)} orphan upload files, e.g. {sorted(orphans)[:3]}")
        print(f"submitted files: {len(submitted)}, uploaded files: {len(on_disk)}")
        if not submitted:  # the mix must reach officers, decisions and the DVZ to mean much
            problems.append("no file was submitted: the mix never reached the back office")
        db.session.remove()
        db.engine.dispose()
    verify = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "audit", "verify"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    print("audit verify:", verify.stdout.strip() or verify.stderr.strip()[-300:])
    if verify.returncode != 0:
        problems.append("audit verify failed")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=float(os.environ.get("SOAK_SECONDS", 60)))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("SOAK_CLIENTS", 50)))
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="portal-soak-"))
    port = args.port or _free_port()
    database = os.environ.get("DATABASE_URL") or f"sqlite:///{workdir / 'soak.sqlite'}"
    env = dict(
        os.environ,
        DATABASE_URL=database,
        SECRET_KEY=secrets.token_urlsafe(48),
        UPLOAD_DIR=str(workdir / "uploads"),
        MAIL_DIR=str(workdir / "mail"),
        MAIL_SERVER="",
        DVZ_DROP_DIR=str(workdir / "dvz"),
        OUTBOX_SEND_AFTER_REQUEST="0",
        # One address sends every client's logins and API calls: lift the per-address
        # limits (they are tested elsewhere), keep the limiter itself running.
        LOGIN_RATE_LIMIT="100000 per minute",
        API_RATE_LIMIT="100000 per minute",
        SOAK_PORT=str(port),
    )
    print(f"soak: {args.clients} clients for {args.duration:.0f} s on {database.split(':')[0]}")
    if database.startswith("postgresql"):
        _run(
            [
                sys.executable,
                "-c",
                "import sqlalchemy as sa, os; e = sa.create_engine(os.environ['DATABASE_URL']);"
                "c = e.connect(); c.execute(sa.text('DROP SCHEMA public CASCADE; CREATE SCHEMA public'));"
                "c.commit()",
            ],
            env,
        )
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
    _run(flask + ["db", "upgrade"], env)
    _run(flask + ["demo", "load"], env)
    out = _run(
        flask
        + ["api", "create-client", "soak-dvz"]
        + ["--scope", "dossiers:read", "--scope", "decisions:write", "--scope", "forwarded:read"],
        env,
    )
    key = out.strip().splitlines()[-1].strip()

    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            str(ROOT / "tests/soak/gunicorn.conf.py"),
            "wsgi:app",
        ],
        env=env,
        cwd=ROOT,
    )
    stats = Stats()
    try:
        _wait_until_up(base, server)
        stop = threading.Event()
        _seed(Client(base, stats, stop))
        threads = []
        for n in range(args.clients):
            rng = random.Random(n)
            client = Client(base, stats, stop)
            share = n % 10
            if share < 5:
                target, extra = employer, ()
            elif share < 8:
                email = "officer@demo.example" if n % 2 else "admin@demo.example"
                target, extra = officer, (email,)
            elif share < 9:
                target, extra = dvz, (key,)
            else:
                target, extra = visitor, ()
            threads.append(
                threading.Thread(target=_guard, args=(target, client, rng, *extra), daemon=True)
            )
        for thread in threads:  # people arrive over a few seconds, not in one instant
            thread.start()
            time.sleep(min(0.1, args.duration / 100))
        time.sleep(args.duration)
        stop.set()
        for thread in threads:
            thread.join(timeout=90)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    print(stats.table())
    for failure in stats.failures:
        print("5xx:", failure)
    problems = stats.problems[:20] + consistency(env)
    for problem in problems:
        print("FAILED:", problem)
    ok = not problems and stats.server_errors() == 0
    print("soak:", "OK" if ok else "FAILED")
    return 0 if ok else 1


def _seed(client: Client) -> None:
    """A few submitted files first, so that officers and the DVZ have work from the start."""
    rng = random.Random(-1)
    client.thinking = False
    client.login("employer@demo.example")
    for _ in range(3):
        new = client.form("draft start", "/applications/new")
        match = re.search(r"/applications/(\d+)", new.headers.get("Location", ""))
        if match:
            _fill(client, match.group(1), rng)
            client.form(
                "submit", f"/applications/{match.group(1)}/check", data={"declaration": "y"}
            )


def _guard(target, client: Client, rng: random.Random, *extra) -> None:
    """Run one person's loop; a broken connection ends it, counted as a 599 already."""
    while not client.stop.is_set():
        try:
            target(client, rng, *extra)
        except (requests.RequestException, ValueError):
            time.sleep(0.2)


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


if __name__ == "__main__":
    sys.exit(main())
