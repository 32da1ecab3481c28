"""Links from route names at PORTAL_BASE_URL: in services and e-mails, with or without a
request, never from the request's Host header, never a base URL glued to a path."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from portal import links, mail

ROOT = Path(__file__).resolve().parents[1]
PREFIXED = "https://example.org/portal"


@pytest.fixture
def prefixed(app, monkeypatch):
    """The portal served under a path prefix on another host."""
    monkeypatch.setitem(app.config, "PORTAL_BASE_URL", PREFIXED)


def test_a_link_outside_any_request_follows_the_configured_base_and_prefix(app, prefixed):
    with app.app_context():  # the worker: no request at all
        url = links.external("tracking.timeline", dossier_id=1)
    assert url == "https://example.org/portal/applications/1/timeline"


def test_a_link_inside_a_request_ignores_a_forged_host(app, prefixed):
    with app.test_request_context("/", base_url="http://evil.example/x"):
        url = links.external("accounts.reset_password", token="a/b c")
        anchored = links.external("welcome.checklist", _anchor="item-1")
    assert url == "https://example.org/portal/account/password/reset/a/b%20c"
    assert anchored == "https://example.org/portal/welcome#item-1"


def test_an_unknown_route_fails_loudly(app):
    from werkzeug.routing import BuildError

    with app.app_context(), pytest.raises(BuildError):
        links.external("no.such_route")


def test_an_e_mail_link_follows_the_route_and_the_prefix(app, db_session, prefixed):
    with app.test_request_context("/", base_url="http://evil.example"):
        message = mail.queue(
            "someone@example.be",
            "fallback_intake_accepted",
            "nl",
            subject="Aanvraag",
            reviewed=False,
            reference="SP-2026-ABCDEF-G",
            documents=["form.pdf"],
            dossier_id=1,
        )
        proof = mail.queue(
            "someone@example.be",
            "fallback_proof",
            "en",
            name="Priya",
            number="HD-2026-XYZ",
            code="P-1",
            expires_on=None,
            party="Acme",
            intake_address="intake@portal.test",
            max_megabytes=10,
        )
    target = "https://example.org/portal/applications/1/timeline"
    assert target in message.body_text and f'href="{target}"' in message.body_html
    assert "https://example.org/portal/helpdesk/drafts" in proof.body_text
    assert "https://example.org/portal/helpdesk/application-form.pdf" in proof.body_text
    assert "evil.example" not in message.body_text + message.body_html + proof.body_text


# A base URL glued to a path: `base_url ~ "/x"`, `{{ base_url }}/x`, f"{base}/x",
# config["PORTAL_BASE_URL"] read outside the settings and the one link builder.
GLUED = [
    re.compile(r"base_url\s*~"),
    re.compile(r"\{\{\s*base(_url)?\s*\}\}/"),
    re.compile(r"\{base(_url)?\}/"),
    re.compile(r"PORTAL_BASE_URL['\"]\]"),
    re.compile(r"request\.host_url|request\.url_root"),
]
ALLOWED = {Path("portal/config.py"), Path("portal/links.py")}


def _files():
    for folder, pattern in (("portal", "*.py"), ("onboarding", "*.py"), ("templates", "*.*")):
        for path in sorted((ROOT / folder).rglob(pattern)):
            if path.suffix in {".py", ".html", ".txt", ".xml", ".ics"}:
                yield path


def test_no_service_or_template_glues_a_base_url_to_a_path():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _files()
        if path.relative_to(ROOT) not in ALLOWED
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if any(pattern.search(line) for pattern in GLUED)
    ]
    assert found == []


def test_the_glue_check_sees_glue():
    samples = [
        '{{ (base_url ~ "/applications/" ~ dossier_id)|as_link }}',
        "{{ base_url }}/account/claim",
        'return f"{base}/helpdesk/tickets/{token}"',
        "current_app.config['PORTAL_BASE_URL'].rstrip('/')",
    ]
    assert all(any(p.search(s) for p in GLUED) for s in samples)
