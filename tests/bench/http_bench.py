"""HTTP benchmark: portal pages behind gunicorn against a bare Flask app, side by side.

    python -m tests.bench.http_bench [--scales 10000,100000] [--seconds 5] [--clients 8]
        [--only "officer queue,officer search"] [--split] [--database postgresql+psycopg://…]

For each scale (a number of files in a fresh SQLite database, or PostgreSQL below, seeded
in bulk after the demo data) it starts gunicorn with 2 sync workers (tests/bench/gunicorn.conf.py) on the portal,
and measures the same gunicorn on a bare Flask "hello" app (tests/bench/hello_app.py) right
after each page, so that both see the machine's load of the moment (the "bare Flask" row is
the mean of those runs; each share is of the run beside it). Beside it, three yardsticks from
tests/bench/floor_app.py: the "signed-in floor", Flask-Login loading one user per request
through the ORM as the portal does, which is the least a portal page that is signed in can
cost; the "ORM floor", the same check through the ORM without Flask-Login (the design card
asks for ORM models and services that take the loaded actor); and the "Core floor", the
same check with Flask and SQLAlchemy Core alone, which is what the fixed stack costs
without the ORM. Two more are pages of the portal's kind made with the fixed stack alone:
the "form floor", a first visit (no cookie) to a form with Flask-WTF's CSRF token, as the
login page is; and the "50-row floor", a signed-in table of 50 files read through the ORM
and written by Jinja, as the officers' queue is. The "form floor + duties" is the form floor
with what every answer of the portal must also do, written the plain way: a request id, one
log line, a request counter and latency histogram, and the security headers; the
"signed-in + duties" is the signed-in floor with the same duties, what an empty signed-in
page of the portal's kind costs on the fixed stack done the plain way. The "framed floor"
is a whole signed-in page of the portal's kind done the plain way: the user and their
server-side session row, the frame of every page rendered per request in the language
asked (Flask-Babel, the portal's catalogs) with its logout form's CSRF token, and the
duties; the "framed 50 rows" is the 50-row floor's table in that frame. The **twins** are
portal pages made the plain way in that frame, each with its page's content (the login
page, the dashboard, the employer's file and timeline, the officers' file and their search
finding 1, 11 and 50 files; see floor_app's docstring).
It logs in the demo accounts the pages are asked as (an employer, an officer, a partner
desk, a helpdesk agent), checks that every page answers 200, then loads each
page with wrk (or, when wrk is missing, a Python load generator) for `--seconds` with
`--clients` connections. It prints requests/s, p50 and p99 and the throughput as a share of
bare Flask, one column group per scale; in the "×floor" column, each page's throughput as a
share of the same kind of page made the plain way (`yardstick`: a page with a twin, its
twin, marked "=", a search the twin showing as many rows; else a signed-in page, the
framed floor, or the framed 50 rows when it showed a full page of 50 rows; a public page,
the form floor with the duties); and how much slower each page got from the smallest to
the largest scale. Absolute numbers depend on the machine; compare the ratios.

With `--split` (BENCH_SPLIT=1), a second table splits each row's CPU time per request
(tests/bench/app_time.py), in a run of its own: the timing costs bare Flask about 5% of its
throughput (a page far less), which would favour the pages in the shares above. The
columns: the whole machine's over the load (from /proc/stat), the app's (inside the WSGI
call, summed by each gunicorn worker) and the rest, serving it (gunicorn, the kernel's
sockets, wrk). A page's own cost is its app column; bare Flask's serving column is what
any request costs here.

A share of the files (SHARE_MINE) belongs to the demo employer, so "my applications" grows
with the scale as an employer's list does; referrals to Ghent's partner desks and helpdesk
tickets grow with it too (SHARE_SIDE_LISTS), for the partner inbox and the helpdesk queue. BENCH_SCALES, BENCH_SECONDS and BENCH_CLIENTS
set the defaults (`make bench`); 1000000 is the optional large run.

`--database postgresql+psycopg://…` (BENCH_DATABASE_URL; `make bench-postgres` starts a
throwaway server for it) runs the same on PostgreSQL, the database production uses: each
scale is seeded into a database of its own on that server, the floors get one too, and all
are dropped afterwards. The server runs on the same cores as gunicorn and wrk, so its work
is part of every page's cost there, as it would not be on a server of its own.
"""

from __future__ import annotations

import argparse
import http.client
import logging
import math
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from html import unescape
from pathlib import Path

from tests.bench import app_time
from tests.bench.databases import scratch, settle

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "tests/bench/gunicorn.conf.py"
PASSWORD = "demo-portal-2026"
BATCH = 10_000
SHARE_MINE = 0.01  # of the files belong to the demo employer: 100 at 10,000, 1,000 at 100,000
# As many referrals (spread over Ghent's three partner desks), helpdesk tickets (a third of
# each state), proofs issued on them, messages of the mail intake and mandates to verify as
# this share of the files: 1,000 each at 10,000 files.
SHARE_SIDE_LISTS = 0.1
# (label, who asks, path); "{timeline}" is one of the employer's files with a history, and
# "{alike}" a name as many files have at every scale (`alike_name`).
PAGES = [
    ("start page", None, "/"),
    ("login page", None, "/account/login"),
    ("eligibility", None, "/eligibility"),
    ("public figures", None, "/figures"),
    ("dashboard", "employer", "/dashboard"),
    ("my applications", "employer", "/applications/"),
    ("timeline", "employer", "/applications/{timeline}/timeline"),
    ("file (employer)", "employer", "/applications/{timeline}"),
    ("officer queue", "officer", "/backoffice/dossiers"),
    ("officer search", "officer", "/backoffice/dossiers?q=worker+1"),
    # A name few files have (1, 11 and 111 files at 10,000, 100,000 and 1,000,000): what an
    # officer looking up one person asks. "worker 1" above matches a ninth of all files.
    ("search (few files)", "officer", "/backoffice/dossiers?q=worker+9999"),
    # A common beginning of a name (11, 111 and 1,111 files): more than a page, far fewer than
    # "worker 1", where neither the union nor the OR is cheap unless chosen well.
    ("search (some files)", "officer", "/backoffice/dossiers?q=worker+999"),
    # The same result at every scale (1,111 files found, 50 shown): how a search's page grows
    # with the files alone. The rows above find more files as the files grow (11, 111 and
    # 1,111 for "worker 999"), so their growth is partly that of their result.
    ("search (1111 found)", "officer", "/backoffice/dossiers?q={alike}"),
    ("file (officer)", "officer", "/backoffice/dossiers/{timeline}"),
    # The two other lists that grow with the service (SHARE_SIDE_LISTS): a partner desk's
    # referrals, newest first, and the helpdesk's open tickets, the longest waiting first.
    ("partner inbox", "municipality", "/partner/referrals"),
    ("helpdesk queue", "helpdesk", "/helpdesk/desk"),
    # The helpdesk's proofs (newest first, every state, an unused one with its revoke form)
    # and the mail intake's quarantine (newest first), and the mandates officers verify
    # (oldest first): the staff's other lists, which grow with the service too.
    ("helpdesk proofs", "helpdesk", "/helpdesk/desk/proofs"),
    ("mail intake", "helpdesk", "/helpdesk/desk/intake"),
    ("mandates to verify", "officer", "/backoffice/mandates"),
]


def alike_name(files: int) -> str:
    """A search that finds 1,111 of the seeded files at 10,000, 100,000 and 1,000,000 files
    (the scales the benchmark is run at; between them, more). The workers are named
    "Worker 0" to "Worker {files - 1}": among numbers below 10**k, those that begin with m
    ones are 1 + 10 + ... + 10**(k - m), which is 1,111 when m = k - 3."""
    digits = max(4, round(math.log10(max(files, 1))))
    return "worker+" + "1" * (digits - 3)


def page_path(path: str, timeline: int, files: int) -> str:
    """A page of `PAGES` as asked at a scale of `files` files."""
    return path.format(timeline=timeline, alike=alike_name(files))


# The least cost of a signed-in page (tests/bench/floor_app.py), measured beside bare Flask:
# signing in as the portal does (Flask-Login, the ORM), which no portal page can beat; the
# ORM alone, as the design card's models and loaded actor require; and Flask with SQLAlchemy
# Core alone. Then two pages of the portal's kind made with the fixed stack alone: a first
# visit to a form with a CSRF token (beside the login page), the same with the duties every
# answer of the portal has (a request id, a log line, metrics, the security headers), and a
# signed-in table of 50 rows (beside the officers' queue). Then whole pages made the plain
# way: the framed floors and the twins.
FLOOR = "signed-in floor"
ORM_FLOOR = "ORM floor"
CORE_FLOOR = "Core floor"
FORM_FLOOR = "form floor"
DUTIES_FLOOR = "form + duties"
SIGNED_DUTIES_FLOOR = "signed-in + duties"
ROWS_FLOOR = "50-row floor"
FRAMED_FLOOR = "framed floor"
ROWS_FRAMED_FLOOR = "framed 50 rows"
FILE_FLOOR = "framed file"
TIMELINE_FLOOR = "framed timeline"
AUDITED_FILE_FLOOR = "framed file+audit"
SEARCH_FLOOR = "framed search (1)"
SEARCH_SOME_FLOOR = "framed search (11)"
SEARCH_PAGE_FLOOR = "framed search (50)"
DASHBOARD_FLOOR = "framed dashboard"
LOGIN_FLOOR = "framed login"


@dataclass(frozen=True)
class Floor:
    path: str
    signed_in: bool  # asked with the floor app's session cookie, else with no cookie at all
    shows: str  # text its answer must hold, so that no refusal or error page is timed


FLOORS = {
    FLOOR: Floor("/", True, "Hello, Employer!"),
    ORM_FLOOR: Floor("/orm", True, "Hello, Employer!"),
    CORE_FLOOR: Floor("/core", True, "Hello, Employer!"),
    SIGNED_DUTIES_FLOOR: Floor("/signed-in-duties", True, "Hello, Employer!"),
    FORM_FLOOR: Floor("/form", False, 'name="csrf_token" value="'),
    DUTIES_FLOOR: Floor("/form-duties", False, 'name="csrf_token" value="'),
    ROWS_FLOOR: Floor("/rows", True, "Files 1 to 50</caption>"),
    # Both show the logout form's token: the frame, signed in, with its session row.
    FRAMED_FLOOR: Floor("/framed", True, 'name="csrf_token" value="'),
    ROWS_FRAMED_FLOOR: Floor("/rows-framed", True, 'href="/files/11">'),
    # The dashboard and the login page (a first visit) made the plain way.
    DASHBOARD_FLOOR: Floor("/dashboard-framed", True, "Bouw &lt;&amp;&gt; Co NV</p>"),
    LOGIN_FLOOR: Floor("/login-framed", False, 'autocomplete="current-password"'),
    # The one-file pages made the plain way: each shows the floor's file 1, its user's.
    FILE_FLOOR: Floor("/file-framed/1", True, "<dd>Test Worker &lt;1&gt;</dd>"),
    TIMELINE_FLOOR: Floor("/timeline-framed/1", True, 'class="step step-current"'),
    AUDITED_FILE_FLOOR: Floor("/officer-file-framed/1", True, 'name="hold-csrf_token"'),
    # The officers' search made the plain way, finding one file, eleven (Worker 5 and 50 to
    # 59), and all 60 of which it shows a page of 50.
    SEARCH_FLOOR: Floor("/search-framed?q=Worker+59", True, ": 1</caption>"),
    SEARCH_SOME_FLOOR: Floor("/search-framed?q=Worker+5", True, ": 11</caption>"),
    SEARCH_PAGE_FLOOR: Floor("/search-framed?q=Worker", True, ": 50</caption>"),
}
INPUT = re.compile(r"<input\b[^>]*>", re.S)
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


@dataclass(frozen=True)
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int = 0
    flask_rps: float = 0.0  # bare Flask, measured just before this page (0: not measured)
    # Per request, in µs: the CPU time inside the app, in the workers (tests/bench/app_time),
    # and the machine's whole CPU time (the app, gunicorn, the kernel, wrk). None: unknown.
    app_us: float | None = None
    cpu_us: float | None = None
    rows: int = 0  # the rows of the page's table body (a list page's page of files)

    def share(self, flask: Result) -> float:
        """Requests/s as a share of bare Flask's: of the run just before, else `flask`."""
        return self.rps / (self.flask_rps or flask.rps)


# --- Databases -----------------------------------------------------------------------------


def database_label(server: str) -> str:
    """What the run's title says about its database; a usage error for anything but
    nothing (SQLite) or a PostgreSQL URL."""
    if not server:
        return "SQLite"
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(server)
    except ArgumentError:
        sys.exit(f"--database: not a database URL: {server[:100]!r}")
    if url.get_backend_name() != "postgresql" or not url.database:
        sys.exit("--database takes a PostgreSQL server's URL with a database to connect to")
    return f"PostgreSQL on {url.host or 'localhost'}:{url.port or 5432}"


# --- Seeding -------------------------------------------------------------------------------


def seed(database: str, files: int, workdir: Path) -> int:
    """Migrate, load all the demo data (as `flask demo load`: the plug-ins' partners and
    newcomer too) and insert `files` files in bulk; return a timeline id."""
    if files < 1:
        raise ValueError(f"the benchmark needs at least one file, not {files}")
    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from portal import create_app, textsearch
    from portal.accounts.models import User
    from portal.demo import load_all as load_demo
    from portal.dossiers import rules
    from portal.dossiers.lifecycle.models import StatusEvent
    from portal.dossiers.models import Dossier, DossierStatus
    from portal.extensions import db
    from tests.bench.common import random_file

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "UPLOAD_DIR": str(workdir / "uploads"),
            "MAIL_DIR": str(workdir / "mail"),
            "SECRET_KEY": "bench-secret-key-of-sufficient-length",
        }
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # no line per revision
    rng = random.Random(2026)
    with app.app_context():
        upgrade()
        load_demo()
        db.session.commit()
        employer = db.session.scalar(select(User).where(User.email == "employer@demo.example"))
        categories = list(rules.categories())
        seen: set[str] = set()
        rows: list[dict] = []

        def flush() -> None:
            if rows:
                db.session.execute(insert(Dossier), rows)
                rows.clear()

        for number in range(files):
            reference, submitted, state, decided = random_file(rng, seen)
            # The last file is the employer's whatever the draw: the pages need one of theirs
            # with a history, and a small seed may draw none (the draw is made either way,
            # so the files a seed of any size makes stay the same).
            mine = rng.random() < SHARE_MINE or number == files - 1
            rows.append(
                {
                    "reference": reference,
                    "status": state,
                    "created_by_id": employer.id,
                    "organisation_id": employer.organisation_id if mine else None,
                    "locale": "nl",
                    "submitted_at": submitted,
                    "category": rng.choice(categories),
                    "isco_code": "2512",
                    "nace_code": "49410",
                    "annual_salary": Decimal("55000"),
                    "worker_first_name": "Test",
                    "worker_last_name": f"Worker {number}",
                    "worker_first_key": "test",
                    "worker_last_key": textsearch.key(f"Worker {number}"),
                    "worker_nationality": rng.choice(["IN", "TR", "MA", "UA", "PH"]),
                    "flemish_decision": "authorised" if decided else None,
                    "flemish_decision_on": (
                        submitted.date() + timedelta(days=rng.randrange(10, 60))
                        if decided
                        else None
                    ),
                    "deadline_on": None if decided else submitted.date() + timedelta(days=120),
                    "sections_done": "",
                    "is_posting": False,
                    "thresholds_missing": False,
                    "reduced_threshold": False,
                }
            )
            if len(rows) >= BATCH:
                flush()
        flush()
        db.session.commit()
        db.session.execute(db.text("ANALYZE"))  # as after any bulk load
        mine = db.session.scalar(
            select(Dossier)
            .where(Dossier.organisation_id == employer.organisation_id)
            .order_by(Dossier.id.desc())
            .limit(1)
        )
        for old, new in [
            (DossierStatus.DRAFT, DossierStatus.SUBMITTED),
            (DossierStatus.SUBMITTED, DossierStatus.WORK_AUTHORISED),
        ]:
            db.session.add(StatusEvent(dossier_id=mine.id, from_status=old, to_status=new))
        db.session.commit()
        _seed_side_lists(max(1, int(files * SHARE_SIDE_LISTS)), rng)
        db.session.commit()
        timeline_id = mine.id
        db.session.remove()
        settle(db.engine)
        db.engine.dispose()
    return timeline_id


def _seed_side_lists(count: int, rng: random.Random) -> None:
    """`count` referrals from the demo newcomer to Ghent's partner desks, and `count` of
    each of the staff's lists (`_seed_staff_lists`), inserted in bulk (the orange carpet's
    tables only when it is on)."""
    from sqlalchemy import insert, select

    from portal.accounts.models import User
    from portal.extensions import db
    from portal.fallback.models import HelpdeskTicket, TicketStatus

    states = list(TicketStatus)
    for start in range(0, count, BATCH):
        db.session.execute(
            insert(HelpdeskTicket),
            [
                {
                    "number": f"HD-B{number:09d}",
                    "access_token": f"bench-{number:058d}",
                    "status": states[number % len(states)],
                    "requester_name": f"Requester {number}",
                    "requester_email": f"requester{number}@bench.example",
                    "tried": "Submit the application",
                    "error_text": "The page did not answer",
                    "updated_at": datetime(2026, 1, 1, tzinfo=UTC)
                    + timedelta(minutes=rng.randrange(500_000)),
                }
                for number in range(start, min(start + BATCH, count))
            ],
        )
    _seed_staff_lists(count, rng)
    try:
        from onboarding.models import Partner, Referral, ReferralStatus, WelcomeProfile
    except ImportError:  # the portal without the orange carpet
        return
    partners = db.session.scalars(select(Partner.id).order_by(Partner.id)).all()
    talent = db.session.execute(
        select(WelcomeProfile.id, WelcomeProfile.user_id)
        .join(User, User.id == WelcomeProfile.user_id)
        .where(User.email == "talent@demo.example")
    ).first()
    if not partners or talent is None:
        return
    statuses = list(ReferralStatus)
    codes = {"municipality": "municipal_registration", "school": "school"}
    kinds = dict(db.session.execute(select(Partner.id, Partner.kind)).all())
    for start in range(0, count, BATCH):
        rows = []
        for number in range(start, min(start + BATCH, count)):
            partner = partners[number % len(partners)]
            rows.append(
                {
                    "profile_id": talent.id,
                    "talent_id": talent.user_id,
                    "item_code": codes.get(kinds[partner].value, "childcare"),
                    "partner_id": partner,
                    "status": statuses[number % len(statuses)],
                    "shared_data": '[["name", "Tara Talent"]]',
                }
            )
        db.session.execute(insert(Referral), rows)


def _seed_staff_lists(count: int, rng: random.Random) -> None:
    """`count` proofs issued on the seeded tickets (a third used for a file, a third
    revoked, the rest unused or expired), `count` messages of the mail intake (three in four
    rejected and in the quarantine, the others accepted as a file) and `count` mandates of
    the demo mandatary's foreign employer (nine in ten waiting for verification)."""
    from sqlalchemy import func, insert, select

    from portal.accounts.models import (
        ForeignEmployer,
        Mandate,
        MandateStatus,
        Organisation,
        Role,
        User,
    )
    from portal.dossiers.models import Dossier
    from portal.extensions import db
    from portal.fallback.models import HelpdeskTicket, IntakeMessage, Outcome, Proof

    agent = db.session.scalar(select(User.id).where(User.role == Role.HELPDESK).limit(1))
    organisation = db.session.scalar(select(Organisation.id).order_by(Organisation.id).limit(1))
    foreign = db.session.execute(
        select(ForeignEmployer.id, User.id)
        .join(User, User.mandatary_id == ForeignEmployer.mandatary_id)
        .order_by(ForeignEmployer.id)
        .limit(1)
    ).first()
    tickets = db.session.scalars(
        select(HelpdeskTicket.id).where(HelpdeskTicket.number.like("HD-B%"))
    ).all()
    first_file, last_file = db.session.execute(
        select(func.min(Dossier.id), func.max(Dossier.id))
    ).one()
    start_day = datetime(2026, 1, 1, tzinfo=UTC)
    for start in range(0, count, BATCH):
        numbers = range(start, min(start + BATCH, count))
        proofs, messages, mandates = [], [], []
        for number in numbers:
            issued = start_day + timedelta(minutes=rng.randrange(500_000))
            used = number % 3 == 0
            proofs.append(
                {
                    "code": f"PRF-B{number:09d}",
                    "ticket_id": tickets[number % len(tickets)],
                    "email": f"filer{number}@bench.example",
                    "organisation_id": organisation,
                    "expires_on": issued.date() + timedelta(days=4),
                    "issued_by_id": agent,
                    "created_at": issued,
                    "used_at": issued + timedelta(days=1) if used else None,
                    "dossier_id": rng.randint(first_file, last_file) if used else None,
                    "revoked_at": issued + timedelta(hours=2) if number % 3 == 1 else None,
                }
            )
            accepted = number % 4 == 0
            messages.append(
                {
                    "source_key": f"maildir:bench-{number:09d}",
                    "sha256": "0" * 64,
                    "size": 48_213,
                    "received_at": issued,
                    "sender": f"filer{number}@bench.example",
                    "subject": f"Aanvraag {number}",
                    "locale": "nl",
                    "outcome": Outcome.ACCEPTED if accepted else Outcome.REJECTED,
                    "reason": None if accepted else "no_proof",
                    "dossier_id": rng.randint(first_file, last_file) if accepted else None,
                    "answered": True,
                }
            )
            if foreign is not None:
                decided = number % 10 == 0
                mandates.append(
                    {
                        "foreign_employer_id": foreign[0],
                        "starts_on": issued.date(),
                        "status": MandateStatus.VERIFIED if decided else MandateStatus.PENDING,
                        "file_name": "mandate.pdf",
                        "stored_name": f"bench-mandate-{number:09d}.pdf",
                        "sha256": "0" * 64,
                        "size": 48_213,
                        "uploaded_by_id": foreign[1],
                        "decided_at": issued + timedelta(days=2) if decided else None,
                        "created_at": issued,
                    }
                )
        for model, rows in ((Proof, proofs), (IntakeMessage, messages), (Mandate, mandates)):
            if rows:
                db.session.execute(insert(model), rows)


# --- Servers -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def table_rows(html: str) -> int:
    """How many rows the first table body of a page has (0 without one)."""
    _head, found, body = html.partition("<tbody")
    return body.partition("</tbody>")[0].count("<tr") if found else 0


def _get(port: int, path: str, cookie: str = "") -> tuple[int, str, list[tuple[str, str]]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace"), response.getheaders()
    finally:
        connection.close()


class Server:
    """gunicorn with the benchmark's settings on a free port, stopped on exit."""

    def __init__(self, app: str, env: dict[str, str], log: Path, *, split: bool = False) -> None:
        self.port = free_port()
        self.log = log.open("w")
        env = {**env, "BENCH_BIND": f"127.0.0.1:{self.port}"}
        # `split`: each worker times its app (app_time.Timed) in this folder. Off by default:
        # the timing costs bare Flask about 5% of its throughput (6,750 → 6,375 req/s here),
        # a page far less, and would favour the pages in the shares of the main table.
        self.times = log.with_suffix(".times") if split else None
        if self.times is not None:
            self.times.mkdir()
            env["BENCH_APP_TIMES"] = str(self.times)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONF), app],
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        for _ in range(600):
            if self.process.poll() is not None:
                sys.exit(f"gunicorn ({app}) stopped before it served; see {log}")
            try:
                _get(self.port, "/")
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        sys.exit(f"gunicorn ({app}) did not answer; see {log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


def login(port: int, email: str) -> str:
    """Log in through the form (CSRF on) and return the Cookie header of the session."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/account/login")
    response = connection.getresponse()
    html = response.read().decode()
    cookies = _cookies(response.getheaders(), {})
    fields = {}
    for tag in INPUT.findall(html):
        attrs = dict(ATTR.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = unescape(attrs.get("value", ""))
    fields.update({"email": email, "password": PASSWORD})
    from urllib.parse import urlencode, urlsplit

    connection.request(
        "POST",
        "/account/login",
        body=urlencode(fields),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": _header(cookies),
        },
    )
    response = connection.getresponse()
    response.read()
    connection.close()
    if response.status != 302:
        sys.exit(f"login of {email} failed: {response.status}")
    cookies = _cookies(response.getheaders(), cookies)
    # Then the page the login leads to, as a browser does: its answer completes the cookie
    # (the CSRF secret of the header's logout form). With the login's cookie alone, every
    # request of the load would make that secret again and re-sign the cookie, which no
    # browser's second page does.
    target = urlsplit(response.getheader("Location", "/"))  # relative, or on this server
    page = target.path + (f"?{target.query}" if target.query else "")
    status, _, headers = _get(port, page, _header(cookies))
    if status != 200:
        sys.exit(f"the page after the login of {email} answered {status}")
    return _header(_cookies(headers, cookies))


def settled(headers: list[tuple[str, str]]) -> bool:
    """Whether an answer leaves the visitor's cookies as they were (sets none)."""
    return not any(name.lower() == "set-cookie" for name, _ in headers)


def _cookies(headers: list[tuple[str, str]], jar: dict[str, str]) -> dict[str, str]:
    jar = dict(jar)
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def _header(jar: dict[str, str]) -> str:
    return "; ".join(f"{key}={value}" for key, value in jar.items())


# --- Load ----------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * _UNITS[unit]


def wrk(url: str, cookie: str, seconds: int, clients: int) -> Result:
    command = ["wrk", f"-t{min(2, clients)}", f"-c{clients}", f"-d{seconds}s", "--latency"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    return parse_wrk(out)


def parse_wrk(out: str) -> Result:
    """Requests/s, p50 and p99 (--latency) and the failed requests of wrk's report."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    # Anchored: "+/- Stdev" columns such as "87.50%" are no percentiles.
    p50 = _ms(re.search(r"^\s*50%\s+(\S+)", out, re.M).group(1))
    p99 = _ms(re.search(r"^\s*99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = int(bad.group(1)) if bad else 0
    errors += sum(int(n) for n in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return Result(rps, p50, p99, errors)


def python_load(port: int, path: str, cookie: str, seconds: int, clients: int) -> Result:
    """The fallback when wrk is missing: `clients` threads on keep-alive connections."""
    times: list[float] = []
    errors = [0]
    lock = threading.Lock()
    deadline = time.perf_counter() + seconds

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine = []
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            try:
                connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                ok = False
            mine.append(time.perf_counter() - started)
            if not ok:
                with lock:
                    errors[0] += 1
        connection.close()
        with lock:
            times.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    ordered = sorted(times) or [0.0]
    return Result(
        len(times) / elapsed,
        statistics.median(ordered) * 1000,
        ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000,
        errors[0],
    )


def chosen(only: str) -> list[tuple[str, str | None, str]]:
    """The pages named in `only` (labels, comma-separated), or all of them; an unknown name
    stops the run, so a typo never reports a shorter table than asked for."""
    if not only:
        return PAGES
    names = [name.strip() for name in only.split(",") if name.strip()]
    unknown = set(names) - {label for label, _, _ in PAGES}
    if unknown:
        sys.exit(f"no such page in the benchmark: {', '.join(sorted(unknown))}")
    return [page for page in PAGES if page[0] in names]


def load(port: int, path: str, cookie: str, seconds: int, clients: int) -> Result:
    if shutil.which("wrk"):
        return wrk(f"http://127.0.0.1:{port}{path}", cookie, seconds, clients)
    return python_load(port, path, cookie, seconds, clients)


def measure(server: Server, path: str, cookie: str, seconds: int, clients: int) -> Result:
    """`load` on `server`, with the CPU time per request on the whole machine over the same
    seconds and, on a server started with `split`, inside the app (what its workers wrote,
    tests/bench/app_time)."""
    key = path if "?" in path else path + "?"  # as the workers name it: path and query
    times = server.times
    before, busy = (app_time.read(times) if times else {}), app_time.busy_seconds()
    result = load(server.port, path, cookie, seconds, clients)
    after, busy_after = (app_time.read(times) if times else {}), app_time.busy_seconds()
    requests = result.rps * seconds
    cpu_us = None
    if busy is not None and busy_after is not None and requests:
        cpu_us = (busy_after - busy) / requests * 1e6
    return replace(result, app_us=app_time.per_request_us(before, after, key), cpu_us=cpu_us)


# --- The run -------------------------------------------------------------------------------


def measure_scale(
    files: int, args, workdir: Path, baseline: Callable[[], Result]
) -> dict[str, Result]:
    folder = workdir / f"files-{files}"
    folder.mkdir()
    with scratch(args.database, f"portal_bench_{files}", folder) as database:
        return _measure_scale(files, args, database, folder, baseline)


def _measure_scale(
    files: int, args, database: str, folder: Path, baseline: Callable[[], Result]
) -> dict[str, Result]:
    started = time.perf_counter()
    timeline_id = seed(database, files, folder)
    print(f"  {files:,} files seeded in {time.perf_counter() - started:.0f} s", flush=True)
    env = dict(
        os.environ,
        DATABASE_URL=database,
        SECRET_KEY="bench-secret-key-of-sufficient-length",
        UPLOAD_DIR=str(folder / "uploads"),
        MAIL_DIR=str(folder / "mail"),
        MAIL_SERVER="",
        DVZ_DROP_DIR=str(folder / "dvz"),
        OUTBOX_SEND_AFTER_REQUEST="0",
        RATELIMIT_ENABLED="0",
    )
    server = Server("wsgi:app", env, folder / "gunicorn.log", split=args.split)
    try:
        cookies = {
            None: "",
            **{who: login(server.port, f"{who}@demo.example") for who in _signed_in(args.only)},
        }
        results = {}
        for label, who, path in chosen(args.only):
            path = page_path(path, timeline_id, files)
            status, body, headers = _get(server.port, path, cookies[who])
            if status != 200:
                sys.exit(f"{label} ({path}) answered {status}, not 200")
            # The load sends the same cookie each time: a signed-in page that sets a cookie
            # would be timed re-signing it on every request, which a browser's next request
            # (sending the new cookie) does not pay. Refused rather than measured wrong.
            if who and not settled(headers):
                sys.exit(f"{label} ({path}) sets a cookie although the benchmark's is complete")
            results[label] = replace(
                measure(server, path, cookies[who], args.seconds, args.clients),
                flask_rps=baseline().rps,
                rows=table_rows(body),
            )
        return results
    finally:
        server.stop()


def _signed_in(only: str) -> set[str]:
    """The demo accounts the chosen pages are asked as."""
    return {who for _, who, _ in chosen(only) if who}


def table(
    baselines: dict[int, Result], scales: list[int], runs: dict[int, dict[str, Result]]
) -> str:
    """The report: per scale requests/s, p50, p99, the share of bare Flask and the share of
    the page's yardstick (`yardstick`); then the growth between scales."""
    labels = [*FLOORS, *(label for label, _, _ in PAGES)]
    shown = [label for label in labels if label in runs[scales[0]]]
    head = f"{'page':<18}"
    for files in scales:
        head += f" | {f'{files:,} files':^39}"
    if len(scales) > 1:
        head += f" | {'time':>6}"
    sub = f"{'':<18}" + (
        f" | {'req/s':>7} {'p50ms':>6} {'p99ms':>6} {'×Flask':>7} {'×floor':<8}" * len(scales)
    )
    if len(scales) > 1:
        sub += f" | {'growth':>6}"
    lines = [head, sub, "-" * len(sub)]
    flask = f"{'bare Flask':<18}"
    for files in scales:
        b = baselines[files]
        flask += f" | {b.rps:>7.0f} {b.p50_ms:>6.1f} {b.p99_ms:>6.1f} {1:>6.2f}× {'':<8}"
    lines.append(flask)
    for label in shown:
        line = f"{label:<18}"
        for files in scales:
            r = runs[files][label]
            share = r.share(baselines[files])
            floor = ""
            against = yardstick(label, r)
            if (beside := runs[files].get(against)) is not None:
                mark = MARKS.get(against, "")
                floor = f"{share / beside.share(baselines[files]):>6.3f}×{mark}"
            line += f" | {r.rps:>7.0f} {r.p50_ms:>6.1f} {r.p99_ms:>6.1f} {share:>6.3f}× {floor:<8}"
            if r.errors:
                line += f" ({r.errors} errors)"
        if len(scales) > 1:
            # Time per request at the largest scale over the smallest (target ≤ 1.25), each
            # as a share of its own bare Flask.
            first, last = runs[scales[0]][label], runs[scales[-1]][label]
            growth = first.share(baselines[scales[0]]) / last.share(baselines[scales[-1]])
            line += f" | {growth:>5.2f}×"
        lines.append(line)
    lines.append(LEGEND)
    return "\n".join(lines)


LIST_MARK = "*"
TWIN_MARK = "="
LEGEND = (
    "×floor: a page's share of its twin (=), the same page made the plain way; else a public"
    " page's of the form floor with the duties, a signed-in page's of the framed floor, or (*)"
    " of the framed 50 rows when it showed a full page of 50 rows; the 50-row floor's of the"
    " signed-in floor."
)
ASKED_AS = {label: who for label, who, _ in PAGES}  # None: a public page
FULL_PAGE = 50  # the portal's lists show 50 rows a page (portal/paging.py), as /rows-framed
# The pages with a twin among the floors: the same content (the same headings, fields,
# rows and forms, translated and formatted) made the plain way (tests/bench/floor_app.py).
TWINS = {
    "login page": LOGIN_FLOOR,
    "dashboard": DASHBOARD_FLOOR,
    "timeline": TIMELINE_FLOOR,
    "file (employer)": FILE_FLOOR,
    "file (officer)": AUDITED_FILE_FLOOR,
}
# The officers' searches: their twin is the plain-way search that shows as many rows, when
# there is one (a search finds more files as the files grow).
SEARCHES = frozenset(label for label, _, path in PAGES if "?q=" in path)
SEARCH_TWINS = {1: SEARCH_FLOOR, 11: SEARCH_SOME_FLOOR, FULL_PAGE: SEARCH_PAGE_FLOOR}
MARKS = {ROWS_FRAMED_FLOOR: LIST_MARK} | dict.fromkeys(
    [*TWINS.values(), *SEARCH_TWINS.values()], TWIN_MARK
)


def yardstick(label: str, result: Result) -> str:
    """The floor a row of the table is set against: for a page, its twin (the same page made
    the plain way with the fixed stack and the same duties, tests/bench/floor_app.py) when
    there is one, else the same kind of page made that way."""
    if label == ROWS_FLOOR:
        return FLOOR
    if label not in ASKED_AS:  # a floor: a share of bare Flask only
        return ""
    if label in TWINS:
        return TWINS[label]
    if ASKED_AS[label] is None:
        return DUTIES_FLOOR
    if label in SEARCHES and result.rows in SEARCH_TWINS:
        return SEARCH_TWINS[result.rows]
    return ROWS_FRAMED_FLOOR if result.rows >= FULL_PAGE else FRAMED_FLOOR


def split_table(
    baselines: dict[int, Result], scales: list[int], runs: dict[int, dict[str, Result]]
) -> str:
    """Where each row's CPU time per request goes, in µs: the whole machine's, the app's
    (inside the WSGI call, in the workers) and the rest, serving it (gunicorn, the kernel's
    sockets, wrk). Tells a page's own cost from what any request costs on this set-up."""
    labels = [*FLOORS, *(label for label, _, _ in PAGES)]
    shown = [label for label in labels if label in runs[scales[0]]]
    head = f"{'µs a request':<18}" + "".join(f" | {f'{files:,} files':^20}" for files in scales)
    sub = f"{'':<18}" + f" | {'whole':>6} {'app':>6} {'serve':>6}" * len(scales)
    lines = [head, sub, "-" * len(sub)]

    def cells(result: Result) -> str:
        whole, app = result.cpu_us, result.app_us
        serve = whole - app if whole is not None and app is not None else None
        return " | " + " ".join(
            f"{value:>6.0f}" if value is not None else f"{'–':>6}" for value in (whole, app, serve)
        )

    lines.append(f"{'bare Flask':<18}" + "".join(cells(baselines[files]) for files in scales))
    for label in shown:
        lines.append(f"{label:<18}" + "".join(cells(runs[files][label]) for files in scales))
    return "\n".join(lines)


def _mean(values: list[float | None]) -> float | None:
    known = [value for value in values if value is not None]
    return statistics.fmean(known) if known else None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default=os.environ.get("BENCH_SCALES", "10000,100000"))
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("BENCH_SECONDS", 5)))
    parser.add_argument("--clients", type=int, default=int(os.environ.get("BENCH_CLIENTS", 8)))
    parser.add_argument("--only", default="", help="page labels, comma-separated (default: all)")
    parser.add_argument(
        "--split",
        action="store_true",
        default=os.environ.get("BENCH_SPLIT") == "1",
        help="also time the app in each worker: a second table of where each request's CPU "
        "time goes (the main table's shares then favour the pages by about 5%%)",
    )
    parser.add_argument(
        "--database",
        default=os.environ.get("BENCH_DATABASE_URL", ""),
        help="a PostgreSQL server's URL: each scale, and the floors, get a database of their "
        "own there, dropped afterwards (default: SQLite files; `make bench-postgres`)",
    )
    args = parser.parse_args(argv)
    chosen(args.only)  # refuses an unknown page before anything is seeded
    scales = [int(s) for s in args.scales.split(",") if s.strip()]
    label = database_label(args.database)  # refuses a URL that is not one before any work
    workdir = Path(tempfile.mkdtemp(prefix="portal-http-bench-"))
    generator = "wrk" if shutil.which("wrk") else "a Python load generator (wrk not found)"
    print(
        f"HTTP benchmark: gunicorn, 2 sync workers, {generator}, {args.clients} connections, "
        f"{args.seconds} s a page, {label}; logs in {workdir}",
        flush=True,
    )
    with scratch(args.database, "portal_bench_floor", workdir) as floor_database:
        _run(args, scales, workdir, floor_database)
    shutil.rmtree(workdir, ignore_errors=True)


def floor_server(database: str, log: Path, *, split: bool = False) -> Server:
    """The floors' app on `database`, its tables made first by one process: PostgreSQL may
    fail one of two CREATE TABLE IF NOT EXISTS at the same moment, as gunicorn's two workers
    would run them."""
    env = dict(os.environ, BENCH_FLOOR_DATABASE_URL=database)
    subprocess.run(
        [sys.executable, "-c", "import tests.bench.floor_app"], env=env, cwd=ROOT, check=True
    )
    return Server("tests.bench.floor_app:app", env, log, split=split)


def floor_login(port: int) -> str:
    """The floors' session cookie: the login's, completed by the framed page after it (its
    logout form's CSRF secret), as `login` does for the portal, so that no floor re-signs
    the cookie on every request of the load."""
    _, _, headers = _get(port, "/login")
    cookies = _cookies(headers, {})
    _, _, headers = _get(port, FLOORS[FRAMED_FLOOR].path, _header(cookies))
    return _header(_cookies(headers, cookies))


def floor_problem(port: int, cookie: str) -> str | None:
    """What is wrong with the floors' server before it is timed (None: nothing): each floor
    answers 200 with what it shows, and no signed-in floor sets a cookie after the
    completed login (`floor_login`)."""
    for label, spec in FLOORS.items():
        status, body, headers = _get(port, spec.path, cookie if spec.signed_in else "")
        if status != 200 or spec.shows not in body:
            return f"{label} ({spec.path}) answered {status}, not 200 with {spec.shows!r}"
        if spec.signed_in and not settled(headers):
            return f"{label} ({spec.path}) sets a cookie although the floor's is complete"
    return None


def _run(args, scales: list[int], workdir: Path, floor_database: str) -> None:
    hello = Server(
        "tests.bench.hello_app:app", dict(os.environ), workdir / "hello.log", split=args.split
    )
    floor = floor_server(floor_database, workdir / "floor.log", split=args.split)
    runs, baselines = {}, {}
    try:
        floor_cookie = floor_login(floor.port)
        if problem := floor_problem(floor.port, floor_cookie):
            sys.exit(problem)
        for files in scales:
            measured: list[Result] = []

            def baseline(measured: list[Result] = measured) -> Result:
                # Bare Flask again right after each page: on a shared machine the load
                # of the moment moves both alike (the share is what the targets state).
                measured.append(measure(hello, "/", "", args.seconds, args.clients))
                return measured[-1]

            runs[files] = {}
            for label, spec in FLOORS.items():
                cookie = floor_cookie if spec.signed_in else ""
                floor_run = measure(floor, spec.path, cookie, args.seconds, args.clients)
                runs[files][label] = replace(floor_run, flask_rps=baseline().rps)
            runs[files].update(measure_scale(files, args, workdir, baseline))
            baselines[files] = Result(
                statistics.fmean(r.rps for r in measured),
                statistics.median(r.p50_ms for r in measured),
                statistics.median(r.p99_ms for r in measured),
                app_us=_mean([r.app_us for r in measured]),
                cpu_us=_mean([r.cpu_us for r in measured]),
            )
    finally:
        hello.stop()
        floor.stop()
    print(table(baselines, scales, runs))
    if args.split:
        print()
        print(split_table(baselines, scales, runs))


if __name__ == "__main__":
    main()
