"""Server-side sessions: logout, timeouts and password changes kill every copy of a cookie."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import render_template_string
from flask_login import current_user
from sqlalchemy import select

from portal import clock as portal_clock
from portal.accounts import sessions
from portal.accounts.sessions import UserSession, browser_label
from portal.extensions import db
from tests.support import PASSWORD, check_page, login, make_user

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def clock():
    with portal_clock.frozen(portal_clock.now()) as stopped:
        yield stopped


def browser(app, user_agent):
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


def copy_cookie(app, source):
    """A second browser holding a copy of `source`'s session cookie (same user agent)."""
    thief = app.test_client()
    thief.set_cookie("session", source.get_cookie("session").value)
    return thief


def test_a_copied_cookie_dies_at_logout(app, client):
    make_user("emp@example.be")
    login(client, "emp@example.be")
    thief = copy_cookie(app, client)
    assert thief.get("/dashboard").status_code == 200  # the copy works while the session lives
    client.post("/account/logout")
    assert thief.get("/dashboard").status_code == 302
    assert client.get("/dashboard").status_code == 302
    record = db.session.scalar(select(UserSession))
    assert record.ended_at is not None


def test_a_copied_cookie_dies_after_the_idle_timeout(app, client, clock):
    make_user("emp@example.be")
    login(client, "emp@example.be")
    thief = copy_cookie(app, client)
    clock.advance(minutes=29)
    assert client.get("/dashboard").status_code == 200  # activity keeps it alive
    clock.advance(minutes=29)
    assert client.get("/dashboard").status_code == 200
    clock.advance(minutes=31)
    assert client.get("/dashboard").status_code == 302
    assert thief.get("/dashboard").status_code == 302


def test_a_busy_session_still_ends_at_the_absolute_lifetime(app, client, clock):
    make_user("emp@example.be")
    login(client, "emp@example.be")
    for _ in range(8 * 4 - 1):
        clock.advance(minutes=15)
        assert client.get("/dashboard").status_code == 200
    clock.advance(minutes=16)  # 8 h 1 min after login
    assert client.get("/dashboard").status_code == 302


def test_the_timeouts_are_settings(app, client, clock):
    make_user("emp@example.be")
    app.config["SESSION_IDLE_TIMEOUT"] = 120
    try:
        login(client, "emp@example.be")
        clock.advance(seconds=121)
        assert client.get("/dashboard").status_code == 302
    finally:
        app.config["SESSION_IDLE_TIMEOUT"] = 30 * 60


def test_last_seen_is_written_at_most_once_a_minute(client, clock):
    make_user("emp@example.be")
    login(client, "emp@example.be")
    record = db.session.scalar(select(UserSession))
    started = record.last_seen_at
    clock.advance(seconds=30)
    client.get("/dashboard")
    db.session.refresh(record)
    assert record.last_seen_at == started
    clock.advance(seconds=31)
    client.get("/dashboard")
    db.session.refresh(record)
    assert record.last_seen_at == clock.moment


def test_a_cookie_replayed_from_another_browser_is_refused(app, client):
    """Flask-Login's "strong" protection works again: the session is not permanent."""
    make_user("emp@example.be")
    login(client, "emp@example.be")
    cookie = client.get_cookie("session")
    assert cookie.expires is None  # a browser-session cookie; the server sets the limits
    thief = copy_cookie(app, client)
    thief.environ_base["HTTP_USER_AGENT"] = FIREFOX
    assert thief.get("/dashboard").status_code == 302


def test_a_password_change_ends_the_other_sessions_and_keeps_this_one(app, client):
    make_user("emp@example.be")
    login(client, "emp@example.be")
    laptop = app.test_client()
    login(laptop, "emp@example.be")
    thief = copy_cookie(app, client)
    new = "a brand new long password"
    wrong = client.post(
        "/account/password?lang=en",
        data={"current_password": "not it at all", "password": new, "confirm": new},
    )
    assert wrong.status_code == 400
    assert "The current password is not correct." in wrong.get_data(as_text=True)
    response = client.post(
        "/account/password", data={"current_password": PASSWORD, "password": new, "confirm": new}
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert laptop.get("/dashboard").status_code == 302
    # The copy of the old cookie names the old session token: it dies too.
    assert thief.get("/dashboard").status_code == 302


def test_the_account_page_lists_sessions_and_ends_them(app, client):
    make_user("emp@example.be")
    other_user = make_user("other@example.be")
    login(client, "emp@example.be")
    laptop = browser(app, FIREFOX)
    login(laptop, "emp@example.be")
    phone = app.test_client()
    login(phone, "emp@example.be")
    page = check_page(client.get("/account/?lang=en").get_data(as_text=True))
    rows = page.select("table tbody tr")
    assert len(rows) == 3
    assert "Firefox, Linux" in page.get_text()
    assert "(this session)" in page.get_text()
    laptop_row = db.session.scalar(select(UserSession).where(UserSession.user_agent == FIREFOX))
    assert client.post(f"/account/sessions/{laptop_row.id}/end").status_code == 302
    assert laptop.get("/dashboard").status_code == 302
    assert phone.get("/dashboard").status_code == 200
    client.post("/account/sessions/end-others")
    assert phone.get("/dashboard").status_code == 302
    assert client.get("/dashboard").status_code == 200
    # Someone else's session is not ours to end (nor to know of).
    stranger = app.test_client()
    login(stranger, other_user.email)
    theirs = db.session.scalar(select(UserSession).where(UserSession.user_id == other_user.id))
    assert client.post(f"/account/sessions/{theirs.id}/end").status_code == 404
    assert stranger.get("/dashboard").status_code == 200


def test_ending_this_session_from_the_list_logs_out(client):
    make_user("emp@example.be")
    login(client, "emp@example.be")
    mine = db.session.scalar(select(UserSession))
    response = client.post(f"/account/sessions/{mine.id}/end")
    assert response.headers["Location"] == "/"
    assert client.get("/dashboard").status_code == 302


def test_a_hostile_user_agent_is_bounded(db_session, app):
    make_user("emp@example.be")
    client = browser(app, "Evil\r\n\x00" + "x" * 5000)
    login(client, "emp@example.be")
    record = db.session.scalar(select(UserSession))
    assert len(record.user_agent) == 200 and "\r" not in record.user_agent


def test_the_wizard_warning_follows_the_idle_timeout(app, client):
    make_user("emp@example.be")
    with app.test_request_context("/?lang=en"):
        html = render_template_string('{% include "applications/_timeout.html" %}')
    assert 'data-lifetime="1800"' in html
    assert "after 30 minutes without activity" in html


def test_browser_labels_are_short():
    assert browser_label("Mozilla/5.0 (Windows NT 10.0) Chrome/120 Safari/537") == "Chrome, Windows"
    assert browser_label("curl/8.0") == "curl/8.0"


def test_ending_sessions_and_changing_the_language_need_the_csrf_token(app, client):
    user = make_user("emp@example.be", locale="de")
    login(client, "emp@example.be")
    other = app.test_client()
    login(other, "emp@example.be")
    mine = db.session.scalar(select(UserSession).where(UserSession.user_id == user.id))
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        forged = [
            client.post("/account/sessions/end-others"),
            client.post(f"/account/sessions/{mine.id}/end"),
            client.post("/account/language", data={"locale": "fr"}),
        ]
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert [r.status_code for r in forged] == [400, 400, 400]
    assert other.get("/dashboard").status_code == 200
    assert client.get("/dashboard").status_code == 200
    db.session.refresh(user)
    assert user.locale == "de"


def test_the_wizard_warning_counts_from_the_stored_last_seen(app, client, clock):
    make_user("emp@example.be")
    login(client, "emp@example.be")
    clock.advance(seconds=30)  # within the touch interval: "last seen" stays at login
    cookie = client.get_cookie("session").value
    with app.test_request_context("/?lang=en", headers={"Cookie": f"session={cookie}"}):
        assert current_user.is_authenticated
        html = render_template_string('{% include "applications/_timeout.html" %}')
        assert 'data-lifetime="1770"' in html
        # Near the absolute lifetime, that ends first, however recent the last request.
        clock.advance(hours=7, minutes=50)
        sessions.current().last_seen_at = clock.moment
        assert sessions.seconds_left() == 8 * 3600 - (30 + 7 * 3600 + 50 * 60)


def test_the_account_page_reads_only_the_sessions_that_can_be_live(app, client, monkeypatch):
    """A browser closed without a logout leaves its row open for ever: the account page
    reads only the rows the timeouts leave live, however many were abandoned."""
    user = make_user("emp@example.be")
    login(client, "emp@example.be")
    moment = portal_clock.now()
    abandoned = [(timedelta(days=n + 1), timedelta(days=n + 1)) for n in range(200)]
    abandoned += [
        (timedelta(minutes=31), timedelta(minutes=31)),  # idle past the 30-minute timeout
        (timedelta(hours=8, minutes=1), timedelta(0)),  # busy, but past the 8-hour lifetime
    ]
    for age, idle in abandoned:
        record, _token = sessions.start(user, ip="203.0.113.9", user_agent=FIREFOX)
        record.created_at, record.last_seen_at = moment - age, moment - idle
    ended, _token = sessions.start(user, ip="203.0.113.9", user_agent=FIREFOX)
    sessions.end(ended)
    db.session.flush()
    checked = []
    real = sessions.is_live

    def counting(record, at=None):
        checked.append(record.id)
        return real(record, at)

    monkeypatch.setattr(sessions, "is_live", counting)
    page = check_page(client.get("/account/?lang=en").get_data(as_text=True))
    assert len(page.select("table tbody tr")) == 1 and "(this session)" in page.get_text()
    assert "Firefox" not in page.get_text()
    assert len(checked) <= 2  # the loader's check: the list reads only live rows


def test_a_login_keeps_its_moment_on_the_account_and_never_moves_it_back(app, client):
    user = make_user("last.login@example.test")
    created, changed = user.created_at, user.updated_at
    assert user.last_login_at is None
    later = portal_clock.now() + timedelta(days=3)
    with portal_clock.frozen(later):
        login(client, user.email)
    db.session.expire_all()
    assert user.last_login_at == later
    assert user.updated_at == changed  # a login is no change of the account
    # A login whose moment is older (taken before another that committed first) keeps it.
    with portal_clock.frozen(later - timedelta(seconds=1)):
        login(app.test_client(), user.email)
    db.session.expire_all()
    assert user.last_login_at == later
    assert user.created_at == created
