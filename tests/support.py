"""Test helpers: an SMTP sink, a page checker, the older account helpers and a login helper."""

from __future__ import annotations

import email
import email.policy
import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from aiosmtpd.controller import Controller
from bs4 import BeautifulSoup

from portal.accounts.models import ClaimStatus, Mandatary, Organisation, OrgRole, Role, User
from portal.extensions import db
from tests.bench import databases
from tests.factories import (
    PASSWORD,
    EmployerFactory,
    MandataryUserFactory,
    OrganisationFactory,
    UserFactory,
)


def own_database(base: Path, name: str) -> tuple[str, Callable[[], None]]:
    """A committed database apart from the rolled-back test session; (url, drop).

    A SQLite file in `base`, or a database `name` of its own on the test's PostgreSQL server
    when DATABASE_URL points there (made afresh: a crashed run may have left one behind).
    """
    return databases.fresh(databases.suite_server(), name, base)


@contextmanager
def own_app(base: Path, name: str, **settings) -> Iterator:
    """The real app on a migrated, committed database of its own (`own_database`), with
    `own_settings` and `settings`; its connections closed and the database dropped after
    the block. For tests of requests at the same moment, which the rolled-back test
    session cannot show (one connection sees no lock)."""
    from flask_migrate import upgrade

    from portal import create_app

    url, drop = own_database(base, name)
    app = create_app(own_settings(base, url, **settings))
    with app.app_context():
        upgrade()
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        drop()  # a SQLite file goes with its temporary directory


@contextmanager
def seeded_on_postgresql(base: Path, name: str, why: str, files: int = 60) -> Iterator:
    """The real app, with the benchmark's settings, on a PostgreSQL database `name` of its
    own seeded as the benchmark seeds (the demo accounts and `files` files), dropped after
    the block. Skips the test, saying `why`, when the suite does not run on PostgreSQL."""
    import pytest

    from tests.bench import http_bench, page_profile

    server = databases.suite_server()
    if not server:
        pytest.skip(why)
    with databases.scratch(server, name, base) as url:
        http_bench.seed(url, files, base)
        app = page_profile.make_app(url, base)
        try:
            yield app
        finally:
            with app.app_context():
                db.engine.dispose()


def register_public(app, blueprint) -> None:
    """Register a test's own views, each open to anyone: a view without a declared
    permission is never served (`portal.security`)."""
    from portal.security import public

    app.register_blueprint(blueprint)
    for name, view in list(app.view_functions.items()):
        if name.startswith(blueprint.name + "."):
            app.view_functions[name] = public(view)


def own_settings(base: Path, url: str, **settings) -> dict:
    """The settings of a test app of its own, on the committed database `url` (see
    `own_database`), its files under `base`, sending no mail; `settings` add or override."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-of-sufficient-length-000",
        "SQLALCHEMY_DATABASE_URI": url,
        "UPLOAD_DIR": str(base / "uploads"),
        "MAIL_DIR": str(base / "mail"),
        "MAIL_SERVER": "",
        "OUTBOX_SEND_AFTER_REQUEST": False,
        "PORTAL_BASE_URL": "http://portal.test",
        **settings,
    }


def static_closed_first(app):
    """The app as the browser tests' live server serves it (tests/e2e/conftest.py): a
    static file is read whole and closed before it is sent.

    werkzeug's development server closes a response only after it has drained the
    request's socket. When the browser drops the connection meanwhile (a navigation that
    cancels a stylesheet's download), the drain raises, and the open file is never closed.
    Its ResourceWarning then surfaces in whichever test runs, which the suite's warnings
    filter turns into a failure (seen once in CI, in `test_close_the_account[chromium-de]`).
    Production serves with gunicorn, which closes the response itself; pages and downloads
    here go through unchanged.
    """

    def wsgi(environ, start_response):
        answer = app(environ, start_response)
        if not environ.get("PATH_INFO", "").startswith("/static/"):
            return answer
        try:
            return [b"".join(answer)]
        finally:
            close = getattr(answer, "close", None)
            if close is not None:
                close()

    return wsgi


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) that keeps what it receives."""

    port: int = 0
    messages: list[EmailMessage] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    # The browser tests' live portal, whose outbox the sink delivers as its worker would.
    worker_app: object | None = None
    _worker_round: float = 0.0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.lock:
            self.messages.append(message)
        return "250 OK"

    def start(self) -> Controller:
        # Controller(port=0) cannot report the port it got, so pick a free one first.
        self.port = free_port()
        controller = Controller(self, hostname="127.0.0.1", port=self.port)
        controller.start()
        return controller

    def deliver_deferred(self) -> None:
        """Send what is due, as after a response or by the worker (`mail.queue(defer=True)`).

        The test client never closes a response, so deferred e-mails would wait forever.
        """
        from flask import has_app_context

        from portal import mail
        from portal.extensions import db

        if has_app_context():
            mail.deliver_due()
        elif self.worker_app is not None:
            # The browser tests' live portal: do what its worker (`outbox run`) does, at
            # most once a second, as the worker's own rounds would.
            if time.monotonic() - self._worker_round < 1:
                return
            self._worker_round = time.monotonic()
            with self.worker_app.app_context():
                try:
                    mail.deliver_due()
                finally:
                    db.session.remove()

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[EmailMessage]:
        self.deliver_deferred()
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    def last_with(self, address: str, words: str) -> EmailMessage:
        """The last e-mail to `address` whose subject or text contains `words`.

        Deferred e-mails (account mails) reach the sink when it is read, so "the last one"
        can be an older message: tests that care which one ask for it by its words.
        """
        found = [m for m in self.to(address) if words in m["Subject"] or words in text_of(m)]
        assert found, f"no e-mail to {address} with {words!r}"
        return found[-1]

    def last_to(self, address: str) -> EmailMessage:
        found = self.to(address)
        assert found, f"no e-mail to {address}; got {[m['To'] for m in self.messages]}"
        return found[-1]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def html_of(message: EmailMessage) -> str:
    return message.get_body(("html",)).get_content()


def link_in(message: EmailMessage, path: str) -> str:
    """The first link in the plain-text part whose path starts with `path`."""
    match = re.search(r"https?://[^\s/]+(" + re.escape(path) + r"\S*)", text_of(message))
    assert match, f"no link to {path} in:\n{text_of(message)}"
    return match.group(1)


def check_page(html: str) -> BeautifulSoup:
    """Parse a page and check the rules every page keeps."""
    soup = BeautifulSoup(html, "html.parser")
    h1s = soup.find_all("h1")
    assert len(h1s) == 1, f"expected one h1, found {len(h1s)}"
    ids = [tag["id"] for tag in soup.find_all(id=True)]
    duplicates = [i for i, n in Counter(ids).items() if n > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"
    assert soup.html.get("lang") in {"nl", "fr", "de", "en"}
    labelled = {label.get("for") for label in soup.find_all("label")}
    for control in soup.find_all(["input", "select", "textarea"]):
        if control.get("type") in {"hidden", "submit", "button"}:
            continue
        assert control.get("id") in labelled or control.get("aria-label"), f"no label for {control}"
    return soup


def error_summary(soup: BeautifulSoup) -> list[str]:
    box = soup.find(class_="error-summary")
    return [li.get_text(" ", strip=True) for li in box.find_all("li")] if box else []


def field_error(soup: BeautifulSoup, field_id: str) -> str:
    tag = soup.find(id=f"{field_id}-error")
    return tag.get_text(" ", strip=True) if tag else ""


_serial = iter(range(10_000_000, 99_999_999))


def new_kbo() -> str:
    """A fresh, valid enterprise number (mod-97 check digits) for each call."""
    base = next(_serial)
    return f"0{base}{97 - (base % 97):02d}"[-10:]


def make_organisation(
    kbo: str | None = None, name: str = "Test NV", claim: ClaimStatus | None = ClaimStatus.PROVEN
) -> Organisation:
    """An organisation whose claim to its number is proven (or `claim`, or none at all).

    The calling convention of the older tests; the work is `tests.factories.OrganisationFactory`.
    """
    return OrganisationFactory(kbo_number=kbo or new_kbo(), name=name, claim=claim)


def prove_claim(organisation: Organisation) -> None:
    """Prove the organisation's claim as a trusted source would (a test shortcut)."""
    from portal.accounts import claims

    claims.prove_by_mandate(organisation.claim, source="test")
    db.session.flush()


def make_user(
    email: str,
    role: Role = Role.EMPLOYER,
    *,
    verified: bool = True,
    locale: str = "en",
    organisation: Organisation | None = None,
    org_role: OrgRole | None = None,
    mandatary: Mandatary | None = None,
) -> User:
    """A user of `role` (the older tests' convention over `tests.factories`' role factories):
    an employer gets a new organisation and a mandatary a new company unless given one."""
    fields = {"email": email, "role": role, "verified": verified, "locale": locale}
    if organisation is not None:
        fields.update(organisation=organisation, org_role=org_role)
    if mandatary is not None:
        fields["mandatary"] = mandatary
    if role == Role.EMPLOYER:
        return EmployerFactory(**fields)
    if role == Role.MANDATARY:
        return MandataryUserFactory(**fields)
    return UserFactory(**fields)


def login(client, user_email: str, password: str = PASSWORD):
    response = client.post("/account/login", data={"email": user_email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


def csrf_login(client, user_email: str, password: str = PASSWORD):
    """Sign in through the login page's form with its CSRF token, for an app with CSRF
    protection on (the `csrf_app` fixture)."""
    page = check_page(client.get("/account/login?lang=en").get_data(as_text=True))
    token = page.select_one("main input[name=csrf_token]")["value"]
    data = {"csrf_token": token, "email": user_email, "password": password}
    response = client.post("/account/login", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


# A value typed to break out of a table cell and run script: what rows tests show as text.
HOSTILE_MARKUP = '</td></tr><script>alert("x")</script><img src=x onerror=alert(1)> & \' "'


def linked_row_cells(soup: BeautifulSoup) -> dict[int, list[str]]:
    """The cells of each row of a page's table body, as read (white space made single), by
    the id at the end of the row's first link."""
    return {
        int(tr.select_one("a")["href"].rsplit("/", 1)[1]): [
            " ".join(td.get_text(" ").split()) for td in tr.select("td")
        ]
        for tr in soup.select("main tbody tr")
    }


def unmarked_page(client, url: str) -> BeautifulSoup:
    """A page that shows hostile values (`<script>`, `<img onerror>`, `<i>`, `<b>` typed by
    someone), parsed and checked as every page is: each value shows as text, so none of
    those tags is in it."""
    response = client.get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    soup = check_page(html)
    assert "<script>" not in html and soup.select("img, i, main b") == [], url
    return soup


def _sent(run: Callable[[], object]) -> list[tuple[str, object]]:
    """The statements (with their parameters) that `run()` sends to the database."""
    from sqlalchemy import event

    seen: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, *_args) -> None:
        seen.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        run()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def sorted_plans(run: Callable[[], object]) -> list[str]:
    """SQLite's query plan of each statement with an ORDER BY that `run()` sends: a page
    read in an index's order has none saying "USE TEMP B-TREE FOR ORDER BY" (a sort of
    every row it reached, which grows with the table)."""
    plans = []
    for sql, params in _sent(run):
        if "ORDER BY" in sql:
            rows = db.session.connection().exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
            plans.append("\n".join(str(row[-1]) for row in rows))
    return plans


def walked_plans(run: Callable[[], object]) -> list[str]:
    """PostgreSQL's plan, as run (EXPLAIN ANALYZE), of each statement with an ORDER BY that
    `run()` sends, the planner held to walking indexes (no sequential or bitmap scan, no
    sort), as it does on a large table: a walk that reads rows only to throw them away
    says "Rows Removed by Filter", rows that grow with the table. For the rest of the
    test's transaction."""
    connection = db.session.connection()
    for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
        connection.exec_driver_sql(f"SET LOCAL {setting} = off")
    plans = []
    for sql, params in _sent(run):
        if "ORDER BY" in sql:
            rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, COSTS OFF) {sql}", params)
            plans.append("\n".join(str(row[0]) for row in rows))
    return plans


def statements_of(client, url: str, *, fresh: bool = True) -> tuple[list[str], str]:
    """The statements one GET of `url` sends to the database, and the page, after a warm-up
    GET of the same page (caches of a first request are no page's cost).

    `fresh`: with nothing loaded before it, as in production. The tests share one session
    with the app, so what a test or an earlier request loaded is otherwise still there, and
    a query per row (or none) can hide behind it."""
    assert client.get(url).status_code == 200
    if fresh:
        db.session.expunge_all()
    with statements_sent() as seen:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return seen, response.get_data(as_text=True)


_SAVEPOINT = re.compile(r"\s*(?:SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)\b", re.I)


@contextmanager
def statements_sent(*, savepoints: bool = False) -> Iterator[list[str]]:
    """The SQL statements sent to the database inside the block, in order. The savepoints
    the suite's rolled-back session makes of every transaction and commit (in production a
    BEGIN and a COMMIT, which no one counts as a query) only with `savepoints`."""
    from sqlalchemy import event

    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        if savepoints or not _SAVEPOINT.match(statement):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def run_together(jobs) -> list[int]:
    """Run each job (a callable returning an HTTP status) in its own thread, all at once;
    their statuses, in the order they finished (an exception counts as a 500)."""
    import threading

    barrier = threading.Barrier(len(jobs))
    statuses: list[int] = []
    lock = threading.Lock()

    def run(job):
        barrier.wait()
        try:
            status = job()
        except Exception as error:  # noqa: BLE001 - an exception counts as a 500
            status = 500
            print("job failed:", repr(error))
        with lock:
            statuses.append(status)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses
