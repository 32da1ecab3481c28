"""Which e-mails a user receives: each notification kind can be switched off.

`User.muted_notifications` holds the kinds a user chose *not* to receive (comma-separated);
`status.recipients()` leaves those users out. Kinds this page does not manage are kept.
"""

from __future__ import annotations

from collections.abc import Iterable

from portal.accounts.models import User
from portal.i18n import _l

KINDS = {
    "status_changed": _l("Changes in the status of my files"),
    "info_requested": _l("Requests for more information about my files"),
}


def muted(user: User) -> set[str]:
    return set(filter(None, (user.muted_notifications or "").split(",")))


def receives(user: User) -> dict[str, bool]:
    """For each kind: does the user get these e-mails?"""
    silenced = muted(user)
    return {kind: kind not in silenced for kind in KINDS}


def save(user: User, receive: Iterable[str]) -> None:
    """Receive the kinds in `receive`, mute the other kinds of this page. The caller commits."""
    wanted = set(receive) & set(KINDS)
    silenced = (muted(user) - set(KINDS)) | (set(KINDS) - wanted)
    user.muted_notifications = ",".join(sorted(silenced))
