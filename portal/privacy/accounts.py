"""Accounts without the person: unused for years (retention), or closed by their owner.

`anonymise_account` keeps the row, so that the files an account filed (they belong to its
organisation), the tickets it opened, the mandates it uploaded and the audit entries it is
the actor of still point to something, and takes the person out of it: the e-mail address
becomes a unique address that can never receive mail (`anonymised-<id>-<random>@
anonymised.invalid`, the `.invalid` top-level domain of RFC 2606), the name is emptied,
the password hash becomes one no password matches ("!", not an argon2 hash), the session
token is renewed (every cookie, reset, verification and invitation link dies), the login
sessions are deleted (with their addresses and browsers) and so are the files it followed
as a viewer, its choices of notifications and the identity an entrepreneur registered with
for professional cards (name, birth date, nationality, residence document, address; the
card files keep their own copy, under the files' retention). The address is free again at
once: its owner may register anew. A plug-in takes its own data of the account out as well by adding a
callable(user) to the list `app.extensions["account_anonymisers"]` (called before the
row is changed, in the same transaction).

What else named the person goes too: the audit entries naming no file that hold the old
address (a proof issued to it, a plug-in's login failure or password reset) are redacted
(`audit.redact_mentions`: detail emptied, commitment kept, `audit verify` still passes),
and requests nobody answered yet end, so that no administrator or agent is left to answer
one from a placeholder: a pending request to join an organisation is cleared, and a
pending claim to an enterprise number is withdrawn (the number freed) unless another
administrator of the organisation can carry it on.

The series **accounts** (anonymise, trigger last_login): an account whose last login
(the start of its latest session, kept on the account as `last_login_at`; its creation
when it never logged in) lies before the cutoff. A closed account is anonymised at once by
the closure (`portal.privacy.closure`).

The series **unconfirmed_accounts** (anonymise, trigger created): an account whose
address nobody confirmed (a registration never verified, an invitation never taken up or
released), made before the cutoff: the same anonymisation.

The series **sessions** (delete, trigger last_activity): the login sessions (when, from
which address, which browser) that saw no activity since the cutoff and can no longer be
live, whoever their account is. The account's own last login stays, so purging its
sessions never makes an account look unused.
"""

from __future__ import annotations

import secrets
from datetime import datetime

from flask import current_app
from sqlalchemy import delete, func, select

from portal import audit
from portal.accounts import claims, memberships
from portal.accounts.models import CardPerson, ClaimStatus, OrganisationClaim, OrgRole, User
from portal.accounts.sessions import UserSession, live_clause
from portal.dossiers.models import DossierViewer
from portal.extensions import db
from portal.privacy.batches import (
    Outcome,
    Pass,
    bulk,
    count,
    records_in_batches,
)
from portal.privacy.schedule import Entry

PLACEHOLDER_DOMAIN = "anonymised.invalid"
UNUSABLE_PASSWORD = "!"  # not a hash: argon2 refuses it, so no password ever matches


def placeholder_email(user_id: int) -> str:
    return f"anonymised-{user_id}-{secrets.token_hex(6)}@{PLACEHOLDER_DOMAIN}"


def other_administrators(user: User) -> int:
    """Usable administrators of the user's organisation besides the user."""
    if user.organisation_id is None:
        return 0
    return (
        db.session.scalar(
            select(func.count(User.id)).where(
                User.organisation_id == user.organisation_id,
                User.org_role == OrgRole.ADMIN,
                User.id != user.id,
                User.active.is_(True),
                User.anonymised_at.is_(None),
                User.email_verified_at.is_not(None),
            )
        )
        or 0
    )


def _end_pending_requests(user: User) -> None:
    """Requests of `user` still waiting for an answer end with the person (see module)."""
    memberships.withdraw_pending(user)
    pending = db.session.scalars(
        select(OrganisationClaim).where(
            OrganisationClaim.claimant_id == user.id,
            OrganisationClaim.status == ClaimStatus.PENDING,
        )
    ).all()
    for claim in pending:
        # A colleague administrator may still prove it: the claim is the organisation's.
        if claim.organisation_id != user.organisation_id or other_administrators(user) == 0:
            claims.withdraw(claim)


def anonymise_account(user: User, now: datetime) -> audit.Redaction:
    """Take the person out of `user` (see this module); the caller commits.

    Returns the redaction of the audit entries that held the old address (their count, and
    how many were sealed before commitments and had to stay).
    """
    return audit.redact_mentions([_take_out(user, now)], now=now)


def _take_out(user: User, now: datetime) -> str:
    """All of `anonymise_account` but the audit trail's redaction; the old address.

    Apart so that the retention run redacts a whole batch's addresses in one pass over the
    trail rather than one pass per account.
    """
    for anonymiser in current_app.extensions.get("account_anonymisers", ()):
        anonymiser(user)
    _end_pending_requests(user)
    address = user.email
    user.email = placeholder_email(user.id)
    user.name = ""
    user.password_hash = UNUSABLE_PASSWORD
    user.active = False
    user.session_token = secrets.token_urlsafe(32)
    user.muted_notifications = ""
    user.anonymised_at = now
    db.session.execute(delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(delete(DossierViewer).where(DossierViewer.user_id == user.id))
    db.session.execute(delete(CardPerson).where(CardPerson.user_id == user.id))
    return address


def last_login():
    """Per account: the start of its latest session, or its creation if it never had one.

    Read from the account, not from its session rows: those are purged sooner (series
    sessions), and an account whose sessions went would otherwise count from its creation.
    """
    return func.coalesce(User.last_login_at, User.created_at)


def accounts(entry: Entry, p: Pass) -> Outcome:
    """Anonymise the accounts whose last login (or creation) lies before the cutoff."""
    cutoff = entry.period.before(p.now)
    due = select(User.id).where(User.anonymised_at.is_(None), last_login() < cutoff)
    return _anonymise(entry, p, cutoff, due)


def unconfirmed_accounts(entry: Entry, p: Pass) -> Outcome:
    """Anonymise the accounts whose address was never confirmed, made before the cutoff.

    Anyone may register (or invite) any address: an account nobody confirmed is a name and
    an address its owner may never have given. The links that confirm one last two days
    (registration) or seven (invitation), so the row serves nothing once they are dead.
    """
    cutoff = entry.period.before(p.now)
    due = select(User.id).where(
        User.anonymised_at.is_(None),
        User.email_verified_at.is_(None),
        User.created_at < cutoff,
    )
    return _anonymise(entry, p, cutoff, due)


def _anonymise(entry: Entry, p: Pass, cutoff: datetime, due) -> Outcome:
    """Take the person out of the accounts `due` selects, a committed batch at a time."""
    outcome = Outcome(entry.series, entry.action, cutoff, due=count(due))
    for users in records_in_batches(outcome, p, due, User, "account"):
        addresses = []
        for user in users:
            addresses.append(_take_out(user, p.now))
            audit.record("retention:account_anonymised", detail=f"account {user.id}")
            outcome.done += 1
        outcome.unredacted += audit.redact_mentions(addresses, now=p.now).legacy
    return outcome


def old_sessions(entry: Entry, p: Pass) -> Outcome:
    """Delete the session rows without activity since the cutoff that cannot be live.

    "Cannot be live" is asked as well so that a period shorter than the idle timeout (a
    schedule is an operator's data) never ends a session someone is using.
    """
    cutoff = entry.period.before(p.now)
    due = select(UserSession.id).where(UserSession.last_seen_at < cutoff, ~live_clause(p.now))
    return bulk(entry, p, cutoff, due, UserSession, {}, "session")
