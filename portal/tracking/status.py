"""The one status machine: every change of `dossier.status` goes through `change()`."""

from __future__ import annotations

from portal.accounts.models import User
from portal.applications.models import Dossier, DossierStatus
from portal.errors import Invalid
from portal.extensions import db
from portal.i18n import _
from portal.tracking.models import AuditEntry, StatusEvent

S = DossierStatus
UNDECIDED = frozenset({S.SUBMITTED, S.INFO_REQUESTED})
FINAL = frozenset(
    {S.RESIDENCE_GRANTED, S.RESIDENCE_REFUSED, S.INADMISSIBLE, S.WORK_REFUSED, S.WITHDRAWN}
)

ALLOWED: dict[DossierStatus, frozenset[DossierStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset(
        {S.INFO_REQUESTED, S.WORK_AUTHORISED, S.INADMISSIBLE, S.WORK_REFUSED, S.WITHDRAWN}
    ),
    S.INFO_REQUESTED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.WORK_AUTHORISED: frozenset({S.FORWARDED}),
    S.FORWARDED: frozenset({S.RESIDENCE_GRANTED, S.RESIDENCE_REFUSED}),
}


def can_change(dossier: Dossier, to: DossierStatus) -> bool:
    return to in ALLOWED.get(dossier.status, frozenset())


def change(
    dossier: Dossier, to: DossierStatus, actor: User | None, reason: str | None = None
) -> StatusEvent:
    """Move a dossier to `to` if allowed; record the event and the audit entry.

    The caller commits, so the change, its event and its audit entry land together.
    """
    if not can_change(dossier, to):
        raise Invalid(
            _(
                "This file cannot go from “%(from)s” to “%(to)s”.",
                **{"from": dossier.status.title, "to": to.title},
            )
        )
    event = StatusEvent(
        dossier=dossier,
        from_status=dossier.status,
        to_status=to,
        actor_id=actor.id if actor else None,
        reason=reason,
    )
    dossier.status = to
    db.session.add_all(
        [
            event,
            AuditEntry(
                dossier_id=dossier.id,
                actor_id=actor.id if actor else None,
                action=f"status:{to.value}",
                detail=reason,
            ),
        ]
    )
    return event
