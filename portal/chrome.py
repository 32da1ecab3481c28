"""The frame of every page (head links, header, footer of base.html), rendered once and reused.

Every page repeats the same frame: a dozen translated texts, eight URL lookups, the helpdesk
line. Rendered per request it was about a third of a signed-in page's template time
(issue 15). It only depends on the language, on whether someone is signed in, on the
application's root URL and on the helpdesk settings, so each part (templates/chrome/) is
rendered once per such combination and kept per process (`portal.fragments.kept`).

Two things in the header differ per request, and are holes the request fills: the page's
own address in each language (`lang_url`) and the logout form's CSRF token.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable

from flask import render_template, request
from flask_login import current_user
from markupsafe import Markup

from portal import fragments
from portal.i18n import language

PARTS = ("head", "header", "footer")
MAX_ENTRIES = 256  # far more than 3 parts × 4 languages × 2 states; settings changed at run time
STORE = "portal.chrome"
_LANG = "lang-"  # the hole of the page's address in a language: lang-nl, lang-fr, ...


def part(name: str, lang_url: Callable[[str], str], settings: Hashable = ()) -> Markup:
    """The HTML of one part of the frame for this request.

    `lang_url(code)` gives this page's address in language `code`; `settings` is whatever
    else the frame shows that may change while the process runs (the helpdesk's contact,
    which the app factory passes in: the kernel knows no domain)."""
    if name not in PARTS:
        raise ValueError(f"no such part of the page frame: {name!r}")
    signed_in = bool(current_user.is_authenticated)
    key = (name, language(), signed_in, request.script_root, settings)
    return fragments.kept(
        STORE,
        key,
        # render_template: the context processors' names (LANGUAGES, current_lang) are
        # there; the holes, passed here, take the place of the per-request helpers.
        lambda: render_template(
            f"chrome/{name}.html",
            lang_url=lambda code: fragments.hole(_LANG + code),
            csrf_token=lambda: fragments.hole(fragments.CSRF),
        ),
        lambda hole: lang_url(hole.removeprefix(_LANG)),
        MAX_ENTRIES,
    )
