"""The signed CSRF token of a visitor, signed once a minute instead of on every page.

Every signed-in page carries a CSRF token (the header's logout form, and each form of the
page). Flask-WTF signs the visitor's secret anew for each request (`generate_csrf`: a
serializer, JSON, zlib and an HMAC): about 60–75 µs of every signed-in page, a twentieth of
the dashboard's time (issue 15). A token signed a moment ago is as good: it names the same
secret, and Flask-WTF accepts it for `WTF_CSRF_TIME_LIMIT` after it was signed.

So `signed()` keeps the token it had Flask-WTF sign, per process, under the secret it signs
(and what signs it) for `REUSE_SECONDS`. Every token of a page comes from it: the forms
(`KeptCSRF`, their CSRF class), the templates' `csrf_token()` (`install`), the page frame
and the page cache. A form shown from a kept token is valid for the time limit less at most
`REUSE_SECONDS` (59 of 60 minutes). A new secret (a new session, or one a login replaced) is
never in the store, and a changed secret key or field name gives a key of its own.

A token is kept right after it was signed, under the secret that was signed: never one that
Flask-WTF had from earlier in the request, whose secret a login or logout may since have
replaced. A request that shows no token does none of this. Nothing is kept without a time
limit (a token would then be valid for ever; not this module's choice to widen).
"""

from __future__ import annotations

import time

from flask import Flask, current_app, g, session
from flask_wtf.csrf import _FlaskFormCSRF, generate_csrf

from portal.keep import remember

REUSE_SECONDS = 60
MAX_KEPT = 10_000  # visitors signed in at once per worker, with room; emptied at the limit


STORE = "portal.csrf_signed"  # the app's store of kept tokens (current_app.extensions)


def _field() -> str:
    return current_app.config.get("WTF_CSRF_FIELD_NAME") or "csrf_token"


def _key(secret: str) -> tuple:
    """A kept token's key: the secret, and what signs it (a new key or field: new keys)."""
    config = current_app.config
    return (config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key, _field(), secret)


def kept(secret: str) -> tuple[str, float] | None:
    """The token kept for `secret`, with when it was signed (`time.monotonic`); or None."""
    return current_app.extensions.get(STORE, {}).get(_key(secret))


def signed() -> str:
    """This visitor's signed CSRF token: this request's, a kept one, or a new one."""
    field = _field()
    ctx_g = g._get_current_object()
    token = ctx_g.get(field)
    if token is not None:  # Flask-WTF's own for this request, as generate_csrf would answer
        return token
    if not current_app.config.get("WTF_CSRF_TIME_LIMIT", 3600):
        return generate_csrf()
    secret = session.get(field)
    found = kept(secret) if isinstance(secret, str) else None
    if found is not None and time.monotonic() - found[1] < REUSE_SECONDS:
        setattr(ctx_g, field, found[0])  # where Flask-WTF and the page cache look for it
        return found[0]
    token = generate_csrf()  # signs the session's secret (made first when there is none)
    secret = session.get(field)
    if isinstance(secret, str):
        store = current_app.extensions.setdefault(STORE, {})
        remember(store, _key(secret), (token, time.monotonic()), MAX_KEPT)
    return token


class KeptCSRF(_FlaskFormCSRF):
    """Flask-WTF's CSRF for forms, its token from `signed()`; checked as before."""

    def generate_csrf_token(self, csrf_token_field) -> str:
        return signed()


def install(app: Flask) -> None:
    """The templates' `csrf_token()` (set by Flask-WTF's CSRFProtect) gives `signed()`."""
    app.jinja_env.globals["csrf_token"] = signed
