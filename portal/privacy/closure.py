"""A person closes their own account.

The closure is confirmed with the account's password (re-entered on the closure page, so a
session left open on a shared computer cannot close it), and it is audited. At once:

- the account can no longer log in, and every one of its sessions ends (their rows go);
- the person is taken out of the row (`portal.privacy.accounts.anonymise_account`): the
  e-mail address becomes a non-deliverable placeholder, the name is emptied, the password
  can never match again; the address is free for a new registration.

**Why at once, not on the schedule.** The schedule's entry `accounts` counts from the last
login (3 years): it is for accounts that were forgotten. A person who closes their account
asks for its end (GDPR art. 17: erasure without undue delay), and nothing the portal needs
rests on the account's personal data: the files it filed belong to its organisation (or
mandatary) and stay there with their own record of who filed (the audit trail, which keeps
the row's id and its chain hashes), and the tickets follow their own series. A grace period
would only keep a login-less row full of personal data that nobody can use.

An organisation's last administrator cannot close their account: the organisation would be
left without anyone who can invite colleagues or answer requests to join. They hand over
first (the helpdesk makes a colleague administrator). Staff accounts (officers, helpdesk,
administrators) are closed by the service that manages them, not from the account page.
"""

from __future__ import annotations

from datetime import datetime

from portal import audit
from portal.accounts import services
from portal.accounts.models import Role, User
from portal.errors import Invalid
from portal.i18n import _
from portal.privacy.accounts import anonymise_account, other_administrators

STAFF = {Role.OFFICER, Role.HELPDESK, Role.ADMIN}


def refusal(user: User) -> str | None:
    """Why `user` cannot close their account now, or None."""
    if user.role in STAFF:
        return _(
            "Staff accounts are closed by the service that manages them. Ask your administrator."
        )
    if user.is_org_admin and other_administrators(user) == 0:
        return _(
            "You are the only administrator of %(organisation)s. Before you close your "
            "account, hand over: ask the helpdesk to make a colleague the administrator.",
            organisation=user.organisation.name,
        )
    return None


def close_account(user: User, *, password: str, now: datetime) -> None:
    """Close and anonymise `user`'s account; `Invalid` with the reason if it may not."""
    reason = refusal(user)
    if reason is not None:
        raise Invalid({"": [reason]})
    if not services.password_matches(user.password_hash, password or ""):
        raise Invalid({"password": [_("The password is not correct.")]})
    audit.record("account:closed", actor_id=user.id)
    user.closed_at = now
    anonymise_account(user, now)
