"""The cache of rendered public pages (portal/pagecache.py, issue 15).

The session's app runs with the cache off (tests/conftest.py); `cache` turns it on for one
test, empty, and restores the settings after.
"""

from __future__ import annotations

import re
from contextlib import contextmanager
from datetime import date

import pytest
from flask import template_rendered

from portal import clock, fragments, pagecache
from portal.extensions import db
from portal.stats.report import Period, monthly
from tests.stats.test_report import dossier
from tests.support import PASSWORD, login, make_user


@pytest.fixture
def cache(app, client):
    saved = {key: app.config.get(key) for key in ("PUBLIC_PAGE_CACHE", "PUBLIC_PAGE_CACHE_MAX_AGE")}
    app.config["PUBLIC_PAGE_CACHE"] = True
    store = pagecache.of(app)
    store.clear()
    try:
        yield store
    finally:
        store.clear()
        app.config.update(saved)


@contextmanager
def renders(app):
    """The templates rendered in the block (a cache hit renders none)."""
    seen: list[str] = []

    def record(sender, template, context, **extra):
        seen.append(template.name)

    template_rendered.connect(record, app)
    try:
        yield seen
    finally:
        template_rendered.disconnect(record, app)


def token_of(html: str) -> str:
    found = re.search(r'<input[^>]*name="csrf_token"[^>]*>', html)
    assert found, "no CSRF field on the page"
    return re.search(r'value="([^"]+)"', found.group(0)).group(1)


def test_a_hit_serves_the_same_page_without_rendering_it(app, client, cache):
    first = client.get("/?lang=en")
    with renders(app) as seen:
        second = client.get("/?lang=en")
    assert second.status_code == 200
    assert seen == []  # served from the cache
    assert second.get_data() == first.get_data()
    # The response is still the portal's own: headers set per response.
    for name in ("Content-Security-Policy", "X-Frame-Options", "X-Request-ID"):
        assert second.headers.get(name) == first.headers.get(name) or name == "X-Request-ID"
    assert second.headers["X-Request-ID"] != first.headers["X-Request-ID"]
    assert "nonce" not in second.headers["Content-Security-Policy"]
    assert second.mimetype == "text/html"
    assert len(cache) == 1


def test_the_cache_can_be_turned_off(app, client, cache):
    app.config["PUBLIC_PAGE_CACHE"] = False
    client.get("/?lang=en")
    with renders(app) as seen:
        client.get("/?lang=en")
    assert seen and len(cache) == 0


def test_the_login_page_gets_each_visitor_their_own_token_and_both_can_log_in(app, cache):
    first, second = make_user("pc-one@example.be"), make_user("pc-two@example.be")
    db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        one, two = app.test_client(), app.test_client()
        page_one = one.get("/account/login?lang=en").get_data(as_text=True)
        with renders(app) as seen:
            page_two = two.get("/account/login?lang=en").get_data(as_text=True)
        assert seen == []
        token_one, token_two = token_of(page_one), token_of(page_two)
        assert token_one != token_two
        assert fragments.hole(fragments.CSRF) not in page_two
        assert page_one.replace(token_one, "T") == page_two.replace(token_two, "T")
        # Each token works with its own visitor's session cookie, and only with it.
        swapped = two.post(
            "/account/login",
            data={"csrf_token": token_one, "email": second.email, "password": PASSWORD},
        )
        assert swapped.status_code != 302  # another visitor's token is refused
        for client, token, user in ((one, token_one, first), (two, token_two, second)):
            response = client.post(
                "/account/login",
                data={"csrf_token": token, "email": user.email, "password": PASSWORD},
            )
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
            assert client.get("/dashboard").status_code == 200
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


def test_a_logged_in_user_never_gets_or_leaves_a_cached_page(app, client, cache):
    client.get("/?lang=en")  # an anonymous page is kept
    assert len(cache) == 1
    user = make_user("pc-logged@example.be")
    db.session.commit()
    login(client, user.email)
    with renders(app) as seen:
        page = client.get("/?lang=en").get_data(as_text=True)
    assert seen  # rendered for this user
    assert "Log out" in page and "My dashboard" in page
    assert len(cache) == 1  # and not kept
    client.get("/account/login?lang=en")  # a redirect for a logged-in user; nothing kept
    assert len(cache) == 1


def test_flash_messages_defeat_the_cache(app, client, cache):
    client.get("/?lang=en")
    with client.session_transaction() as session:
        session["_flashes"] = [("success", "A message for this visitor only")]
    with renders(app) as seen:
        page = client.get("/?lang=en").get_data(as_text=True)
    assert seen and "A message for this visitor only" in page
    assert "A message for this visitor only" not in client.get("/?lang=en").get_data(as_text=True)
    assert all("A message" not in "".join(parts) for parts, _s in cache._entries.values())


def test_each_language_has_its_own_page(app, client, cache):
    english = client.get("/?lang=en").get_data(as_text=True)
    french = client.get("/?lang=fr").get_data(as_text=True)
    assert '<html lang="en">' in english and '<html lang="fr">' in french
    assert len(cache) == 2
    # The language remembered in the cookie, or asked by the browser, picks the entry.
    other = app.test_client()
    other.set_cookie("lang", "fr")
    with renders(app) as seen:
        assert '<html lang="fr">' in other.get("/").get_data(as_text=True)
    assert seen == []
    german = app.test_client().get("/", headers={"Accept-Language": "de"})
    assert '<html lang="de">' in german.get_data(as_text=True)
    # ?lang= on a hit still sets the language cookie, as a render does.
    switched = app.test_client().get("/?lang=fr")
    assert "lang=fr" in switched.headers.get("Set-Cookie", "")


@pytest.mark.parametrize(
    "query",
    [
        "x=" + "a" * 10_000,
        "lang=en&x=%00%0d%0aSet-Cookie:%20evil=1",
        "&".join(f"p{n}={n}" for n in range(1000)),
        "category=" + "a" * 10_000,
        "category=a&category=b",
        "category=%00%0d%0a",
    ],
)
def test_a_hostile_query_string_keeps_nothing_it_should_not(app, client, cache, query):
    for path in ("/", "/eligibility", "/figures", "/account/login"):
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 302), (path, response.status_code)
        assert "evil" not in response.headers.get("Set-Cookie", "")
    kept = [key for key in cache._entries]
    # Only a known parameter with one short value is ever part of a key.
    for key in kept:
        for name, value in key[3]:  # the query's (name, value) pairs
            assert name in ("category", "annual_salary", "start_date") and len(value) <= 200
    assert len(kept) <= 1


def test_the_cache_is_bounded(app, client, cache):
    small = pagecache.PageCache(8)
    app.extensions["page_cache"] = small
    try:
        for n in range(50):
            assert client.get(f"/eligibility?category=c{n}&lang=en").status_code == 200
        assert len(small) == 8
    finally:
        app.extensions["page_cache"] = cache


def test_the_cache_is_bounded_in_bytes_too():
    store = pagecache.PageCache(100, max_bytes=1000)
    for n in range(20):
        store.put(n, ("x" * 300,))
        assert store.bytes <= 1000
    assert len(store) == 3 and store.bytes == 900
    store.put(19, ("y" * 10,))  # replacing an entry counts it once
    assert store.bytes == 610
    store.clear()
    assert store.bytes == 0 and len(store) == 0


def test_an_entry_built_from_data_expires(monkeypatch):
    store = pagecache.PageCache(4)
    moment = [1000.0]
    monkeypatch.setattr(pagecache.time, "monotonic", lambda: moment[0])
    store.put("k", ("<p>old</p>",))
    assert store.get("k", 60) == ("<p>old</p>",)
    moment[0] += 61
    assert store.get("k", None) == ("<p>old</p>",)  # a page without data stays
    assert store.get("k", 60) is None and len(store) == 0


def test_the_figures_show_a_new_submission_at_once(app, client, cache):
    today = clock.today()
    url = f"/figures?from={today.year}-01-01&to={today.year}-12-31&lang=en"
    for n in range(5):
        dossier(f"PC-NOW-{n}", today)
    db.session.commit()
    before = client.get(url).get_data(as_text=True)
    assert client.get(url).get_data(as_text=True) == before  # kept
    dossier("PC-NOW-5", today)
    db.session.commit()  # a commit in this process raises the data generation
    after = client.get(url).get_data(as_text=True)
    assert after != before
    app.config["PUBLIC_PAGE_CACHE"] = False
    assert client.get(url).get_data(as_text=True) == after  # what a fresh render shows


def test_past_months_on_a_kept_page_equal_a_fresh_computation(app, client, cache):
    for n in range(6):
        dossier(f"PC-PAST-{n}", date(2026, 2, 10), decided=date(2026, 3, 5), decision="authorised")
    db.session.commit()
    url = "/figures?from=2026-01-01&to=2026-06-30&lang=en"
    client.get(url)
    kept = client.get(url).get_data(as_text=True)
    app.config["PUBLIC_PAGE_CACHE"] = False
    assert client.get(url).get_data(as_text=True) == kept
    rows, _totals = monthly(Period(date(2026, 1, 1), date(2026, 6, 30)))
    february = next(row for row in rows if row["month"] == "2026-02")
    assert february["submitted"] >= 6


def test_a_page_kept_without_csrf_fields_is_not_served_with_them_on(app, client, cache):
    assert 'name="csrf_token"' not in client.get("/account/login?lang=en").get_data(as_text=True)
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        page = app.test_client().get("/account/login?lang=en").get_data(as_text=True)
        assert token_of(page)
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
