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
  page extends: the skip link, the four languages' links to this page (`url_for`, with its arguments), the
  account links and a logout form with Flask-WTF's CSRF token, and the footer; every text
  through Flask-Babel's Jinja extension, in the language Flask-Babel's selector picks,
  from the portal's own catalogs (`translations/`, data that the build compiles);
- `POST /logout` checks that token (`validate_csrf`) and ends the session row.
Flask-Login's session protection is its default ("basic"), as on every floor here.

`/rows-framed`, the **framed 50-row floor**: the 50-row floor's table inside the same
frame, with the same duties, and its caption and column headings translated: a list page
of the portal's kind, done the plain way.

The **twins** are portal pages made the plain way: each shows what its portal page shows (the
same headings, fields, rows and forms, with every text through Flask-Babel and every date
and amount through its filters, as the libraries document), inside the same frame with the
same sign-in and duties. They answer "what does this page cost on the fixed stack, written
the way its documentation shows?", so that what a portal page costs beyond it is ours.
- `/login-framed`, the login page for a first visitor: the frame with the log-in links, the
  form with Flask-WTF's token (a new session cookie, as on the form floor);
- `/dashboard-framed`, the employer's dashboard: who is signed in, their role and their
  organisation (read through the user's relationship), the links of their role;
- `/file-framed/<id>`, the employer's file page: the signed-in employer's file (another's
  is not found), its employer read through a relationship, its summary of four sections;
- `/timeline-framed/<id>`, its timeline: the file, its history, the five steps of the
  procedure worked out from them, what happens now and next;
- `/officer-file-framed/<id>`, the officers' file page: the view added to a trail and
  committed before the page is built, then the file's summary, history and the latest
  20 entries of its trail, and the legal hold's form (Flask-WTF, with its token);
- `/search-framed?q=`, the officers' search: the queue's filters as a WTForms GET form
  (its 37 options translated) and the files whose reference, worker, employer or KBO
  number holds the words, in the framed 50 rows' table.
Their data: file 1 (the signed-in user's, a single permit granted, with two status
changes and 20 views on its trail) and file 2 (another user's).

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

`BENCH_FLOOR_DB` names the SQLite file (created with the users, the 60 files of the 50-row
floor and the twins' files when missing). `BENCH_FLOOR_DATABASE_URL`, when set, names any database the
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
from flask_babel import lazy_gettext as _l
from flask_login import (
    LoginManager,
    UserMixin,
    current_user,
    login_required,
    login_user,
    logout_user,
)
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import FlaskForm
from flask_wtf.csrf import generate_csrf, validate_csrf
from jinja2 import DictLoader
from prometheus_client import CollectorRegistry, Counter, Histogram
from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Numeric,
    String,
    bindparam,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, aliased, mapped_column, relationship
from wtforms import (
    EmailField,
    IntegerField,
    PasswordField,
    SearchField,
    SelectField,
    TextAreaField,
    ValidationError,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()


class Person(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    firm_id: Mapped[int | None] = mapped_column(ForeignKey("floor_firm.id"))

    firm: Mapped[Firm | None] = relationship()  # read by the dashboard's twin only


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


class PermitFile(db.Model):
    """A file of the one-file floors: what the portal's file pages show of one (see the
    docstring). Its employer and its history are relationships, loaded when first read."""

    __tablename__ = "floor_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(30))
    kind: Mapped[str] = mapped_column(String(30))
    category: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2))
    submitted_at: Mapped[datetime] = mapped_column(DateTime)
    flemish_decision: Mapped[str | None] = mapped_column(String(30))
    decided_on: Mapped[date | None] = mapped_column(Date)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    officer_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    firm_id: Mapped[int] = mapped_column(ForeignKey("floor_firm.id"))
    nace: Mapped[str] = mapped_column(String(5))
    worker_name: Mapped[str] = mapped_column(String(200))
    birth_date: Mapped[date | None] = mapped_column(Date)
    nationality: Mapped[str] = mapped_column(String(2))
    passport: Mapped[str | None] = mapped_column(String(20))
    national_number: Mapped[str | None] = mapped_column(String(11))
    residence: Mapped[str | None] = mapped_column(String(2))
    post: Mapped[str | None] = mapped_column(String(100))
    worker_email: Mapped[str | None] = mapped_column(String(200))
    worker_language: Mapped[str | None] = mapped_column(String(2))
    occupation: Mapped[str] = mapped_column(String(4))
    salary: Mapped[float] = mapped_column(Numeric(12, 2))
    young_or_nurse: Mapped[bool] = mapped_column(Boolean)
    start_on: Mapped[date | None] = mapped_column(Date)
    months: Mapped[int | None]
    workplace: Mapped[str | None] = mapped_column(String(200))

    firm: Mapped[Firm] = relationship()
    officer: Mapped[Person | None] = relationship(foreign_keys=[officer_id])
    events: Mapped[list[FileEvent]] = relationship(order_by="FileEvent.id")


class FileEvent(db.Model):
    """A change of a floor file's status, by a person or by the portal (no actor)."""

    __tablename__ = "floor_event"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("floor_file.id"), index=True)
    at: Mapped[datetime] = mapped_column(DateTime)
    to_status: Mapped[str] = mapped_column(String(30))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    reason: Mapped[str | None] = mapped_column(String(1000))

    actor: Mapped[Person | None] = relationship()


class AuditRow(db.Model):
    """Who did what with a floor file: the officers' file floor writes one per view."""

    __tablename__ = "floor_audit"
    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(ForeignKey("floor_file.id"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    action: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(DateTime)

    actor: Mapped[Person] = relationship()


CASES = 60  # more than a page: the query must choose the 50 first by deadline
FIRST_DAY = date(2026, 1, 5)
# Each statement may run in two processes at once (see create_app): no check-then-create.
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS floor_firm (id INTEGER NOT NULL PRIMARY KEY,"
    " name VARCHAR(200) NOT NULL, kbo VARCHAR(10) NOT NULL)",
    # A name with markup: the rows floor escapes what it writes, as any page must.
    "INSERT INTO floor_firm (id, name, kbo) VALUES (1, 'Bouw <&> Co NV', '0123456749')"
    " ON CONFLICT DO NOTHING",
    "CREATE TABLE IF NOT EXISTS person (id INTEGER NOT NULL PRIMARY KEY,"
    " name VARCHAR(200) NOT NULL, role VARCHAR(20) NOT NULL,"
    " firm_id INTEGER REFERENCES floor_firm (id))",
    "INSERT INTO person (id, name, role, firm_id) VALUES (1, 'Employer', 'employer', 1)"
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
    # The one-file floors: the signed-in employer's file (1) and another employer's (2).
    "INSERT INTO person (id, name, role) VALUES (2, 'Other employer', 'employer')"
    " ON CONFLICT DO NOTHING",
    "CREATE TABLE IF NOT EXISTS floor_file (id INTEGER NOT NULL PRIMARY KEY,"
    " reference VARCHAR(20) NOT NULL, status VARCHAR(30) NOT NULL, kind VARCHAR(30) NOT NULL,"
    " category VARCHAR(40) NOT NULL, channel VARCHAR(20) NOT NULL, language VARCHAR(2) NOT NULL,"
    " submitted_at TIMESTAMP NOT NULL, flemish_decision VARCHAR(30), decided_on DATE,"
    " owner_id INTEGER NOT NULL REFERENCES person (id), officer_id INTEGER REFERENCES person (id),"
    " firm_id INTEGER NOT NULL REFERENCES floor_firm (id), nace VARCHAR(5) NOT NULL,"
    " worker_name VARCHAR(200) NOT NULL, birth_date DATE, nationality VARCHAR(2) NOT NULL,"
    " passport VARCHAR(20), national_number VARCHAR(11), residence VARCHAR(2), post VARCHAR(100),"
    " worker_email VARCHAR(200), worker_language VARCHAR(2), occupation VARCHAR(4) NOT NULL,"
    " salary NUMERIC(12, 2) NOT NULL, young_or_nurse BOOLEAN NOT NULL, start_on DATE,"
    " months INTEGER, workplace VARCHAR(200))",
    "CREATE TABLE IF NOT EXISTS floor_event (id INTEGER NOT NULL PRIMARY KEY,"
    " file_id INTEGER NOT NULL REFERENCES floor_file (id), at TIMESTAMP NOT NULL,"
    " to_status VARCHAR(30) NOT NULL, actor_id INTEGER REFERENCES person (id),"
    " reason VARCHAR(1000))",
    "CREATE INDEX IF NOT EXISTS ix_floor_event_file_id ON floor_event (file_id)",
    # Its id is given by the database ({serial}: the officers' file floor adds a row per view).
    "CREATE TABLE IF NOT EXISTS floor_audit (id {serial} NOT NULL PRIMARY KEY,"
    " file_id INTEGER NOT NULL REFERENCES floor_file (id),"
    " actor_id INTEGER NOT NULL REFERENCES person (id), action VARCHAR(20) NOT NULL,"
    " at TIMESTAMP NOT NULL)",
    "CREATE INDEX IF NOT EXISTS ix_floor_audit_file_id ON floor_audit (file_id, id)",
)
SERIAL = {"postgresql": "BIGSERIAL", "sqlite": "INTEGER"}  # SQLite: the rowid
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
<li><a href="{{ url_for(request.endpoint, lang=code, **request.view_args) }}" lang="{{ code }}" hreflang="{{ code }}"
{%- if code == lang %} aria-current="true"{% endif %}>{{ name }}</a></li>{% endfor %}</ul></nav>
<nav aria-label="{{ _('Account') }}"><ul>{% if current_user.is_authenticated %}
<li><a href="{{ url_for('duties.framed') }}">{{ _("My dashboard") }}</a></li>
<li><a href="{{ url_for('orm_page') }}">{{ _("My account") }}</a></li>
<li><form method="post" action="{{ url_for('logout') }}">
<input type="hidden" name="csrf_token" value="{{ csrf_token() }}">
<button type="submit">{{ _("Log out") }}</button></form></li>{% else %}
<li><a href="{{ url_for('duties.login_framed') }}">{{ _("Log in") }}</a></li>
<li><a href="/register">{{ _("Register") }}</a></li>{% endif %}</ul></nav></header>
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
{%- block filters %}{% endblock %}
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
# The one-file floors' pages: the contents of the portal's file pages (the employer's file,
# its timeline, the officer's file), written out in the templates the plain way.
SUMMARY = """{% macro summary(file, tag) %}
<{{ tag }}>{{ _("Employer") }}</{{ tag }}><dl class="summary">
<dt>{{ _("Organisation") }}</dt><dd>{{ file.firm.name }}</dd>
<dt>{{ _("Enterprise number") }}</dt><dd>{{ file.firm.kbo }}</dd>
<dt>{{ _("Main activity") }}</dt><dd>{{ file.nace }} {{ nace[file.nace][lang] }}</dd></dl>
<{{ tag }}>{{ _("Worker") }}</{{ tag }}><dl class="summary">
<dt>{{ _("Name") }}</dt><dd>{{ file.worker_name }}</dd>
<dt>{{ _("Date of birth") }}</dt><dd>{{ file.birth_date|dateformat("long") if file.birth_date else "–" }}</dd>
<dt>{{ _("Nationality") }}</dt><dd>{{ countries[file.nationality] }}</dd>
<dt>{{ _("Passport number") }}</dt><dd>{{ file.passport or "–" }}</dd>
<dt>{{ _("National register or BIS number") }}</dt><dd>{{ file.national_number or "–" }}</dd>
<dt>{{ _("Lives in") }}</dt><dd>{{ countries[file.residence] if file.residence else "–" }}</dd>
<dt>{{ _("Belgian embassy or consulate") }}</dt><dd>{{ file.post or "–" }}</dd>
<dt>{{ _("E-mail address of the worker") }}</dt><dd>{{ file.worker_email or "–" }}</dd>
<dt>{{ _("Language of the worker") }}</dt><dd>{{ languages[file.worker_language] if file.worker_language else "–" }}</dd></dl>
<{{ tag }}>{{ _("Category") }}</{{ tag }}><dl class="summary">
<dt>{{ _("Category") }}</dt><dd>{{ _(categories[file.category]) }}</dd></dl>
<{{ tag }}>{{ _("Job") }}</{{ tag }}><dl class="summary">
<dt>{{ _("Occupation") }}</dt><dd>{{ file.occupation }} {{ occupations[file.occupation][lang] }}</dd>
<dt>{{ _("Gross annual salary") }}</dt><dd>{{ file.salary|currencyformat("EUR") }}</dd>
<dt>{{ _("Younger than 30 or a nurse") }}</dt><dd>{{ _("Yes") if file.young_or_nurse else _("No") }}</dd>
<dt>{{ _("Start date") }}</dt><dd>{{ file.start_on|dateformat("long") if file.start_on else "–" }}</dd>
<dt>{{ _("Duration") }}</dt><dd>{{ ngettext("%(num)d month", "%(num)d months", file.months) if file.months else "–" }}</dd>
<dt>{{ _("Place of work") }}</dt><dd>{{ file.workplace or "–" }}</dd></dl>
{% endmacro %}"""
FILE_FRAMED = """{% extends "frame.html" %}{% from "summary.html" import summary with context %}
{% block title %}{{ _("File %(reference)s", reference=file.reference) }}{% endblock %}
{% block content %}<h1>{{ _("File %(reference)s", reference=file.reference) }}</h1>
<p>{{ _("Status:") }} <strong class="tag tag-{{ file.status }}">{{ _(statuses[file.status]) }}</strong></p>
<p><a href="{{ url_for('duties.timeline_framed', file_id=file.id) }}">
{{- _("Follow the progress: steps, deadline and what happens next") }}</a></p>
<p>{{ _("Submitted on %(date)s", date=file.submitted_at|datetimeformat("long")) }}</p>
<p><a class="button" href="/files/{{ file.id }}/receipt.pdf">{{ _("Download the receipt (PDF)") }}</a>
{% if file.flemish_decision %}<a class="button button-secondary" href="/files/{{ file.id }}/letter.pdf">
{{- _("Download the decision letter (PDF)") }}</a>{% endif %}</p>
{{ summary(file, "h2") }}
<h2>{{ _("Documents") }}</h2>
<h2>{{ _("Other actions") }}</h2><ul>
<li><a href="/welcome/{{ file.id }}">{{ _("The worker's welcome steps") }}</a></li>
<li><a href="/files/{{ file.id }}/invite">{{ _("Invite the worker to follow this file") }}</a></li>
<li><a href="/files/{{ file.id }}/follow-up">{{ _("Renew this permit or change employer") }}</a></li></ul>
{% endblock %}"""
TIMELINE_FRAMED = """{% extends "frame.html" %}
{% block title %}{{ _("Progress of file %(reference)s", reference=file.reference) }}{% endblock %}
{% block content %}<h1>{{ _("Progress of file %(reference)s", reference=file.reference) }}</h1>
<p>{{ _("Status:") }} <strong class="tag tag-{{ file.status }}">{{ _(statuses[file.status]) }}</strong></p>
<section aria-labelledby="now-title">
<h2 id="now-title">{{ _("What happens now") }}</h2><p>{{ _(now[file.status]) }}</p>
<h2 id="next-title">{{ _("What happens after that") }}</h2><p>{{ _(after[file.status]) }}</p>
<h2 id="contact-title">{{ _("Who to contact") }}</h2><p>{{ _(contact[file.status]) }}</p>
<p>{{ _("Reference of the file: %(reference)s", reference=file.reference) }}</p></section>
<section aria-labelledby="deadline-title"><h2 id="deadline-title">{{ _("Deadline") }}</h2>
<p>{{ _("Flanders decided on %(date)s.", date=file.decided_on|dateformat("long")) }}</p></section>
<section aria-labelledby="steps-title"><h2 id="steps-title">{{ _("Steps of the procedure") }}</h2>
<ol class="task-list timeline">{% for step in steps %}
<li{% if step.state == "current" %} aria-current="step"{% endif %} class="step step-{{ step.state }}">
<div><span class="task-name">{{ _(step.title) }}</span>
{%- if step.outcome %}<br><strong>{{ _(step.outcome) }}</strong>{% endif %}
{%- if step.on %}<br><span class="hint">{{ _("On %(date)s", date=step.on|dateformat("long")) }}</span>{% endif %}</div>
<strong class="task-status">{% if step.state == "current" %}{{ _("Current step: the procedure has ended") }}
{%- elif step.state == "done" %}{{ _("Done") }}{% else %}{{ _("Not yet") }}{% endif %}</strong></li>
{% endfor %}</ol></section>
<p><a href="{{ url_for('duties.file_framed', file_id=file.id) }}">{{ _("Back to the file") }}</a></p>
{% endblock %}"""
OFFICER_FILE_FRAMED = """{% extends "frame.html" %}{% from "summary.html" import summary with context %}
{% block title %}{{ _("File %(reference)s", reference=file.reference) }}{% endblock %}
{% block content %}<h1>{{ _("File %(reference)s", reference=file.reference) }}</h1>
<dl class="summary">
<dt>{{ _("Status") }}</dt><dd><strong class="tag tag-{{ file.status }}">{{ _(statuses[file.status]) }}</strong></dd>
<dt>{{ _("Kind") }}</dt><dd>{{ _(kinds[file.kind]) }}</dd>
<dt>{{ _("Category") }}</dt><dd>{{ _(categories[file.category]) }}</dd>
<dt>{{ _("Channel") }}</dt><dd>{{ _(channels[file.channel]) }}</dd>
<dt>{{ _("Submitted on") }}</dt><dd>{{ file.submitted_at|datetimeformat("long") }}</dd>
<dt>{{ _("Assigned to") }}</dt><dd>{{ file.officer.name if file.officer else _("Nobody yet") }}</dd>
<dt>{{ _("Language of the applicant") }}</dt><dd>{{ languages[file.language] }}</dd>
{% if file.flemish_decision %}<dt>{{ _("Flemish decision") }}</dt>
<dd>{{ _(statuses[file.flemish_decision]) }}, {{ file.decided_on|dateformat("long") }} ·
<a href="/files/{{ file.id }}/letter.pdf">{{ _("Decision letter (PDF)") }}</a></dd>{% endif %}</dl>
<h2 id="hold">{{ _("Legal hold") }}</h2>
<p>{{ _("Put the file on hold while an appeal or a claim is pending: retention then keeps it whole, whatever its age.") }}</p>
<form method="post" action="/files/{{ file.id }}/hold" novalidate>{{ form.hidden_tag() }}
<div class="field">{{ form.reason.label }}<p class="hint" id="hold-reason-hint">{{ form.reason.description }}</p>
{{ form.reason(maxlength=1000, required=True, **{"aria-describedby": "hold-reason-hint"}) }}</div>
<button type="submit" class="button button-secondary">{{ _("Put on legal hold") }}</button></form>
<h2>{{ _("What the application says") }}</h2>{{ summary(file, "h3") }}
<h2>{{ _("Documents") }}</h2><p>{{ _("This file has no documents.") }}</p>
<h2>{{ _("Status history") }}</h2><table><caption>{{ _("Every change of status, oldest first") }}</caption>
<thead><tr><th scope="col">{{ _("When") }}</th><th scope="col">{{ _("Status") }}</th>
<th scope="col">{{ _("By") }}</th><th scope="col">{{ _("Reason") }}</th></tr></thead><tbody>
{% for event in file.events %}<tr><td>{{ event.at|datetimeformat("short") }}</td>
<td>{{ _(statuses[event.to_status]) }}</td><td>{{ event.actor.name if event.actor else _("The portal") }}</td>
<td>{{ event.reason or "–" }}</td></tr>{% endfor %}</tbody></table>
<h2 id="audit-trail">{{ _("Audit trail") }}</h2><table>
<caption>{{ _("Who did what with this file, oldest first") }}</caption>
<thead><tr><th scope="col">{{ _("When") }}</th><th scope="col">{{ _("What happened") }}</th></tr></thead><tbody>
{% for entry in trail %}<tr><td>{{ entry.at|datetimeformat("short") }}</td>
<td>{{ _("%(actor)s opened the file.", actor=entry.actor.name) }}</td></tr>{% endfor %}</tbody></table>
<nav class="pagination" aria-label="{{ _("Pages of the audit trail") }}"><ul class="plain">
<li><a href="?before={{ trail[0].id }}#audit-trail" rel="prev">{{ _("Older entries") }}</a></li></ul></nav>
<p><a href="{{ url_for('duties.rows_framed') }}">{{ _("Back to the files to handle") }}</a></p>
{% endblock %}"""
DASHBOARD_FRAMED = """{% extends "frame.html" %}
{% block title %}{{ _("My dashboard") }}{% endblock %}
{% block content %}<h1>{{ _("My dashboard") }}</h1>
<p>{{ _("Logged in as %(name)s (%(role)s).", name=current_user.name, role=_(roles[current_user.role])) }}</p>
{% if current_user.firm %}<h2>{{ _("Your organisation") }}</h2><p>{{ current_user.firm.name }}</p>
<p><a href="/organisation">{{ _("Colleagues and invitations") }}</a></p>{% endif %}
<h2>{{ _("Applications") }}</h2>
<p><a href="{{ url_for('duties.rows_framed') }}">{{ _("My applications") }}</a> ·
<a href="/applications/new">{{ _("Start a new application") }}</a></p>
<h2>{{ _("Your account") }}</h2>
<p><a href="/notifications">{{ _("Choose which e-mails you receive") }}</a></p>{% endblock %}"""
LOGIN_FRAMED = """{% extends "frame.html" %}
{% block title %}{{ _("Log in") }}{% endblock %}
{% block content %}<h1>{{ _("Log in") }}</h1>
<form method="post" novalidate>{{ form.hidden_tag() }}
{% for field in (form.email, form.password) %}<div class="field">{{ field.label }}
{{ field(maxlength=500, required=True, autocomplete=field.description) }}</div>{% endfor %}
<button type="submit" class="button">{{ _("Log in") }}</button></form>
<p><a href="/password/forgot">{{ _("Forgot your password?") }}</a></p>
<p><a href="/register">{{ _("No account yet? Register.") }}</a></p>{% endblock %}"""
SEARCH_FRAMED = """{% extends "rows_framed.html" %}
{% block filters %}<form method="get" action="{{ url_for('duties.search_framed') }}" class="filters" role="search" novalidate>
<div class="field">{{ form.q.label }}<p class="hint" id="q-hint">{{ form.q.description }}</p>
{{ form.q(maxlength=200, **{"aria-describedby": "q-hint"}) }}
<button type="submit" class="button">{{ _("Search") }}</button></div>
<p>{{ _("All submitted files that match “%(query)s”, whatever their status.", query=form.q.data) }}</p>
<fieldset><legend>{{ _("Filter and sort files") }}</legend>
{% for field in form if field.name != "q" %}<div class="field">{{ field.label }}
{{ field(min=0, max=3650) if field.name == "older_than" else field() }}</div>{% endfor %}
<button type="submit" class="button">{{ _("Show files") }}</button>
<a href="{{ url_for('duties.search_framed') }}">{{ _("Clear filters") }}</a></fieldset></form>
{% endblock %}"""
TEMPLATES = {
    "dashboard_framed.html": DASHBOARD_FRAMED,
    "login_framed.html": LOGIN_FRAMED,
    "search_framed.html": SEARCH_FRAMED,
    "frame.html": FRAME,
    "framed.html": FRAMED,
    "rows_framed.html": ROWS_FRAMED,
    "summary.html": SUMMARY,
    "file_framed.html": FILE_FRAMED,
    "timeline_framed.html": TIMELINE_FRAMED,
    "officer_file_framed.html": OFFICER_FILE_FRAMED,
}


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


SUBMITTED_AT = datetime(2026, 2, 24, 13, 45)
DECIDED_ON = date(2026, 3, 9)
TRAIL = 20  # the entries the officers' file page shows, as the portal's (audit.trail_page)


def _files() -> list[dict]:
    """The one-file floors' files: as the portal's benchmark file shows (a single permit
    granted, its worker's optional details left empty); the second is another employer's."""
    return [
        {
            "id": number,
            "reference": f"SP-2026-{number:06d}",
            "status": "residence_granted",
            "kind": "single_permit",
            "category": "executive",
            "channel": "portal",
            "language": "nl",
            "submitted_at": SUBMITTED_AT.isoformat(sep=" "),
            "flemish_decision": "work_authorised",
            "decided_on": DECIDED_ON.isoformat(),
            "owner_id": number,
            "firm_id": 1,
            "nace": "49410",
            "worker_name": f"Test Worker <{number}>",  # markup: the pages escape it
            "nationality": "TR",
            "occupation": "2512",
            "salary": "55000.00",
            "young_or_nurse": False,
        }
        for number in (1, 2)
    ]


def _events() -> list[dict]:
    """The first file's history: submitted, then work authorised, both by the portal."""
    return [
        {"id": 1, "file_id": 1, "at": SUBMITTED_AT.isoformat(sep=" "), "to_status": "submitted"},
        {
            "id": 2,
            "file_id": 1,
            "at": datetime.combine(DECIDED_ON, datetime.min.time()).isoformat(sep=" "),
            "to_status": "work_authorised",
        },
    ]


def _trail() -> list[dict]:
    """A page of views of the first file. Their ids are below those the database gives, so
    that a second process's seed conflicts with the first's instead of adding to it."""
    return [
        {
            "id": number - TRAIL,
            "file_id": 1,
            "actor_id": 1,
            "action": "view",
            "at": (SUBMITTED_AT + timedelta(days=20, minutes=number)).isoformat(sep=" "),
        }
        for number in range(TRAIL)
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
    app.config["BABEL_DEFAULT_TIMEZONE"] = "Europe/Brussels"  # as the portal shows moments
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
        made = db.session.execute(text("SELECT count(*) FROM floor_audit")).scalar()  # last
        return made >= TRAIL and (
            db.session.execute(text("SELECT count(*) FROM floor_case")).scalar() == CASES
        )
    except DBAPIError:  # no table yet
        return False
    finally:
        db.session.rollback()


def _make() -> None:
    """The floors' tables and rows. Each statement is one that two processes may run at
    once, for a floor app started without `floor_server` (a check-then-create raced)."""
    serial = SERIAL[db.engine.dialect.name]
    for statement in SCHEMA:
        db.session.execute(text(statement.replace("{serial}", serial)))
    for table, rows in (
        ("floor_case", _cases()),
        ("floor_file", _files()),
        ("floor_event", _events()),
        ("floor_audit", _trail()),
    ):
        names = list(rows[0])
        db.session.execute(
            text(
                f"INSERT INTO {table} ({', '.join(names)})"
                f" VALUES ({', '.join(':' + name for name in names)}) ON CONFLICT DO NOTHING"
            ),
            rows,
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
WITH_SESSION_ROW = frozenset(
    {
        "duties.framed",
        "duties.rows_framed",
        "duties.file_framed",
        "duties.timeline_framed",
        "duties.officer_file_framed",
        "duties.search_framed",
        "duties.dashboard_framed",
    }
)


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


# --- The one-file floors ----------------------------------------------------------------
# Reference data, read once as a portal reads its code lists; the labels of the statuses,
# kinds, categories and channels are message ids, translated where the page shows them.
STATUSES = {
    "submitted": "Submitted",
    "work_authorised": "Work authorised by Flanders",
    "residence_granted": "Single permit granted",
}
KINDS = {"single_permit": "Single permit"}
CATEGORIES = {"executive": "Executive"}
CHANNELS = {"portal": "Online"}
NOW = {"residence_granted": "The single permit is granted. The procedure has ended."}
AFTER = {
    "residence_granted": "The worker applies for a visa at the Belgian embassy or consulate,"
    " and registers with the municipality within 8 working days of arrival."
}
CONTACT = {
    "residence_granted": "The Belgian embassy or consulate for the visa; after arrival, the"
    " municipality where the worker lives."
}
NACE = {
    "49410": {
        "nl": "Goederenvervoer over de weg",
        "fr": "Transport routier de fret",
        "de": "Güterbeförderung im Straßenverkehr",
        "en": "Freight transport by road",
    }
}
ISCO = {
    "2512": {
        "nl": "Softwareontwikkelaars",
        "fr": "Développeurs de logiciels",
        "de": "Softwareentwickler",
        "en": "Software developers",
    }
}
# The procedure's steps: its key, title and outcome (message ids); the stage each status
# has reached.
STEPS = (
    ("submitted", "Application submitted", None),
    (
        "work_authorised",
        "Admissibility and authorisation to work (Flanders decides on both together)",
        "Work authorised by Flanders",
    ),
    ("forwarded", "Forwarded to the Immigration Office (DVZ)", None),
    ("residence", "Decision on residence (Immigration Office)", "Residence granted"),
    ("final", "Final decision", "Single permit granted"),
)
STAGE = {"submitted": 0, "work_authorised": 1, "residence_granted": len(STEPS) - 1}


class HoldForm(FlaskForm):
    """The officers' file page's one form: put the file on legal hold."""

    reason = TextAreaField(
        _l("Why is the file kept?"),
        validators=[DataRequired(), Length(max=1000)],
        description=_l(
            "For example: an appeal with the Council for Alien Law Litigation, with its number."
        ),
    )


def _file_page(template: str, **values) -> str:
    """A one-file page, with the reference data its templates read (given to these pages
    only, so that the other framed floors stay as they were)."""
    return render_template(
        template,
        statuses=STATUSES,
        kinds=KINDS,
        categories=CATEGORIES,
        channels=CHANNELS,
        nace=NACE,
        occupations=ISCO,
        countries=get_locale().territories,  # the country names in the page's language
        **values,
    )


def _own_file(file_id: int) -> PermitFile:
    """The signed-in employer's file; 404 for anyone else's."""
    return db.first_or_404(
        select(PermitFile).where(PermitFile.id == file_id, PermitFile.owner_id == current_user.id)
    )


@duties.get("/file-framed/<int:file_id>")
@login_required
def file_framed(file_id: int) -> str:
    """The employer's file page, the plain way: the file, its employer, its summary."""
    return _file_page("file_framed.html", file=_own_file(file_id))


@duties.get("/timeline-framed/<int:file_id>")
@login_required
def timeline_framed(file_id: int) -> str:
    """The employer's timeline, the plain way: the file, its history, its steps."""
    file = _own_file(file_id)
    on = {event.to_status: event.at for event in file.events}
    stage = STAGE[file.status]
    steps = [
        {
            "title": title,
            "outcome": outcome if index <= stage else None,
            "on": on.get(key),
            "state": "done" if index < stage else "current" if index == stage else "todo",
        }
        for index, (key, title, outcome) in enumerate(STEPS)
    ]
    return _file_page(
        "timeline_framed.html", file=file, steps=steps, now=NOW, after=AFTER, contact=CONTACT
    )


@duties.get("/officer-file-framed/<int:file_id>")
@login_required
def officer_file_framed(file_id: int) -> str:
    """The officers' file page, the plain way: the view written to the trail and committed
    before the page is built, then the file, its history, the latest page of its trail and
    the legal hold's form."""
    file = db.get_or_404(PermitFile, file_id)
    db.session.add(AuditRow(file_id=file.id, actor_id=current_user.id, action="view", at=_now()))
    db.session.commit()
    latest = db.session.scalars(
        select(AuditRow)
        .where(AuditRow.file_id == file_id)
        .order_by(AuditRow.id.desc())
        .limit(TRAIL)
    ).all()
    return _file_page(
        "officer_file_framed.html", file=file, trail=latest[::-1], form=HoldForm(prefix="hold")
    )


# --- The search floor -------------------------------------------------------------------
CATEGORY_TITLES = (
    ("highly_qualified", "Highly qualified worker"),
    ("executive", "Executive"),
    ("eu_blue_card", "EU Blue Card"),
    ("shortage_occupation", "Shortage occupation (middle-skilled)"),
    ("researcher", "Researcher"),
    ("trainee", "Trainee"),
    ("ict_manager", "Intra-corporate transferee: manager"),
    ("ict_specialist", "Intra-corporate transferee: specialist"),
    ("ict_trainee", "Intra-corporate transferee: trainee"),
    ("seasonal_worker", "Seasonal worker"),
    ("volunteer", "Volunteer"),
    ("au_pair", "Au pair"),
    ("journalist", "Journalist"),
    ("minister_of_religion", "Minister of religion"),
    ("specialised_technician", "Specialised technician"),
    ("international_agreement", "International agreement"),
    ("athlete_coach", "Athlete or coach"),
    ("performing_artist", "Performing artist"),
    ("other", "Other (labour-market test)"),
    ("economic", "Economic added value"),
    ("innovative", "Innovative added value"),
    ("sporting_cultural", "Sporting, cultural or artistic added value"),
)


class SearchForm(FlaskForm):
    """The officers' queue's filters (a GET form, without a token), as the portal's."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        [Length(max=200)],
        description=_l(
            "A reference, the worker's first or last name, the employer's name or KBO number."
        ),
    )
    state = SelectField(
        _l("Files"),
        choices=[
            ("open", _l("Waiting for a decision")),
            ("forwarded", _l("Recently forwarded to the Immigration Office")),
        ],
        default="open",
    )
    kind = SelectField(
        _l("Kind"),
        choices=[
            ("", _l("All kinds")),
            ("single_permit", _l("Single permit")),
            ("professional_card", _l("Professional card")),
        ],
        default="",
    )
    category = SelectField(
        _l("Category"),
        choices=[("", _l("All categories"))]
        + [(code, _l(title)) for code, title in CATEGORY_TITLES],
        default="",
    )
    channel = SelectField(
        _l("Channel"),
        choices=[("", _l("All channels")), ("online", _l("Online")), ("email", _l("By e-mail"))],
        default="",
    )
    older_than = IntegerField(
        _l("Submitted more than this many days ago"), [Optional(), NumberRange(0, 3650)]
    )
    owner = SelectField(
        _l("Assigned to"),
        choices=[
            ("all", _l("All files")),
            ("mine", _l("Files I took")),
            ("unassigned", _l("Files nobody took")),
        ],
        default="all",
    )
    sort = SelectField(
        _l("Sort by"),
        choices=[
            ("deadline", _l("Legal deadline, soonest first")),
            ("submitted", _l("Submission date, oldest first")),
            ("newest", _l("Submission date, newest first")),
        ],
        default="deadline",
    )


@duties.get("/search-framed")
@login_required
def search_framed() -> str:
    """The officers' search, the plain way: the filters' form read from the query string,
    the files whose reference, worker, employer or KBO number holds the words, in the
    framed 50 rows' table."""
    form = SearchForm(request.args)
    rows = []
    if form.validate() and form.q.data:
        words = form.q.data.strip()  # a % or _ in it is a character, not a wildcard
        rows = db.session.execute(
            ROWS.where(
                or_(
                    Case.reference.icontains(words, autoescape=True),
                    (Case.first_name + " " + Case.last_name).icontains(words, autoescape=True),
                    Firm.name.icontains(words, autoescape=True),
                    Firm.kbo.icontains(words, autoescape=True),
                )
            )
        ).all()
    return render_template("search_framed.html", form=form, rows=rows)


# --- The dashboard's and the login page's twins -----------------------------------------
ROLES = {"employer": "Employer"}  # a role's title, a message id


@duties.get("/dashboard-framed")
@login_required
def dashboard_framed() -> str:
    """The employer's dashboard, the plain way: who is signed in, their organisation (read
    through the user's relationship) and the links of their role."""
    return render_template("dashboard_framed.html", roles=ROLES)


class LoginForm(FlaskForm):
    """The login page's form; each field's description is its autocomplete hint."""

    email = EmailField(
        _l("E-mail address"), [DataRequired(), Length(max=500)], description="username"
    )
    password = PasswordField(
        _l("Password"), [DataRequired(), Length(max=500)], description="current-password"
    )


@duties.get("/login-framed")
def login_framed() -> str:
    """The login page, the plain way, for a first visit: the frame for a visitor (the log-in
    and register links), the form with its CSRF token (a secret made and a new session
    cookie set, as on the form floor), and the duties."""
    return render_template("login_framed.html", form=LoginForm())


app.register_blueprint(duties)
