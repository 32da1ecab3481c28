"""retention: a legal hold on a dossier, the moment it was anonymised, redactable audit details

Revision ID: 20261203_retention
Revises: 20261202_card_wizard
Create Date: 2026-12-03 09:00:00

`dossier.held_at` / `dossier.hold_reason`: an officer's legal hold (an appeal pending);
retention skips a held file. `dossier.anonymised_at`: set when retention anonymised the
file (it is then never processed again).

`audit_entry.detail_salt`, `detail_hash`, `redacted_at`: the commitment the chain's digest
covers instead of the detail (portal.audit, "Redaction"). Existing entries keep the old
digest over the detail itself, so the upgrade changes no data. The downgrade re-chains the
entries sealed with a commitment under the old digest (over the detail as it is now; a
redacted detail is empty) so that `audit verify` still passes on the old code: the chain's
hashes from the first such entry on change, which is the price of going back.
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "20261203_retention"
down_revision = "20261202_card_wizard"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("hold_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("audit_entry") as batch:
        batch.add_column(sa.Column("detail_salt", sa.String(length=32), nullable=True))
        batch.add_column(sa.Column("detail_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("redacted_at", sa.DateTime(timezone=True), nullable=True))


def _old_digest(prev_hash, row):
    # The digest before commitments (portal.audit._digest for an entry without detail_hash;
    # a migration never imports the app).
    at = row.at
    if isinstance(at, str):  # SQLite without a type: parse what UtcDateTime stored
        at = datetime.fromisoformat(at)
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    at = at.astimezone(UTC).isoformat(timespec="microseconds")
    body = json.dumps(
        {
            "prev": prev_hash,
            "dossier": row.dossier_id,
            "actor": row.actor_id,
            "client": row.api_client_id,
            "action": row.action,
            "detail": row.detail,
            "at": at,
        },
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(body.encode()).hexdigest()


def _rechain_without_commitments():
    bind = op.get_bind()
    entry = sa.table(
        "audit_entry",
        sa.column("id", sa.Integer),
        sa.column("dossier_id", sa.Integer),
        sa.column("actor_id", sa.Integer),
        sa.column("api_client_id", sa.Integer),
        sa.column("action", sa.String),
        sa.column("detail", sa.Text),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("seq", sa.Integer),
        sa.column("prev_hash", sa.String),
        sa.column("hash", sa.String),
        sa.column("detail_hash", sa.String),
    )
    head = sa.table("audit_head", sa.column("id", sa.Integer), sa.column("last_hash", sa.String))
    first = bind.execute(
        sa.select(sa.func.min(entry.c.seq)).where(
            entry.c.detail_hash.is_not(None), entry.c.seq.is_not(None)
        )
    ).scalar()
    if first is None:
        return
    rows = bind.execute(sa.select(entry).where(entry.c.seq >= first).order_by(entry.c.seq)).all()
    last_hash = rows[0].prev_hash
    for row in rows:
        digest = _old_digest(last_hash, row)
        bind.execute(
            entry.update().where(entry.c.id == row.id).values(prev_hash=last_hash, hash=digest)
        )
        last_hash = digest
    bind.execute(head.update().where(head.c.id == 1).values(last_hash=last_hash))


def downgrade():
    _rechain_without_commitments()
    with op.batch_alter_table("audit_entry") as batch:
        batch.drop_column("redacted_at")
        batch.drop_column("detail_hash")
        batch.drop_column("detail_salt")
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("anonymised_at")
        batch.drop_column("hold_reason")
        batch.drop_column("held_at")
