"""What a signed-in page costs at least: the way the portal signs in, and the fixed stack alone.

Flask, Flask-SQLAlchemy and Flask-Login, as the portal uses them, and nothing of the
portal: the signed session cookie names a user, Flask-Login's loader reads that one user
by primary key from a SQLite file through the ORM (as any server-side check of a session
must, so that a logout or a password change ends every copy of the cookie), and the view
answers a short text. No template, no CSRF, no session row, no security headers.

The HTTP benchmark prints this app's share of bare Flask beside the pages, so that the part
of a page's cost that is this way of signing in and the part that is the page can be told
apart.

`/core` answers the same check with the fixed stack alone: the session cookie read by Flask
and the user's row read by SQLAlchemy Core on a pooled connection, without Flask-Login and
without the ORM: the least Flask and SQLAlchemy can do. It reads the same cookie as `/`,
and the app's Flask-Login hooks still run around it, so this row errs on the dear side.

`/orm` answers the same check through the ORM (`Session.get`, Flask-SQLAlchemy's
request-scoped session), without Flask-Login. The design card asks for typed ORM models and
services that take the loaded actor, so a signed-in portal request loads its user this
way: between this row and the Core floor lies what the ORM costs, between this row and the
signed-in floor what Flask-Login adds.

`/signed-in-duties`, the **signed-in floor with the duties**: `/` with the request id, the
log line, the metrics and the security headers of the form floor with the duties (below)
around it: what an empty signed-in page of the portal's kind costs on this stack, done the
plain way. Like that row it leaves out the CSRF check and the session's protection, and
reads no session row beside the user, so it errs on the cheap side.

`/framed`, the **framed floor**: an empty signed-in page of the portal's kind with all
it must carry, each part done the plain way the libraries document:
- the duties of `/signed-in-duties`;
- a server-side session row read with the user, in the loader's one query, and checked
  against the portal's idle and absolute timeouts (so that a logout or a timeout ends
  every copy of the cookie). Its "last seen" is written at most once a minute, as the
  portal does;
- the page frame of every portal page, rendered per request by Jinja from a layout the
  page extends: the skip link, the four languages' links to this page (`url_for`), the
  account links and a logout form with Flask-WTF's CSRF token, and the footer; every text
  through Flask-Babel's Jinja extension, in the language Flask-Babel's selector picks,
  from the portal's own catalogs (`translations/`, data that the build compiles);
- `POST /logout` checks that token (`validate_csrf`) and ends the session row.
Flask-Login's session protection is its default ("basic"), as on every floor here.

`/rows-framed`, the **framed 50-row floor**: the 50-row floor's table inside the same
frame, with the same duties, and its caption and column headings translated: a list page
of the portal's kind, done the plain way.

Two more yardsticks stand beside a page of the portal's kind, each done the way the
stack's own documentation shows it:

- `/form`, the **form floor**: what a first visit to a page with a form costs. A visitor
  without a cookie gets a page whose form carries Flask-WTF's CSRF token, so a secret is
  made, the token is signed and a new session cookie is signed and set, as on the portal's
  login page. Beside the public pages, with no user.
- `/rows`, the **50-row floor**: a signed-in page (as `/`) that shows 50 files in a table
  of ten columns, as the officers' queue does: one ORM query of the columns it shows, with
  the employer and the assigned person joined, ordered by an indexed deadline, and a Jinja
  loop writing the rows (autoescaped). No count, no filters, no translations, no frame.

`BENCH_FLOOR_DB` names the SQLite file (created with one user and the 60 files of the
50-row floor when missing). `BENCH_FLOOR_DATABASE_URL`, when set, names any database the
portal runs on instead (a PostgreSQL one for `make bench-postgres`), filled the same way.
"""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
import sys
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from flask import Blueprint, Flask, abort, g, render_template, request, session
from flask_babel import Babel, get_locale
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import generate_csrf, validate_csrf
from jinja2 import DictLoader
from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy import Date, DateTime, ForeignKey, String, bindparam, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, mapped_column
from wtforms import ValidationError


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()


class Person(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))


class Firm(db.Model):
    """An employer of the 50-row floor's files."""

    __tablename__ = "floor_firm"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kbo: Mapped[str] = mapped_column(String(10))


class Case(db.Model):
    """A file of the 50-row floor: the values a row of the officers' queue shows."""

    __tablename__ = "floor_case"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    submitted_on: Mapped[date] = mapped_column(Date)
    deadline_on: Mapped[date] = mapped_column(Date, index=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    firm_id: Mapped[int] = mapped_column(ForeignKey("floor_firm.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))


class SessionRow(db.Model):
    """A signed-in session of the framed floors, kept on the server (see the docstring)."""

    __tablename__ = "floor_session"
    # Keyed by the token's hash, as it is looked up: no id to generate (the table is made
    # by the same statement on SQLite and PostgreSQL).
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime)
    ended_at: Mapped[datetime | None] = mapped_column(DateTime)


CASES = 60  # more than a page: the query must choose the 50 first by deadline
FIRST_DAY = date(2026, 1, 5)
# Each statement may run in two processes at once (see create_app): no check-then-create.
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS person"
    " (id INTEGER NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL)",
    "INSERT INTO person (id, name) VALUES (1, 'Employer') ON CONFLICT DO NOTHING",
    "CREATE TABLE IF NOT EXISTS floor_firm (id INTEGER NOT NULL PRIMARY KEY,"
    " name VARCHAR(200) NOT NULL, kbo VARCHAR(10) NOT NULL)",
    # A name with markup: the rows floor escapes what it writes, as any page must.
    "INSERT INTO floor_firm (id, name, kbo) VALUES (1, 'Bouw <&> Co NV', '0123456749')"
    " ON CONFLICT DO NOTHING",
    "CREATE TABLE IF NOT EXISTS floor_case (id INTEGER NOT NULL PRIMARY KEY,"
    " reference VARCHAR(20) NOT NULL, status VARCHAR(20) NOT NULL, kind VARCHAR(20) NOT NULL,"
    " category VARCHAR(40) NOT NULL, channel VARCHAR(20) NOT NULL, submitted_on DATE NOT NULL,"
    " deadline_on DATE NOT NULL, first_name VARCHAR(100) NOT NULL,"
    " last_name VARCHAR(100) NOT NULL, firm_id INTEGER NOT NULL REFERENCES floor_firm (id),"
    " officer_id INTEGER REFERENCES person (id))",
    "CREATE INDEX IF NOT EXISTS ix_floor_case_deadline_on ON floor_case (deadline_on)",
    "CREATE TABLE IF NOT EXISTS floor_session (token_hash VARCHAR(64) NOT NULL PRIMARY KEY,"
    " person_id INTEGER NOT NULL REFERENCES person (id), created_at TIMESTAMP NOT NULL,"
    " last_seen_at TIMESTAMP NOT NULL, ended_at TIMESTAMP)",
)
# The portal's defaults (portal/config.py): SESSION_IDLE_TIMEOUT, SESSION_LIFETIME and
# SESSION_TOUCH_INTERVAL.
IDLE = timedelta(minutes=30)
ABSOLUTE = timedelta(hours=8)
TOUCH_EVERY = timedelta(seconds=60)
LANGUAGES = {"nl": "Nederlands", "fr": "Français", "de": "Deutsch", "en": "English"}
CATALOGS = Path(__file__).resolve().parents[2] / "translations"

# The framed floors' pages: a layout with the frame of every portal page, and the two pages
# that extend it (rendered with render_template, its context processors included).
FRAME = """<!doctype html>
<html lang="{{ lang }}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{% block title %}{% endblock %} – {{ _("Single Permit Portal") }}</title>
<link rel="stylesheet" href="/static/css/portal.css"></head><body>
<a class="skip-link" href="#main">{{ _("Skip to main content") }}</a>
<header><a class="brand" href="{{ url_for('page') }}">{{ _("Single Permit Portal") }}</a>
<nav aria-label="{{ _('Language') }}"><ul>{% for code, name in languages.items() %}
<li><a href="{{ url_for(request.endpoint, lang=code) }}" lang="{{ code }}" hreflang="{{ code }}"
{%- if code == lang %} aria-current="true"{% endif %}>{{ name }}</a></li>{% endfor %}</ul></nav>
<nav aria-label="{{ _('Account') }}"><ul>
<li><a href="{{ url_for('duties.framed') }}">{{ _("My dashboard") }}</a></li>
<li><a href="{{ url_for('orm_page') }}">{{ _("My account") }}</a></li>
<li><form method="post" action="{{ url_for('logout') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<button type="submit">{{ _("Log out") }}</button></form></li></ul></nav></header>
<main id="main" tabindex="-1">{% block content %}{% endblock %}</main>
<footer><p>{{ _("A service of the Flemish government for employers, mandataries and newcomers.") }}</p>
<p><a href="{{ url_for('form_page') }}">{{ _("Report a technical problem to the helpdesk") }}</a></p>
<p><a href="{{ url_for('core_page') }}">{{ _("Privacy") }}</a></p></footer>
</body></html>"""
FRAMED = """{% extends "frame.html" %}
{% block title %}{{ _("My dashboard") }}{% endblock %}
{% block content %}<h1>{{ _("My dashboard") }}</h1><p>{{ current_user.name }}</p>{% endblock %}"""
ROWS_FRAMED = """{% extends "frame.html" %}
{% block title %}{{ _("Files to handle") }}{% endblock %}
{% block content %}<h1>{{ _("Files to handle") }}</h1><p>{{ current_user.name }}</p>
{%- set heads = [_("Reference"), _("Worker"), _("Employer"), _("Kind"), _("Category"),
  _("Channel"), _("Submitted"), _("Deadline"), _("Assigned to"), _("Status")] %}
<table><caption>{{ _("Files to handle") }}: {{ rows|length }}</caption><thead><tr>
{%- for head in heads %}<th>{{ head }}</th>{% endfor %}</tr></thead><tbody>
{% for row in rows %}<tr><td data-label="{{ heads[0] }}"><a href="/files/{{ row.id }}">
{{- row.reference }}</a></td><td data-label="{{ heads[1] }}">{{ row.first_name }} {{ row.last_name }}</td>
<td data-label="{{ heads[2] }}">{{ row.firm_name }} ({{ row.kbo }})</td>
<td data-label="{{ heads[3] }}">{{ row.kind }}</td><td data-label="{{ heads[4] }}">{{ row.category }}</td>
<td data-label="{{ heads[5] }}">{{ row.channel }}</td>
<td data-label="{{ heads[6] }}">{{ row.submitted_on }}</td>
<td data-label="{{ heads[7] }}">{{ row.deadline_on }}</td>
<td data-label="{{ heads[8] }}">{{ row.officer_name or "" }}</td>
<td data-label="{{ heads[9] }}">{{ row.status }}</td></tr>
{% endfor %}</tbody></table>{% endblock %}"""
TEMPLATES = {"frame.html": FRAME, "framed.html": FRAMED, "rows_framed.html": ROWS_FRAMED}


def _cases() -> list[dict]:
    """The 50-row floor's files; the deadlines run backwards, so the order has work to do."""
    return [
        {
            "id": number,
            "reference": f"SP-2026-{number:06d}",
            "status": "submitted",
            "kind": "single_permit",
            "category": "highly_qualified",
            "channel": "portal",
            "submitted_on": (FIRST_DAY + timedelta(days=number)).isoformat(),
            "deadline_on": (FIRST_DAY + timedelta(days=200 - number)).isoformat(),
            "first_name": f"Worker {number}",
            "last_name": "Peeters",
            "firm_id": 1,
            "officer_id": 1 if number % 2 else None,
        }
        for number in range(1, CASES + 1)
    ]


def create_app() -> Flask:
    app = Flask(__name__)
    app.config["SECRET_KEY"] = "bench-floor-secret-key-of-sufficient-length"
    app.config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
        "BENCH_FLOOR_DATABASE_URL"
    ) or "sqlite:///" + os.environ.get("BENCH_FLOOR_DB", "/tmp/portal-bench-floor.sqlite")
    # The framed floors' templates; set before anything makes the Jinja environment.
    app.jinja_loader = DictLoader(TEMPLATES)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(CATALOGS)
    Babel(app, locale_selector=_locale)
    # As Flask-WTF's CSRFProtect gives templates the token; the extension itself is not
    # used, for its before_request hook would run on the bare floors too. The one form
    # (logout) checks its token itself.
    app.jinja_env.globals["csrf_token"] = generate_csrf
    db.init_app(app)
    login_manager.init_app(app)
    with app.app_context():
        if not _made():
            _make()
    return app


def _made() -> bool:
    """Whether the floors' tables and rows are there already. `http_bench.floor_server`
    makes them in one process before gunicorn's two workers import this at the same moment;
    the workers then only read. Made again by both, on PostgreSQL they could deadlock: a
    CREATE INDEX IF NOT EXISTS locks its table before it finds the index there, and each
    worker's insert then waited for the other's lock (seen once in CI)."""
    try:
        db.session.execute(text("SELECT count(*) FROM floor_session"))  # made last
        return db.session.execute(text("SELECT count(*) FROM floor_case")).scalar() == CASES
    except DBAPIError:  # no table yet
        return False
    finally:
        db.session.rollback()


def _make() -> None:
    """The floors' tables and rows. Each statement is one that two processes may run at
    once, for a floor app started without `floor_server` (a check-then-create raced)."""
    for statement in SCHEMA:
        db.session.execute(text(statement))
    cases = _cases()
    names = list(cases[0])
    db.session.execute(
        text(
            f"INSERT INTO floor_case ({', '.join(names)})"
            f" VALUES ({', '.join(':' + name for name in names)}) ON CONFLICT DO NOTHING"
        ),
        cases,
    )
    db.session.commit()


@login_manager.user_loader
def load(user_id: str) -> Person | None:
    if request.endpoint in WITH_SESSION_ROW:
        return _load_with_session_row(int(user_id))
    return db.session.get(Person, int(user_id))


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# The user with the session row the cookie names, in one query (the framed floors).
WITH_ROW = (
    select(Person, SessionRow)
    .join(SessionRow, SessionRow.person_id == Person.id)
    .where(Person.id == bindparam("user_id"), SessionRow.token_hash == bindparam("token_hash"))
)


def _load_with_session_row(user_id: int) -> Person | None:
    """The user, only while the session row the cookie names is live; its "last seen"
    moved forward at most once a minute."""
    token = session.get("sid")
    if not isinstance(token, str):
        return None
    found = db.session.execute(
        WITH_ROW, {"user_id": user_id, "token_hash": _token_hash(token)}
    ).first()
    if found is None:
        return None
    person, row = found
    moment = _now()
    if (
        row.ended_at is not None
        or moment - row.last_seen_at > IDLE
        or moment - row.created_at > ABSOLUTE
    ):
        return None
    if moment - row.last_seen_at >= TOUCH_EVERY:
        row.last_seen_at = moment
        db.session.commit()
    return person


def _locale() -> str:
    """Flask-Babel's locale selector: `?lang=`, else the browser's choice, else Dutch."""
    asked = request.args.get("lang")
    if asked in LANGUAGES:
        return asked
    return request.accept_languages.best_match(list(LANGUAGES)) or "nl"


app = create_app()


@app.get("/login")
def login() -> str:
    """Sign in the one user, with a new session row (the other floors ignore it)."""
    token = secrets.token_urlsafe(32)
    moment = _now()
    db.session.add(
        SessionRow(
            person_id=1, token_hash=_token_hash(token), created_at=moment, last_seen_at=moment
        )
    )
    db.session.commit()
    login_user(db.session.get(Person, 1))
    session["sid"] = token
    return "logged in"


@app.post("/logout")
def logout() -> tuple[str, int] | str:
    """The framed floors' logout button: its CSRF token checked, the session row ended."""
    try:
        validate_csrf(request.form.get("csrf_token"))
    except ValidationError:
        return "refused", 400
    token = session.pop("sid", None)
    if isinstance(token, str):
        db.session.execute(
            update(SessionRow)
            .where(SessionRow.token_hash == _token_hash(token), SessionRow.ended_at.is_(None))
            .values(ended_at=_now())
        )
        db.session.commit()
    logout_user()
    return "logged out"


@app.get("/")
@login_required
def page() -> str:
    return _hello()


def _hello() -> str:
    return f"Hello, {current_user.name}!"


NAME_BY_ID = select(Person.__table__.c.name).where(Person.__table__.c.id == bindparam("user_id"))


def _cookie_user_id() -> int:
    """The user id the session cookie names (set by the Flask-Login login above); 401 else."""
    user_id = session.get("_user_id")
    if not isinstance(user_id, str) or not user_id.isdecimal():
        abort(401)
    return int(user_id)


@app.get("/core")
def core_page() -> str:
    """The same signed-in check and answer, with the fixed stack alone (see the docstring)."""
    user_id = _cookie_user_id()  # before a connection is taken: a refusal needs none
    with db.engine.connect() as connection:
        name = connection.execute(NAME_BY_ID, {"user_id": user_id}).scalar_one_or_none()
    if name is None:
        abort(401)
    return f"Hello, {name}!"


@app.get("/orm")
def orm_page() -> str:
    """The same signed-in check and answer through the ORM, without Flask-Login."""
    person = db.session.get(Person, _cookie_user_id())
    if person is None:
        abort(401)
    return f"Hello, {person.name}!"


FORM = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Log in</title></head><body><main>
<form method="post"><input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<label for="email">E-mail</label><input id="email" name="email" type="email">
<label for="password">Password</label><input id="password" name="password" type="password">
<button>Log in</button></form></main></body></html>"""


@app.get("/form")
def form_page() -> str:
    """A first visit to a page with a form: the CSRF token made, signed and kept in a new
    session cookie (see the docstring)."""
    return FORM_TEMPLATE.render(csrf_token=generate_csrf)


_OFFICER = aliased(Person, name="officer")
ROWS = (
    select(
        Case.id,
        Case.reference,
        Case.status,
        Case.kind,
        Case.category,
        Case.channel,
        Case.submitted_on,
        Case.deadline_on,
        Case.first_name,
        Case.last_name,
        Firm.name.label("firm_name"),
        Firm.kbo,
        _OFFICER.name.label("officer_name"),
    )
    .join(Firm, Firm.id == Case.firm_id)
    .outerjoin(_OFFICER, _OFFICER.id == Case.officer_id)
    .order_by(Case.deadline_on, Case.id)
    .limit(50)
)
TABLE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Files to handle</title></head><body><main>
<h1>Hello, {{ name }}!</h1>
<table><caption>Files 1 to {{ rows|length }}</caption><thead><tr><th>Reference</th>
<th>Worker</th><th>Employer</th><th>Kind</th><th>Category</th><th>Channel</th>
<th>Submitted</th><th>Deadline</th><th>Assigned to</th><th>Status</th></tr></thead><tbody>
{% for row in rows %}<tr><td data-label="Reference"><a href="/files/{{ row.id }}">
{{- row.reference }}</a></td><td data-label="Worker">{{ row.first_name }} {{ row.last_name }}</td>
<td data-label="Employer">{{ row.firm_name }} ({{ row.kbo }})</td>
<td data-label="Kind">{{ row.kind }}</td><td data-label="Category">{{ row.category }}</td>
<td data-label="Channel">{{ row.channel }}</td><td data-label="Submitted">{{ row.submitted_on }}</td>
<td data-label="Deadline">{{ row.deadline_on }}</td>
<td data-label="Assigned to">{{ row.officer_name or "" }}</td>
<td data-label="Status">{{ row.status }}</td></tr>
{% endfor %}</tbody></table></main></body></html>"""
# Compiled once, as render_template keeps a template (a template without a file name is
# autoescaped in Flask).
FORM_TEMPLATE = app.jinja_env.from_string(FORM)
TABLE_TEMPLATE = app.jinja_env.from_string(TABLE)


@app.get("/rows")
@login_required
def rows_page() -> str:
    """A signed-in page of 50 files, the stack's way (see the docstring)."""
    return TABLE_TEMPLATE.render(name=current_user.name, rows=db.session.execute(ROWS).all())


# --- The form floor with the duties -----------------------------------------------------
# What every answer of the portal must carry besides its page, each done the plain way the
# libraries document, on a blueprint of its own so that the other floors stay bare:
# - a request id, new per request (uuid4), in the X-Request-ID header and in the log line
#   (issue 10: every error and log line names its request);
# - one log line per request through Python's logging, written to standard error (gunicorn
#   puts it in the server's log file, as the portal's), and a request counter and latency
#   histogram per endpoint (prometheus-client; the repo's gunicorn.conf.py sets its
#   multi-process folder for this app as for the portal): issue 14's logs and metrics;
# - the security headers the portal sends on every page (portal.errors.SECURITY_HEADERS,
#   written out here: this app imports nothing of the portal).
# Flask-WTF's CSRF check and the session's protection are left out: the portal does them
# too, so this row errs on the cheap side.
duties = Blueprint("duties", __name__)
DUTIES_LOG = logging.getLogger("floor.requests")
DUTIES_METRICS = CollectorRegistry()
DUTIES_REQUESTS = Counter(
    "floor_http_requests", "Requests", ["endpoint", "method", "status"], registry=DUTIES_METRICS
)
DUTIES_LATENCY = Histogram(
    "floor_http_request_duration_seconds", "Latency", ["endpoint"], registry=DUTIES_METRICS
)
DUTIES_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
    ),
}


def _log_to_stderr() -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")
    )
    DUTIES_LOG.addHandler(handler)
    DUTIES_LOG.setLevel(logging.INFO)
    DUTIES_LOG.propagate = False


_log_to_stderr()


@duties.before_request
def _start() -> None:
    g.duties_started = time.perf_counter()
    g.request_id = uuid.uuid4().hex


@duties.after_request
def _duties(response):
    elapsed = time.perf_counter() - g.duties_started
    response.headers.update(DUTIES_HEADERS)
    response.headers["X-Request-ID"] = g.request_id
    DUTIES_REQUESTS.labels(request.endpoint, request.method, str(response.status_code)).inc()
    DUTIES_LATENCY.labels(request.endpoint).observe(elapsed)
    DUTIES_LOG.info(
        "%s %s %s",
        request.method,
        request.url_rule.rule,
        response.status_code,
        extra={"request_id": g.request_id},
    )
    return response


@duties.get("/form-duties")
def form_with_duties() -> str:
    """The form floor's page, with the duties above around it."""
    return form_page()


@duties.get("/signed-in-duties")
@login_required
def signed_in_with_duties() -> str:
    """The signed-in floor's page, with the duties above around it: the least a signed-in
    page of the portal's kind costs on this stack, done the plain way."""
    return _hello()


# --- The framed floors ------------------------------------------------------------------
# The endpoints whose loader reads the session row with the user (`load`).
WITH_SESSION_ROW = frozenset({"duties.framed", "duties.rows_framed"})


@app.context_processor
def _frame_values() -> dict:
    return {"languages": LANGUAGES, "lang": str(get_locale())}


@duties.get("/framed")
@login_required
def framed() -> str:
    """An empty signed-in page with its frame and every duty, the plain way (see the
    docstring)."""
    return render_template("framed.html")


@duties.get("/rows-framed")
@login_required
def rows_framed() -> str:
    """The 50-row floor's table in the frame, with every duty, the plain way."""
    return render_template("rows_framed.html", rows=db.session.execute(ROWS).all())


app.register_blueprint(duties)
