"""The signed CSRF token of a visitor, signed once a minute instead of on every page.

Every signed-in page carries a CSRF token (the header's logout form, and each form of the
page). Flask-WTF signs the visitor's secret anew for each request (`generate_csrf`: a
serializer, JSON, zlib and an HMAC): about 60–75 µs of every signed-in page, a twentieth of
the dashboard's time (issue 15). A token signed a moment ago is as good: it names the same
secret, and Flask-WTF accepts it for `WTF_CSRF_TIME_LIMIT` after it was signed.

So the signed token of each secret is kept per process for `REUSE_SECONDS` and put where
Flask-WTF looks first (`g`, under the field name) before the request runs; every caller of
`generate_csrf` (the page frame, the forms, the page cache) then finds it. A form shown
from a kept token is valid for the time limit less at most `REUSE_SECONDS` (59 of 60
minutes). A new secret (a new session, or a rotated one) is never in the store, and a
changed secret key or field name gives a store of its own.

Nothing is kept without a time limit: with `WTF_CSRF_TIME_LIMIT = None` a token would be
valid for ever anyway, but that is not this module's choice to widen.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, session

from portal.keep import remember

REUSE_SECONDS = 60
MAX_KEPT = 10_000  # visitors signed in at once per worker, with room; emptied at the limit
_UNSET = object()


def _names() -> tuple[str, tuple[object, str]]:
    """The session key of the secret, and what signs it (the store's key with the secret)."""
    config = current_app.config
    field = config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"
    signing = (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, field)
    return field, signing


def _store() -> dict:
    return current_app.extensions.setdefault("portal.csrf_signed", {})


def reuse() -> None:
    """before_request: put this visitor's recently signed token where Flask-WTF finds it."""
    if not current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600):
        return
    field, signing = _names()
    secret = session.get(field)
    g.portal_csrf_secret = secret  # the secret the request began with (keep() compares)
    if not isinstance(secret, str):
        return
    kept = _store().get((signing, secret))
    if kept is not None and time.monotonic() - kept[1] < REUSE_SECONDS:
        setattr(g, field, kept[0])
        g.portal_csrf_reused = True


def keep(response):
    """after_request: keep the token this request signed (none signed: nothing to keep)."""
    if not current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600):
        return response
    field, signing = _names()
    ctx_g = g._get_current_object()
    signed = ctx_g.get(field)
    if not isinstance(signed, str) or ctx_g.get("portal_csrf_reused"):
        return response
    secret = session.get(field)
    began = ctx_g.get("portal_csrf_secret", _UNSET)  # _UNSET: reuse() did not run
    # Only a token signed for the secret the session holds now: a login or logout that
    # replaced or dropped the secret during the request leaves a token of the old one in
    # `g` (Flask-WTF keeps it for the request), which must never be handed out again.
    # Without a secret at the start, the one there now is the one this request's signing
    # made (only `generate_csrf` makes one, and only when `g` has no token yet).
    if isinstance(secret, str) and (began is None or began == secret):
        remember(_store(), (signing, secret), (signed, time.monotonic()), MAX_KEPT)
    return response


def register(app: Flask) -> None:
    app.before_request(reuse)
    app.after_request(keep)
