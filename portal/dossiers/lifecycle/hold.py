"""Legal hold: an officer keeps a file out of the retention purge (an appeal pending).

A held file is skipped by `portal.privacy.run` whatever its age; placing and lifting the
hold are audited with the officer, and placing it with its reason. The reason is the
officer's own short text (a case number at the Council for Alien Law Litigation, say).
"""

from __future__ import annotations

from portal import audit, clock
from portal.accounts.models import Role, User
from portal.dossiers.models import Dossier
from portal.errors import Invalid, NotAllowed
from portal.i18n import _

REASON_MAX = 1000


def _officer(actor: User) -> None:
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise NotAllowed


def place(actor: User, dossier: Dossier, reason: str | None) -> Dossier:
    """Put the file on hold with `reason`; the caller commits."""
    _officer(actor)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid({"reason": [_("Say why the file is kept, for example the appeal.")]})
    if len(reason) > REASON_MAX:
        raise Invalid({"reason": [_("Use at most %(count)s characters.", count=REASON_MAX)]})
    if dossier.is_draft:
        raise Invalid({"reason": [_("A draft cannot be put on hold.")]})
    if dossier.held_at is not None:
        raise Invalid({"reason": [_("This file is already on hold.")]})
    dossier.held_at = clock.now()
    dossier.hold_reason = reason
    audit.record("retention:hold_placed", dossier_id=dossier.id, actor_id=actor.id, detail=reason)
    return dossier


def lift(actor: User, dossier: Dossier) -> Dossier:
    """End the hold: retention applies to the file again; the caller commits."""
    _officer(actor)
    if dossier.held_at is None:
        raise Invalid({"": [_("This file is not on hold.")]})
    dossier.held_at = None
    dossier.hold_reason = None
    audit.record("retention:hold_lifted", dossier_id=dossier.id, actor_id=actor.id)
    return dossier
