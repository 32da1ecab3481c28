"""request id on the partners' webhook deliveries

Revision ID: onboarding0002
Revises: onboarding0001
Create Date: 2026-12-02 15:00:00

Like the portal's outboxes (ops0request01): the id of the request that queued a delivery,
for the worker's log lines. A database whose webhook table was created by onboarding0001
after this column joined the model may already have it, so it is added only where missing.
"""

import sqlalchemy as sa
from alembic import op

revision = "onboarding0002"
down_revision = "onboarding0001"
branch_labels = None
depends_on = None

TABLE = "onboarding_webhook_delivery"


def _has_column() -> bool:
    return any(c["name"] == "request_id" for c in sa.inspect(op.get_bind()).get_columns(TABLE))


def upgrade():
    if not _has_column():
        with op.batch_alter_table(TABLE, schema=None) as batch_op:
            batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade():
    if _has_column():
        with op.batch_alter_table(TABLE, schema=None) as batch_op:
            batch_op.drop_column("request_id")
