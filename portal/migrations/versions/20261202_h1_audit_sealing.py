"""audit entries are sealed into the chain after they are written

Entries get a `seq` (their place in the chain) when sealed; until then `seq`, `prev_hash`
and `hash` are empty. Existing entries were chained in id order, so their `seq` is their
id. The head row is created here, so writers never race to create it.

Revision ID: 20261202_h1
Revises: h6sessions01
Create Date: 2026-12-02 10:30:00
"""

import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "20261202_h1"
down_revision = "h6sessions01"
branch_labels = None
depends_on = None

GENESIS = "0" * 64


def upgrade():
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.create_index(batch_op.f("ix_audit_entry_seq"), ["seq"], unique=True)
    op.execute("UPDATE audit_entry SET seq = id")
    op.execute(
        "INSERT INTO audit_head (id, last_hash, count) "
        f"SELECT 1, '{GENESIS}', 0 WHERE NOT EXISTS (SELECT 1 FROM audit_head)"
    )


def _digest(prev_hash, row):
    # The same body as portal.audit._digest (a migration never imports the app).
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


def downgrade():
    # The old schema needs every entry chained: seal what is left, in id order.
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
    )
    head = sa.table(
        "audit_head",
        sa.column("id", sa.Integer),
        sa.column("last_hash", sa.String),
        sa.column("count", sa.Integer),
    )
    state = bind.execute(sa.select(head.c.last_hash, head.c.count)).first()
    last_hash, count = (state.last_hash, state.count) if state else (GENESIS, 0)
    unsealed = bind.execute(
        sa.select(entry).where(entry.c.seq.is_(None)).order_by(entry.c.id)
    ).all()
    for row in unsealed:
        digest = _digest(last_hash, row)
        bind.execute(
            entry.update().where(entry.c.id == row.id).values(prev_hash=last_hash, hash=digest)
        )
        last_hash, count = digest, count + 1
    if unsealed:
        bind.execute(head.update().where(head.c.id == 1).values(last_hash=last_hash, count=count))
    with op.batch_alter_table("audit_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entry_seq"))
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.drop_column("seq")
