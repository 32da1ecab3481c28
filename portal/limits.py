"""Rate limits on the routes that send e-mail or create accounts, and on heavy downloads.

Two limits guard each such route, both shared across those routes:

- per client (its IP address, as seen through the trusted proxies): `MAIL_RATE_LIMIT`;
- per target address (the normalised e-mail address in the form, hashed into the key):
  `MAIL_RATE_LIMIT_PER_ADDRESS`, so that many clients together cannot flood one mailbox
  and one client cannot spread its requests over many routes.

Downloads made afresh for each request, each a fraction of a second to seconds of a web
worker's time (a person's own data, a draft's application form), are limited per signed-in
person (`per_person`): many people of one office share an address, and one person asking
again and again must not keep the workers from everyone else.

The counts live in `RATELIMIT_STORAGE_URI`: `memory://` counts per process, so a
deployment with several workers or machines sets `redis://host:6379/0` to share them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from flask import current_app, request
from flask_login import current_user

from portal.extensions import limiter


def _client_limit() -> str:
    return current_app.config["MAIL_RATE_LIMIT"]


def _address_limit() -> str:
    return current_app.config["MAIL_RATE_LIMIT_PER_ADDRESS"]


def normalised_address(value: str | None) -> str:
    return (value or "").strip().lower()[:254]


def form_email() -> str:
    """The target address of a form with an `email` field."""
    return normalised_address(request.form.get("email"))


def mail_limits(address: Callable[[], str] = form_email) -> Callable:
    """Decorate a view that sends mail: one limit per client, one per target address.

    `address` returns the target of this request (normalised), or "" when there is none
    (an invalid form, which sends nothing; only the per-client limit counts it).
    """

    def address_key() -> str:
        digest = hashlib.sha256(address().encode()).hexdigest()[:32]
        return f"address:{digest}"

    per_client = limiter.shared_limit(_client_limit, scope="mail-client", methods=["POST"])
    per_address = limiter.shared_limit(
        _address_limit,
        scope="mail-address",
        key_func=address_key,
        methods=["POST"],
        exempt_when=lambda: not address(),
    )

    def decorator(view: Callable) -> Callable:
        return per_client(per_address(view))

    return decorator


def _person_key() -> str:
    """The signed-in person; a visitor without a session counts by their address."""
    if current_user.is_authenticated:
        return f"person:{current_user.id}"
    return f"client:{request.remote_addr or 'unknown'}"


def per_person(setting: str, scope: str) -> Callable:
    """Decorate a heavy download: at most config[`setting`] per signed-in person, counted
    together for every view decorated with the same `scope`. A refusal is the portal's
    429 page ("Too many attempts"), in the person's language."""
    return limiter.shared_limit(
        lambda: current_app.config[setting], scope=scope, key_func=_person_key
    )
