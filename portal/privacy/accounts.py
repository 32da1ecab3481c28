"""Accounts without the person: unused for years (retention), or closed by their owner.

`anonymise_account` keeps the row, so that the files an account filed (they belong to its
organisation), the tickets it opened, the mandates it uploaded and the audit entries it is
the actor of still point to something, and takes the person out of it: the e-mail address
becomes a unique address that can never receive mail (`anonymised-<id>-<random>@
anonymised.invalid`, the `.invalid` top-level domain of RFC 2606), the name is emptied,
the password hash becomes one no password matches ("!", not an argon2 hash), the session
token is renewed (every cookie, reset, verification and invitation link dies), the login
sessions are deleted (with their addresses and browsers) and so are the files it followed
as a viewer and its choices of notifications. The address is free again at once: its owner
may register anew. A plug-in takes its own data of the account out as well by adding a
callable(user) to the list `app.extensions["account_anonymisers"]` (called before the
row is changed, in the same transaction).

The series **accounts** (anonymise, trigger last_login): an account whose last login
(the start of its latest session; its creation when it never logged in) lies before the
cutoff. A closed account is anonymised at once by the closure (`portal.privacy.closure`).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, select

from portal import audit
from portal.accounts.models import User
from portal.accounts.sessions import UserSession
from portal.dossiers.models import DossierViewer
from portal.extensions import db
from portal.privacy.batches import Outcome, Pass, commit, count, ids_in_batches, sample
from portal.privacy.schedule import Entry

PLACEHOLDER_DOMAIN = "anonymised.invalid"
UNUSABLE_PASSWORD = "!"  # not a hash: argon2 refuses it, so no password ever matches


def placeholder_email(user_id: int) -> str:
    return f"anonymised-{user_id}-{secrets.token_hex(6)}@{PLACEHOLDER_DOMAIN}"


def anonymise_account(user: User, now: datetime) -> None:
    """Take the person out of `user` (see this module); the caller commits."""
    for anonymiser in current_app.extensions.get("account_anonymisers", ()):
        anonymiser(user)
    user.email = placeholder_email(user.id)
    user.name = ""
    user.password_hash = UNUSABLE_PASSWORD
    user.active = False
    user.session_token = secrets.token_urlsafe(32)
    user.muted_notifications = ""
    user.anonymised_at = now
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(DossierViewer).where(DossierViewer.user_id == user.id))


def last_login():
    """Per account: the start of its latest session, or its creation if it never had one."""
    latest = (
        select(func.max(UserSession.created_at))
        .where(UserSession.user_id == User.id)
        .correlate(User)
        .scalar_subquery()
    )
    return func.coalesce(latest, User.created_at)


def accounts(entry: Entry, p: Pass) -> Outcome:
    cutoff = entry.period.before(p.now)
    due = select(User.id).where(User.anonymised_at.is_(None), last_login() < cutoff)
    outcome = Outcome(entry.series, entry.action, cutoff, due=count(due))
    if p.dry_run:
        outcome.sample = sample(due, User.id, lambda i: f"account {i}")
        return outcome
    for ids in ids_in_batches(due, User.id, p.batch):
        for user in db.session.scalars(select(User).where(User.id.in_(ids))):
            anonymise_account(user, p.now)
            audit.record("retention:account_anonymised", detail=f"account {user.id}")
            outcome.done += 1
        commit(p)
    return outcome
