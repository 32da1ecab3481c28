"""HTML fragments rendered once per process and reused, with holes each request fills.

Much of a page is the same for every request that shares a few facts (the language, the
day, whether someone is signed in): the page frame (`portal.chrome`), the empty action
forms of an officer's file page. Rendering them each time cost a third of the frame's page
and more than a quarter of the file page (issue 15). `kept()` renders such a fragment once
per key (which must hold everything its HTML depends on) and keeps it per process, in a
bounded store. What differs per request is left as a hole and put in per request:

- the holes a renderer makes with `hole(name)` (a page's own address, a file's form
  action), filled by the caller's `fill(name)`, escaped here;
- the CSRF token: a render that shows this request's token (a form's hidden field) or the
  `CSRF` hole keeps a hole in its place, and each request gets its own token
  (`portal.csrftoken.signed`).

A hole is a random marker, new in each process, so no text a visitor sends can imitate
one. A kept fragment is split at its holes once, so a request's values are put in
side by side in one pass: a value is never searched again for holes.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Hashable

from flask import current_app, g
from markupsafe import Markup, escape

from portal import csrftoken
from portal.keep import remember

CSRF = "csrf"  # the hole of this request's CSRF token
_MARK = f"hole{secrets.token_hex(12)}"
_HOLES = re.compile(f"{_MARK}:([a-z0-9_-]+):")


def hole(name: str) -> str:
    """The marker of hole `name` (letters, digits, `-` and `_`) in a fragment's render."""
    if not re.fullmatch(r"[a-z0-9_-]+", name):
        raise ValueError(f"not a hole's name: {name!r}")
    return f"{_MARK}:{name}:"


def _csrf_field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"


def holes(html: str) -> tuple[str, ...]:
    """`html` split at its holes (names at odd places), this request's CSRF token made a
    hole first when it shows it: what `filled` puts together for each request."""
    token = g.get(_csrf_field())  # the token a form of the render showed, if any
    if token and token in html:
        html = html.replace(token, hole(CSRF))
    return tuple(_HOLES.split(html))


def filled(parts: tuple[str, ...], fill: Callable[[str], str] | None = None) -> Markup:
    """`parts` (from `holes`) joined with this request's values in one pass: its CSRF
    token, and `fill(name)` for every other hole (escaped here)."""
    if len(parts) == 1:
        return Markup(parts[0])
    joined = list(parts)
    for index in range(1, len(parts), 2):
        name = parts[index]
        text = csrftoken.signed() if name == CSRF else fill(name) if fill else None
        if text is None:
            raise KeyError(f"no value for the hole {name!r} of a kept fragment")
        joined[index] = str(escape(text))
    return Markup("".join(joined))


def kept(
    store: str,
    key: Hashable,
    render: Callable[[], str],
    fill: Callable[[str], str] | None = None,
    limit: int = 512,
) -> Markup:
    """The fragment kept under `key` in the application's store `store` (at most `limit`
    entries: emptied at the limit), rendered by `render()` when missing; its holes filled
    for this request. `fill(name)` gives the text of hole `name` (escaped here)."""
    made = current_app.extensions.setdefault(store, {})
    parts = made.get(key)
    if parts is None:
        parts = remember(made, key, holes(str(render())), limit)
    return filled(parts, fill)
