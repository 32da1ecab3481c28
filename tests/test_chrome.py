"""The page frame (portal/chrome.py): rendered once, yet each request's own where it must be."""

from __future__ import annotations

import pytest

from portal import chrome
from tests.support import PASSWORD, check_page, csrf_login, make_user


def _token(html: str, selector: str) -> str:
    return check_page(html).select_one(selector)["value"]


@pytest.mark.csrf
def test_each_session_gets_its_own_logout_token_and_it_works(csrf_app, db_session):
    first, second = csrf_app.test_client(), csrf_app.test_client()
    make_user("chrome-one@example.be")
    make_user("chrome-two@example.be")
    db_session.commit()
    csrf_login(first, "chrome-one@example.be")
    csrf_login(second, "chrome-two@example.be")
    logout = "header form[action='/account/logout'] input[name=csrf_token]"
    one = _token(first.get("/dashboard").get_data(as_text=True), logout)
    two = _token(second.get("/dashboard").get_data(as_text=True), logout)
    assert one != two  # the cached header holds a marker, each session's token goes in

    # The other session's token is refused; the session's own logs it out.
    assert first.post("/account/logout", data={"csrf_token": two}).status_code == 400
    assert first.get("/dashboard").status_code == 200
    assert first.post("/account/logout", data={"csrf_token": one}).status_code == 302
    assert first.get("/dashboard").status_code == 302


def test_the_language_links_are_this_pages_own_and_escaped(client):
    hostile = '"><script>alert(1)</script>'
    response = client.get("/eligibility", query_string={"q": hostile, "lang": "de"})
    html = response.get_data(as_text=True)
    assert "<script>alert" not in html
    links = check_page(html).select("nav.lang-switch a")
    assert [link["hreflang"] for link in links] == ["nl", "fr", "de", "en"]
    for link in links:
        assert link["href"].startswith("/eligibility?q=")
        assert link["href"].endswith(f"lang={link['hreflang']}")
    assert [link.get("aria-current") for link in links] == [None, None, "true", None]
    # Another page right after gets its own address, not the kept one.
    other = check_page(client.get("/account/login?lang=fr").get_data(as_text=True))
    assert [a["href"] for a in other.select("nav.lang-switch a")][0] == "/account/login?lang=nl"


def test_the_frame_follows_language_sign_in_and_settings(app, client, db_session):
    def frame(path: str) -> tuple[str, str]:
        page = check_page(client.get(path).get_data(as_text=True))
        return page.select_one("nav.account-nav").get_text(" ", strip=True), page.select_one(
            "footer"
        ).get_text(" ", strip=True)

    nav, _footer = frame("/?lang=fr")
    assert "Se connecter" in nav and "Se déconnecter" not in nav
    make_user("chrome-three@example.be")
    db_session.commit()
    client.post("/account/login", data={"email": "chrome-three@example.be", "password": PASSWORD})
    nav, footer = frame("/?lang=nl")
    assert "Afmelden" in nav or "Uitloggen" in nav
    assert "Aanmelden" not in nav
    old = app.config.get("HELPDESK_PHONE")
    try:
        app.config["HELPDESK_PHONE"] = "+32 2 555 01 99"
        assert "+32 2 555 01 99" in frame("/?lang=nl")[1]
    finally:
        app.config["HELPDESK_PHONE"] = old
    assert "+32 2 555 01 99" not in frame("/?lang=nl")[1]
    assert footer == frame("/?lang=nl")[1]


def test_only_the_frames_parts_can_be_asked_for(app):
    with app.test_request_context("/"), pytest.raises(ValueError):
        chrome.part("../base", lambda code: "/")


def test_a_frame_rendered_in_another_language_in_the_same_request_is_that_languages(app):
    # The footer's helpdesk contact is worked out once per request and language: an e-mail
    # or page part rendered under another language in the same request gets its own.
    from flask_babel import force_locale

    from portal.app import _chrome

    with app.test_request_context("/?lang=nl"):
        dutch = str(_chrome("footer"))
        with force_locale("fr"):
            french = str(_chrome("footer"))
        assert str(_chrome("footer")) == dutch
    assert "maandag" in dutch and "lundi" not in dutch
    assert "lundi" in french and "maandag" not in french


@pytest.mark.parametrize(
    ("query", "kept"),
    [
        ("", ""),
        ("?lang=fr", ""),
        ("?q=a+b&q=%C3%A9%26x&lang=fr&_debug=1", "q=a+b&q=%C3%A9%26x&"),
    ],
    ids=["no-query", "only-lang", "repeated-and-encoded"],
)
def test_each_language_link_keeps_the_query_but_lang_and_underscored_keys(client, query, kept):
    html = client.get(f"/eligibility{query}").get_data(as_text=True)
    links = check_page(html).select("nav.lang-switch a")
    assert [link["href"] for link in links] == [
        f"/eligibility?{kept}lang={code}" for code in ("nl", "fr", "de", "en")
    ]
