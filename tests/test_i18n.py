"""Four languages: choice of locale, remembering it, and complete catalogs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.extensions import db
from portal.i18n import LANGUAGES
from tests.support import check_page, login, make_user

CATALOGS = Path(__file__).resolve().parent.parent / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdf]|\{\{\s*\w+\s*\}\}")

LOGIN_TITLE = {"nl": "Aanmelden", "fr": "Se connecter", "de": "Anmelden", "en": "Log in"}


def h1(client, url: str, **kwargs) -> str:
    return check_page(client.get(url, **kwargs).get_data(as_text=True)).h1.get_text(strip=True)


def html_lang(client, url: str, **kwargs) -> str:
    return check_page(client.get(url, **kwargs).get_data(as_text=True)).html["lang"]


def test_dutch_is_the_default(client):
    assert html_lang(client, "/account/login") == "nl"
    assert h1(client, "/account/login") == "Aanmelden"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_lang_parameter_switches_and_is_remembered(client, lang):
    assert h1(client, f"/account/login?lang={lang}") == LOGIN_TITLE[lang]
    # The next page, without the parameter, stays in that language (cookie).
    assert html_lang(client, "/account/login") == lang


def test_accept_language_is_used_when_nothing_else_is_known(client):
    assert html_lang(client, "/", headers={"Accept-Language": "de-BE,de;q=0.9,en;q=0.5"}) == "de"
    assert html_lang(client, "/", headers={"Accept-Language": "es,it"}) == "nl"


@pytest.mark.parametrize(
    "header",
    ["x" * 8000, "de;q=abc, fr;q=-1, ;;;, *", "\u00e9\u00e9;q=0.5, nl-BE;q=0.4", "de;q=0"],
)
def test_a_hostile_accept_language_falls_back_without_error(client, header):
    # The parsed header is cached per distinct text: a malformed one, asked twice, gives the
    # same answer both times and never an error.
    for _ in range(2):
        assert html_lang(client, "/", headers={"Accept-Language": header}) == "nl"


def test_the_cached_accept_language_still_follows_each_header(client):
    for header, lang in [("fr", "fr"), ("de", "de"), ("fr", "fr"), ("en-GB", "en")]:
        assert html_lang(client, "/", headers={"Accept-Language": header}) == lang


def test_a_cookie_beats_accept_language(client):
    client.get("/?lang=fr")
    assert html_lang(client, "/", headers={"Accept-Language": "de"}) == "fr"


def test_the_users_preference_beats_the_cookie_and_a_switch_lasts_the_session(client, db_session):
    user = make_user("emp@example.be", locale="de")
    client.get("/?lang=fr")
    login(client, user.email)
    client.set_cookie("lang", "en")
    assert html_lang(client, "/dashboard") == "de"
    client.get("/dashboard?lang=nl")
    client.set_cookie("lang", "fr")
    assert html_lang(client, "/dashboard") == "nl"  # the session's choice
    db.session.refresh(user)
    assert user.locale == "de"  # a GET (perhaps a cross-site link) stores nothing


def test_the_account_language_is_changed_on_the_account_page(client, db_session):
    user = make_user("emp@example.be", locale="de")
    login(client, user.email)
    page = check_page(client.get("/account/").get_data(as_text=True))
    assert page.select_one("form[action='/account/language'] select[name=locale]")
    assert client.get("/account/language").status_code == 405  # never on GET
    response = client.post("/account/language", data={"locale": "fr"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.locale == "fr"
    assert html_lang(client, "/dashboard") == "fr"
    refused = client.post("/account/language", data={"locale": "xx"})
    assert refused.status_code == 400
    db.session.refresh(user)
    assert user.locale == "fr"


def test_unknown_language_is_ignored(client):
    assert html_lang(client, "/?lang=xx") == "nl"


@pytest.mark.parametrize(
    "query, cookie, expected",
    [
        ("?lang=", None, "en"),  # an empty choice is no choice: the browser's language
        ("?lang=de&lang=fr", None, "de"),  # the first of two, as werkzeug's get() gives
        ("?lang=%00fr", None, "en"),
        ("?LANG=fr", None, "en"),  # the parameter's name is exact
        ("", "", "en"),  # an empty language cookie
        ("", "\u00e9\u00e9", "en"),
        ("", "FR-be", "fr"),
    ],
)
def test_hostile_language_choices_are_read_as_before(client, query, cookie, expected):
    # select_locale reads the query string and cookies with `in` before indexing (werkzeug's
    # get() raises inside on a miss): the answers are those get() would give.
    if cookie is not None:
        client.set_cookie("lang", cookie)
    assert html_lang(client, f"/{query}", headers={"Accept-Language": "en"}) == expected


def test_every_page_has_a_language_switcher_with_the_current_one_marked(client):
    soup = check_page(client.get("/account/register?lang=fr").get_data(as_text=True))
    links = soup.select("nav.lang-switch a")
    assert [a["lang"] for a in links] == list(LANGUAGES)
    current = [a for a in links if a.get("aria-current")]
    assert [a["lang"] for a in current] == ["fr"]
    assert all("lang=" in a["href"] and a["href"].startswith("/account/register") for a in links)


def test_dates_are_formatted_for_the_reader(app):
    from datetime import date

    from flask_babel import force_locale, format_date

    with app.test_request_context():
        with force_locale("fr"):
            assert format_date(date(2026, 5, 1), "long") == "1 mai 2026"
        with force_locale("nl"):
            assert format_date(date(2026, 5, 1), "long") == "1 mei 2026"


def _catalogs():
    for lang in LANGUAGES:
        path = CATALOGS / lang / "LC_MESSAGES" / "messages.po"
        with path.open("rb") as handle:
            yield lang, read_po(handle)


def test_the_template_holds_every_string_the_code_and_templates_use(tmp_path):
    """A string added to the code but never extracted would show in English everywhere."""
    extracted = tmp_path / "messages.pot"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "extract",
            "-F",
            str(CATALOGS / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "--no-location",
            "-o",
            str(extracted),
            str(CATALOGS.parent),
        ],
        check=True,
        capture_output=True,
        cwd=CATALOGS.parent,
    )
    with extracted.open("rb") as handle:
        used = {m.id for m in read_po(handle) if m.id}
    with (CATALOGS / "messages.pot").open("rb") as handle:
        known = {m.id for m in read_po(handle) if m.id}
    missing = used - known
    assert not missing, f"run `make extract` and translate: {sorted(missing, key=str)[:5]}"


def test_the_template_holds_every_string_translated_inside_an_f_string():
    """pybabel's extraction does not look inside an f-string: `f"· {_('reviewed')}"` put no
    entry in the template, and the word showed in English in every language. The code is
    read here as Python reads it, f-strings included."""
    import ast

    with (CATALOGS / "messages.pot").open("rb") as handle:
        known = {m.id for m in read_po(handle) if m.id}
    names = {"_", "_l", "gettext", "lazy_gettext"}
    missing = []
    for folder in ("portal", "onboarding"):
        for path in sorted((CATALOGS.parent / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id in names
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                    and node.args[0].value not in known
                ):
                    missing.append(f"{path.name}:{node.lineno} {node.args[0].value!r}")
    assert not missing, missing


def test_catalogs_exist_for_every_language_and_cover_the_template():
    with (CATALOGS / "messages.pot").open("rb") as handle:
        template_ids = {m.id for m in read_po(handle) if m.id}
    for lang, catalog in _catalogs():
        ids = {m.id for m in catalog if m.id}
        missing = template_ids - ids
        assert not missing, f"{lang}: not in the catalog: {sorted(missing)[:5]}"


@pytest.mark.parametrize("lang", list(LANGUAGES))
def test_catalog_is_complete_not_fuzzy_and_keeps_placeholders(lang):
    catalog = dict(_catalogs())[lang]
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        if not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
        # A plural form may leave out the count, like the singular source does.
        wanted = [set(PLACEHOLDER.findall(source)) for source in ids]
        for string in strings:
            if string and set(PLACEHOLDER.findall(string)) not in wanted:
                problems.append(f"placeholders differ: {ids[0]!r} → {string!r}")
    assert not problems, "\n".join(problems[:20])


def test_the_language_switcher_ignores_url_for_instructions(client):
    response = client.get("/?_method=POST&_external=1&_anchor=x")
    assert response.status_code == 200
    links = [
        a["href"] for a in check_page(response.get_data(as_text=True)).select("nav.lang-switch a")
    ]
    assert all(
        href.startswith("/?") and "_external" not in href and "#" not in href for href in links
    )


@pytest.mark.parametrize("lang", LANGUAGES)
def test_numbers_are_written_as_flask_babel_writes_them_in_each_language(app, lang):
    """The `number` filter keeps what it wrote per value, type and language: the same text
    as Flask-Babel's format_decimal, and 1, 1.5 and Decimal("1.50") each their own."""
    from decimal import Decimal

    from flask_babel import format_decimal

    from portal.i18n import format_number

    values = [0, -12, 1234, 10**12, 1.0, 1.5, 55000.5, Decimal("1.50"), Decimal("55000.00")]
    with app.test_request_context(f"/?lang={lang}"):
        app.preprocess_request()
        for _round in range(2):  # made, then kept
            assert [format_number(v) for v in values] == [format_decimal(v) for v in values]
        rendered = app.jinja_env.from_string("{{ 1234|number }}").render()
        assert rendered == format_decimal(1234)
    with app.test_request_context("/?lang=fr"):
        app.preprocess_request()
        assert format_number(1234) == "1\u202f234"  # not the text kept for another language


def test_the_language_found_once_follows_force_locale_and_refresh(app):
    """`i18n.language()` keeps the code it found for the request; it follows the locale
    Flask-Babel holds, which `force_locale` replaces and `refresh()` removes, as
    `str(get_locale())` does, and asks nothing outside a context."""
    from flask import g
    from flask_babel import force_locale, get_locale, refresh

    from portal.i18n import language

    with app.test_request_context("/?lang=de"):
        assert language() == str(get_locale()) == "de"
        with force_locale("fr"):
            assert language() == "fr"
            with force_locale("en"):
                assert language() == "en"
            assert language() == "fr"
        assert language() == "de"  # the request's own again
        found = g._flask_babel.babel_locale
        refresh()  # forgets the locale: found anew, the same language
        assert language() == str(get_locale()) == "de"
        assert g._flask_babel.babel_locale is not found
    with app.test_request_context("/?lang=en"):  # a new request finds its own
        assert language() == "en"
    assert language() == "None"  # no context: what str(get_locale()) says
