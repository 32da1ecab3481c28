"""Small helpers shared by the views."""

from __future__ import annotations

import html
from functools import cache
from urllib.parse import urlsplit

from flask import url_for
from markupsafe import Markup, escape


def html_text(value) -> str:
    """`value` as text escaped for HTML (its content or an attribute in double quotes).

    For HTML written in Python a row at a time (the queue's and the list's rows): the
    standard library's C replace, without a Markup object per value."""
    return html.escape(str(value))


def safe_next(target: str | None, default_endpoint: str = "home.dashboard") -> str:
    """Only follow `next` to a path on this site (no scheme, no host, no `//`)."""
    if target:
        parts = urlsplit(target)
        if (
            not parts.scheme
            and not parts.netloc
            and target.startswith("/")
            and not target.startswith("//")
            and "\\" not in target
        ):
            return target
    return url_for(default_endpoint)


@cache
def datalist(list_id: str, pairs: tuple[tuple[str, str], ...]) -> Markup:
    """A `<datalist>` of code suggestions, built once per list and language.

    The NACE-BEL and ISCO-08 lists have about a thousand entries; rendering them through
    Jinja on every request made the registration page ten times slower than the others.
    """
    options = "".join(
        f'<option value="{escape(code)}">{escape(code)} – {escape(label)}</option>'
        for code, label in pairs
    )
    return Markup(f'<datalist id="{escape(list_id)}">{options}</datalist>')
