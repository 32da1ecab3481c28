"""Browser tests: a live portal on loopback, the system Chromium, and axe-core on every page.

Every test in this folder is marked `e2e`, so `pytest -m "not e2e"` leaves them out.
The live server is a separate app with its own migrated SQLite file (not the unit tests'
rolled-back session), real CSRF protection and the session's SMTP sink for its e-mails.
"""

from __future__ import annotations

import os
import tempfile
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade
from playwright.sync_api import ConsoleMessage, Page
from werkzeug.serving import BaseWSGIServer, make_server

from portal import clock, create_app, uploads
from portal.accounts.models import (
    ForeignEmployer,
    Mandatary,
    MandataryKind,
    Mandate,
    MandateStatus,
    OrgRole,
    Role,
)
from portal.extensions import db
from portal.i18n import force_locale, gettext
from tests.support import free_port, make_organisation, make_user, static_closed_first

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
AXE_JS = ROOT / "node_modules" / "axe-core" / "axe.min.js"
# axe is served from the portal's own origin (by Playwright, not by the portal), so the
# portal's Content-Security-Policy (script-src 'self') stays switched on during the tests.
AXE_PATH = "/__e2e__/axe.min.js"

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark every test in tests/e2e as `e2e` (before `-m` deselects)."""
    for item in items:
        if Path(str(item.path)).resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


# --- the browser ---------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return {"executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


# --- the live server -----------------------------------------------------------------


@dataclass
class LiveServer:
    app: Flask
    url: str
    server: BaseWSGIServer


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, smtp_sink) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("e2e")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "e2e-secret-key-that-is-long-enough-0123456789abcdef",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{base / 'e2e.sqlite'}",
            "UPLOAD_DIR": str(base / "uploads"),
            "MAIL_DIR": str(base / "mail"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": smtp_sink.port,
            "WTF_CSRF_ENABLED": True,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "MAIL_RATE_LIMIT": "1000 per minute",
            "MAIL_RATE_LIMIT_PER_ADDRESS": "1000 per minute",
            "PORTAL_BASE_URL": url,
        }
    )
    with app.app_context():
        upgrade()
    server = make_server("127.0.0.1", port, static_closed_first(app), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=url, server=server)
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """pytest-base-url's fixture, pointed at the live server (Playwright resolves paths)."""
    return live_server.url


@pytest.fixture(scope="session")
def live_app(live_server, smtp_sink) -> Flask:
    # A production portal runs `outbox run` beside the web process: e-mails that the
    # response's own delivery missed are sent by it. The sink plays that worker when read.
    smtp_sink.worker_app = live_server.app
    return live_server.app


# --- helpers ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def translate(live_app) -> Callable[..., str]:
    """translate(lang, msgid): the portal's own translation, whatever the catalogs hold.

    The tests compare pages with this instead of hard-coded text, so they hold before and
    after the catalogs are filled.
    """

    def _translate(lang: str, msgid: str, **variables) -> str:
        with live_app.test_request_context("/"), force_locale(lang):
            return gettext(msgid, **variables)

    return _translate


@pytest.fixture(scope="session")
def create_account(live_app) -> Callable[..., dict]:
    """Create a (verified) account straight in the live server's database and commit."""

    def _create(email: str, role: Role = Role.OFFICER, **kwargs) -> dict:
        with live_app.app_context():
            user = make_user(email, role, **kwargs)
            db.session.commit()
            details = {"id": user.id, "email": user.email, "role": user.role.value}
            db.session.remove()
        return details

    return _create


@pytest.fixture(scope="session")
def create_employer(live_app) -> Callable[..., dict]:
    """A verified employer account (organisation admin) with its own organisation."""

    def _create(email: str, *, organisation: str, kbo_number: str, locale: str = "en") -> dict:
        with live_app.app_context():
            org = make_organisation(kbo_number, name=organisation)
            user = make_user(
                email, Role.EMPLOYER, locale=locale, organisation=org, org_role=OrgRole.ADMIN
            )
            db.session.commit()
            details = {"id": user.id, "email": user.email, "organisation_id": org.id}
            db.session.remove()
        return details

    return _create


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


@pytest.fixture(scope="session")
def create_mandatary(live_app) -> Callable[..., dict]:
    """A verified mandatary account representing one foreign employer.

    The mandate is stored like an upload (portal.uploads) and already verified, in force
    from the first day of the current quarter, open-ended.
    """

    def _create(
        email: str,
        *,
        name: str,
        kbo_number: str,
        employer: str,
        mandate_pdf: bytes,
        country: str = "DE",
        locale: str = "en",
    ) -> dict:
        with live_app.app_context():
            mandatary = Mandatary(
                kind=MandataryKind.COMPANY,
                name=name,
                kbo_number=kbo_number,
                street="Meir 1",
                postal_code="2000",
                municipality_refnis="11002",
            )
            user = make_user(email, Role.MANDATARY, locale=locale, mandatary=mandatary)
            foreign = ForeignEmployer(
                mandatary=mandatary, name=employer, country=country, registration_number="HRB 1"
            )
            stored = uploads.store(
                mandate_pdf, "mandate.pdf", ("pdf",), live_app.config["MANDATE_MAX_BYTES"]
            )
            mandate = Mandate(
                foreign_employer=foreign,
                starts_on=quarter_start(date.today()),
                ends_on=None,
                status=MandateStatus.VERIFIED,
                file_name=stored.file_name,
                stored_name=stored.stored_name,
                sha256=stored.sha256,
                size=stored.size,
                uploaded_by_id=user.id,
                decided_at=clock.now(),
            )
            db.session.add_all([foreign, mandate])
            db.session.commit()
            details = {
                "id": user.id,
                "email": user.email,
                "mandatary_id": mandatary.id,
                "foreign_employer_id": foreign.id,
                "mandate_id": mandate.id,
            }
            db.session.remove()
        return details

    return _create


class AxeViolations(AssertionError):
    pass


def run_axe(page: Page, label: str = "") -> None:
    """Run axe-core on the page; fail with a readable list on any violation."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm install --no-audit --no-fund`")
    page.wait_for_load_state("load")
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_PATH)
    result = page.evaluate(
        "async () => { const r = await axe.run(document, {resultTypes: ['violations']});"
        " return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        " helpUrl: v.helpUrl, nodes: v.nodes.map(n => ({target: n.target,"
        " summary: n.failureSummary}))})); }"
    )
    if result:
        lines = [f"axe found {len(result)} violation(s) on {label or page.url} ({page.url}):"]
        for violation in result:
            lines.append(
                f"- {violation['id']} [{violation['impact']}]: {violation['help']}"
                f" ({violation['helpUrl']})"
            )
            for node in violation["nodes"]:
                lines.append(f"    target {node['target']}: {node['summary']}")
        raise AxeViolations("\n".join(lines))
    check_reflow(page, label)


REFLOW_WIDTH = 320
# The elements that stick out past the right edge, deepest first, for the failure message.
_OVERFLOWING_JS = """(width) => {
  const out = [];
  for (const el of document.body.querySelectorAll('*')) {
    const box = el.getBoundingClientRect();
    if (box.right > width + 1 && box.width > 0) {
      const inside = el.closest('[data-scroll-region]');
      if (inside && inside !== el) continue;
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
        + (el.className && typeof el.className === 'string'
           ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      out.push(name + ' (' + Math.round(box.right) + 'px)');
    }
  }
  return out.slice(-8);
}"""


class ReflowViolation(AssertionError):
    pass


def check_reflow(page: Page, label: str = "") -> None:
    """WCAG 1.4.10: at 320 CSS px the page does not scroll sideways (the 320-px check).

    Runs with every axe audit, so every page the browser journeys audit is also checked
    on a phone-sized screen. Wide content may scroll inside its own box, never the page.
    """
    before = page.viewport_size or {"width": 1280, "height": 720}
    page.set_viewport_size({"width": REFLOW_WIDTH, "height": before["height"]})
    try:
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        if wide > REFLOW_WIDTH:
            culprits = page.evaluate(_OVERFLOWING_JS, REFLOW_WIDTH)
            handle, shot = tempfile.mkstemp(prefix="reflow-320-", suffix=".png")
            os.close(handle)
            page.screenshot(path=shot, full_page=True)
            raise ReflowViolation(
                f"{label or page.url} ({page.url}) is {wide}px wide at {REFLOW_WIDTH}px;"
                f" sticking out: {', '.join(culprits)}; screenshot: {shot}"
            )
    finally:
        page.set_viewport_size(before)


@pytest.fixture
def axe(page) -> Callable[..., None]:
    """axe(label): run axe-core on the current page of the test's `page`."""

    def _axe(label: str = "") -> None:
        run_axe(page, label)

    return _axe


@pytest.fixture(autouse=True)
def _browser_guards(request, live_server):
    """Serve axe from the portal's origin and fail on CSP violations or script errors."""
    if "page" not in request.fixturenames:
        yield
        return
    page: Page = request.getfixturevalue("page")
    page.route(
        f"{live_server.url}{AXE_PATH}",
        lambda route: route.fulfill(path=str(AXE_JS), content_type="text/javascript"),
    )
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            problems.append(f"console error on {page.url}: {message.text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: problems.append(f"script error on {page.url}: {error}"))
    yield
    assert not problems, "\n".join(problems)
