"""Heavy downloads are limited per signed-in person (portal/limits.py `per_person`).

A person's own data and a draft's application form are made afresh for each request: up to
seconds of a web worker's time for a large employer (issue 15's route sweep). One person
asking again and again, or many times at once, must not hold the workers; colleagues behind
the same office address must not be refused for it.
"""

from __future__ import annotations

import pytest

from portal.accounts.models import Role
from portal.extensions import db
from tests.factories import DossierFactory
from tests.support import login, make_user, own_app, run_together

OFFICE = "10.9.9.9"  # one address for everyone: an office behind a NAT


def _in_office(client):
    """The client asks from the office's address (a session stays with its address)."""
    client.environ_base["REMOTE_ADDR"] = OFFICE
    return client


def _get(client, url: str) -> int:
    with client.get(url) as response:
        return response.status_code


def test_own_data_is_limited_per_person_both_forms_together(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "OWN_DATA_RATE_LIMIT", "3 per minute")
    make_user("anna@office.example", locale="nl")
    make_user("bert@office.example")
    login(_in_office(client), "anna@office.example")
    urls = ["/account/my-data.json", "/account/my-data.pdf", "/account/my-data.json"]
    assert [_get(client, url) for url in urls] == [200, 200, 200]
    refused = client.get("/account/my-data.pdf")
    assert refused.status_code == 429
    page = refused.get_data(as_text=True)
    assert "Te veel pogingen" in page  # her language, the portal's own 429 page
    assert refused.mimetype == "text/html"
    assert _get(client, "/account/my-data.json") == 429  # the other form counts with it
    assert _get(client, "/account/my-data") == 200  # the page that offers them is not limited

    colleague = _in_office(app.test_client())
    login(colleague, "bert@office.example")
    assert _get(colleague, "/account/my-data.json") == 200  # same address, another person
    refused = colleague.get("/account/my-data.json?lang=fr")
    assert refused.status_code == 200  # his second of three


def test_the_default_limit_lets_a_person_take_both_forms_in_every_language(app, client):
    """The shipped setting is no obstacle to what a person does: JSON once and the PDF in
    each of the four languages."""
    make_user("carla@office.example")
    login(_in_office(client), "carla@office.example")
    assert _get(client, "/account/my-data.json") == 200
    for lang in ("nl", "fr", "de", "en"):
        assert _get(client, f"/account/my-data.pdf?lang={lang}") == 200
    statuses = [_get(client, "/account/my-data.json") for _ in range(10)]
    assert 200 in statuses and statuses[-1] == 429  # and then it stops


def test_a_drafts_form_is_limited_per_person(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "FORM_PDF_RATE_LIMIT", "2 per minute")
    user = make_user("dirk@office.example")
    first, second = (DossierFactory(owner=user).id for _ in range(2))
    db.session.flush()
    login(_in_office(client), "dirk@office.example")
    urls = [f"/helpdesk/drafts/{first}/form.pdf", f"/helpdesk/drafts/{second}/form.pdf"]
    assert [_get(client, url) for url in urls] == [200, 200]
    assert (
        _get(client, f"/helpdesk/drafts/{first}/form.pdf") == 429
    )  # counted per person, all drafts
    # The own-data count is another: a form does not use up a person's own data.
    assert _get(client, "/account/my-data.json") == 200


def test_a_visitor_without_a_session_is_sent_to_log_in_every_time(client):
    """The sign-in check comes before the count: a visitor is never told to wait (beyond
    the shipped limit of 6 a minute), only to log in."""
    visitor = _in_office(client)
    assert [_get(visitor, "/account/my-data.json") for _ in range(12)] == [302] * 12


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """An app on its own committed database: requests at the same moment need real commits."""
    with own_app(
        tmp_path_factory.mktemp("download-limits"),
        "portal_download_limits",
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12, "max_overflow": 4},
        WTF_CSRF_ENABLED=False,
        LOGIN_RATE_LIMIT="1000 per minute",
        OWN_DATA_RATE_LIMIT="3 per minute",
    ) as app:
        with app.app_context():
            make_user("eva@office.example", Role.EMPLOYER)
            db.session.commit()
        yield app


def test_ten_downloads_at_the_same_moment_let_exactly_the_limit_through(live):
    """Ten requests of one person at once: exactly three are served, seven refused, none
    fails; each served download is on the audit trail once."""
    from sqlalchemy import func, select

    from portal.audit import AuditEntry

    clients = []
    for _ in range(10):
        client = _in_office(live.test_client())
        with live.app_context():
            login(client, "eva@office.example")
        clients.append(client)
    statuses = run_together(
        [lambda c=client: _get(c, "/account/my-data.json") for client in clients]
    )
    assert sorted(statuses) == [200] * 3 + [429] * 7
    with live.app_context():
        downloads = db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "account:own_data_downloaded")
        )
    assert downloads == 3
