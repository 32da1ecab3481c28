"""API clients and their keys: create, revoke and authenticate.

A key reads ``<prefix>.<secret>``: the prefix (8 characters, ``[a-z0-9]``) is stored in
clear to find the client and to key its rate limit; only the SHA-256 of the whole key is
stored, so the key is shown once, when it is made, and never again. Services here take an
explicit ``actor`` and never commit (the caller commits once).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import string

from sqlalchemy import select

from portal import audit, clock
from portal.accounts.models import Role, User
from portal.api.body import text_problem
from portal.api.models import ApiClient
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import _, _l

DOSSIERS_READ = "dossiers:read"
DECISIONS_WRITE = "decisions:write"
FORWARDED_READ = "forwarded:read"
#: Every scope, with the sentence an administrator reads next to its checkbox.
SCOPES = {
    DOSSIERS_READ: _l("Read the status and handling dates of a file (dossiers:read)"),
    DECISIONS_WRITE: _l(
        "Record the residence decision of the Immigration Office (decisions:write)"
    ),
    FORWARDED_READ: _l("List the files forwarded to the Immigration Office (forwarded:read)"),
}

PREFIX_LENGTH = 8
_PREFIX_ALPHABET = string.ascii_lowercase + string.digits
_KEY = re.compile(r"^([a-z0-9]{8})\.([A-Za-z0-9_-]{20,200})$")
MAX_NAME = 200
#: An Authorization header longer than this holds no key of ours: refused unread.
MAX_HEADER = 300


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_prefix() -> str:
    while True:
        prefix = "".join(secrets.choice(_PREFIX_ALPHABET) for _i in range(PREFIX_LENGTH))
        taken = db.session.scalar(select(ApiClient.id).where(ApiClient.key_prefix == prefix))
        if taken is None:
            return prefix


def _check_admin(actor: User | None) -> None:
    # `None` is the command line: whoever runs it already controls the server.
    if actor is not None and actor.role != Role.ADMIN:
        raise NotAllowed


def create_client(actor: User | None, name: str, scopes: list[str]) -> tuple[ApiClient, str]:
    """Register a client; return it with its plain key, which is never stored nor shown again.

    Only an administrator (or the command line, ``actor=None``) may do this. Raises
    `Invalid` for an empty name or unknown or missing scopes.
    """
    _check_admin(actor)
    name = (name or "").strip()
    chosen = sorted(set(scopes or []))
    errors: dict[str, list[str]] = {}
    if not name or len(name) > MAX_NAME:
        errors["name"] = [_("Give the client a name of at most 200 characters.")]
    elif text_problem(name, max_length=MAX_NAME, single_line=True):
        errors["name"] = [_("Give the client a name on one line, without control characters.")]
    if not chosen or any(scope not in SCOPES for scope in chosen):
        errors["scopes"] = [_("Choose at least one of the listed scopes.")]
    if errors:
        raise Invalid(errors)
    prefix = _new_prefix()
    key = f"{prefix}.{secrets.token_urlsafe(32)}"
    client = ApiClient(
        name=name,
        key_prefix=prefix,
        key_hash=_hash(key),
        scopes=",".join(chosen),
        created_by_id=actor.id if actor else None,
    )
    db.session.add(client)
    db.session.flush()
    audit.record(
        "api_client:create",
        actor_id=actor.id if actor else None,
        api_client_id=client.id,
        detail=client.scopes,
    )
    return client, key


def revoke(actor: User | None, client_id: int) -> ApiClient:
    """Revoke a client's key at once; revoking twice keeps the first moment."""
    _check_admin(actor)
    client = db.session.get(ApiClient, client_id)
    if client is None:
        raise NotFound
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        audit.record(
            "api_client:revoke", actor_id=actor.id if actor else None, api_client_id=client.id
        )
    return client


def list_clients(actor: User) -> list[ApiClient]:
    """Every client, newest first (administrators only)."""
    _check_admin(actor)
    return list(db.session.scalars(select(ApiClient).order_by(ApiClient.id.desc())))


def identify(header_value: str | None) -> ApiClient | None:
    """The client whose key is in ``Authorization: Bearer <key>``, revoked or not.

    Use `authenticate` to let a client in; this one lets a view record who tried.
    """
    if not header_value or len(header_value) > MAX_HEADER:
        return None
    scheme, _sep, key = header_value.strip().partition(" ")
    key = key.strip()
    match = _KEY.match(key)
    if scheme.lower() != "bearer" or match is None:
        return None
    client = db.session.scalar(select(ApiClient).where(ApiClient.key_prefix == match.group(1)))
    if client is None or not hmac.compare_digest(client.key_hash, _hash(key)):
        return None
    return client


def authenticate(header_value: str | None) -> ApiClient | None:
    """The client for an ``Authorization`` header value, or None (missing, wrong, revoked)."""
    client = identify(header_value)
    if client is None or client.revoked_at is not None:
        return None
    return client
