"""The frame of every page (head links, header, footer of base.html), rendered once and reused.

Every page repeats the same frame: a dozen translated texts, eight URL lookups, the helpdesk
line. Rendered per request it was about a third of a signed-in page's template time
(issue 15). It only depends on the language, on whether someone is signed in, on the
application's root URL and on the helpdesk settings, so each part (templates/chrome/) is
rendered once per such combination and kept per process.

Two things in the header differ per request, and are put in per request: the page's own
address in each language (`lang_url`) and the logout form's CSRF token. The cached render
holds random markers (new in each process, so no text can imitate them) in their place.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Hashable

from flask import current_app, render_template, request
from flask_babel import get_locale
from flask_login import current_user
from markupsafe import Markup, escape

from portal.csrftoken import signed
from portal.keep import remember

PARTS = ("head", "header", "footer")
MAX_ENTRIES = 256  # far more than 3 parts × 4 languages × 2 states; settings changed at run time
_MARK = f"chrome{secrets.token_hex(12)}"
_CSRF_MARK = f"{_MARK}csrf"


def _lang_mark(code: str) -> str:
    return f"{_MARK}lang{code}"


def part(name: str, lang_url: Callable[[str], str], settings: Hashable = ()) -> Markup:
    """The HTML of one part of the frame for this request.

    `lang_url(code)` gives this page's address in language `code`; `settings` is whatever
    else the frame shows that may change while the process runs (the helpdesk's contact,
    which the app factory passes in: the kernel knows no domain)."""
    if name not in PARTS:
        raise ValueError(f"no such part of the page frame: {name!r}")
    from portal.i18n import LANGUAGES

    app = current_app._get_current_object()
    signed_in = bool(current_user.is_authenticated)
    key = (name, str(get_locale()), signed_in, request.script_root, settings)
    made = app.extensions.setdefault("portal.chrome", {})
    html = made.get(key)
    if html is None:
        # render_template: the context processors' names (LANGUAGES, current_lang) are
        # there; the markers, passed here, take the place of the per-request helpers.
        html = remember(
            made,
            key,
            str(
                render_template(
                    f"chrome/{name}.html", lang_url=_lang_mark, csrf_token=lambda: _CSRF_MARK
                )
            ),
            MAX_ENTRIES,
        )
    if _MARK in html:
        for code in LANGUAGES:
            html = html.replace(_lang_mark(code), str(escape(lang_url(code))))
        if _CSRF_MARK in html:
            html = html.replace(_CSRF_MARK, str(escape(signed())))
    return Markup(html)
