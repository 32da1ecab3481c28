"""The audit trail: append-only entries, each chained to the previous one by a SHA-256.

Changing, removing or inserting an entry breaks the chain from that point on, which
`verify()` (and `flask --app wsgi audit verify`) reports. Writers lock the single
`AuditHead` row, so two transactions cannot both append after the same entry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from portal.db import utcnow
from portal.extensions import db
from portal.tracking.models import AuditEntry, AuditHead

GENESIS = "0" * 64


def _digest(prev_hash: str, entry: AuditEntry) -> str:
    body = json.dumps(
        {
            "prev": prev_hash,
            "dossier": entry.dossier_id,
            "actor": entry.actor_id,
            "client": entry.api_client_id,
            "action": entry.action,
            "detail": entry.detail,
            "at": entry.at.isoformat(timespec="microseconds"),
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def record(
    action: str,
    *,
    dossier_id: int | None = None,
    actor_id: int | None = None,
    api_client_id: int | None = None,
    detail: str | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append an entry to the chain; the caller commits it with the change it records."""
    head = db.session.scalar(select(AuditHead).with_for_update())
    if head is None:
        head = AuditHead(id=1, last_hash=GENESIS, count=0)
        db.session.add(head)
    moment = at or utcnow()
    entry = AuditEntry(
        dossier_id=dossier_id,
        actor_id=actor_id,
        api_client_id=api_client_id,
        action=action,
        detail=detail,
        at=moment,
        prev_hash=head.last_hash,
    )
    entry.hash = _digest(head.last_hash, entry)
    head.last_hash = entry.hash
    head.count += 1
    db.session.add(entry)
    return entry


@dataclass(frozen=True)
class ChainReport:
    entries: int
    first_broken_id: int | None

    @property
    def intact(self) -> bool:
        return self.first_broken_id is None


def verify(batch: int = 5000) -> ChainReport:
    """Recompute every hash in order; report the first entry whose link does not hold."""
    previous, count, last_id = GENESIS, 0, 0
    while True:
        rows = db.session.scalars(
            select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id).limit(batch)
        ).all()
        if not rows:
            break
        for entry in rows:
            if entry.prev_hash != previous or _digest(previous, entry) != entry.hash:
                return ChainReport(count, entry.id)
            previous, last_id = entry.hash, entry.id
            count += 1
    head = db.session.scalar(select(AuditHead))
    if head is not None and (head.last_hash != previous or head.count != count):
        return ChainReport(count, last_id + 1)  # entries removed from the end
    return ChainReport(count, None)


def trail(dossier_id: int) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.dossier_id == dossier_id)
            .options(joinedload(AuditEntry.actor))
            .order_by(AuditEntry.id)
        )
    )
