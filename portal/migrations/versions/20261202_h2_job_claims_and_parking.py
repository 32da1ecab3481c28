"""job claims (leases) and parking on the three outboxes

Every outbox table (e-mail, DVZ exchange, partner webhooks) gets `claimed_until` (the
lease of the worker that took it) and `parked_at` (dead-lettered after too many
attempts), and a partial index on `next_attempt_at` over the items still waiting, so
"due and unclaimed" reads only those.

Historic: the webhook outbox belongs to the orange carpet, which now owns its migrations
(onboarding/migrations/versions): it is changed here only where it exists in the old shape.

Revision ID: 7b1e2d9c4a10
Revises: h8c0n5en7d05
Create Date: 2026-12-02 10:40:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7b1e2d9c4a10"
down_revision = "h8c0n5en7d05"
branch_labels = None
depends_on = None

TABLES = ("outbox_message", "exchange_message", "onboarding_webhook_delivery")
WAITING = "sent_at IS NULL AND parked_at IS NULL"


def _has_claims(table):
    """None: no such table (no plug-in); else whether it has the claim columns already."""
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table(table):
        return None
    return "claimed_until" in {column["name"] for column in inspector.get_columns(table)}


def upgrade():
    for table in TABLES:
        if _has_claims(table) is not False:
            continue
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(
                sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True)
            )
            batch_op.add_column(sa.Column("parked_at", sa.DateTime(timezone=True), nullable=True))
        op.create_index(
            f"ix_{table}_waiting",
            table,
            ["next_attempt_at"],
            unique=False,
            sqlite_where=sa.text(WAITING),
            postgresql_where=sa.text(WAITING),
        )


def downgrade():
    for table in reversed(TABLES):
        if not _has_claims(table):
            continue
        op.drop_index(f"ix_{table}_waiting", table_name=table)
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("parked_at")
            batch_op.drop_column("claimed_until")
