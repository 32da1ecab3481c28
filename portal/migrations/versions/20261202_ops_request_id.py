"""request id on the outbox items

Every outbox table (e-mail, DVZ exchange, partner webhooks) gets a nullable `request_id`:
the id of the web request that queued the item (or of the job that queued it), so that the
worker's log lines about delivering or parking it can be traced to that request. The
webhook table belongs to the orange-carpet plug-in, whose branch adds it there
(onboarding/migrations/versions, onboarding0002).

Revision ID: ops0request01
Revises: worker0001
Create Date: 2026-12-02 13:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "ops0request01"
down_revision = "worker0001"
branch_labels = None
depends_on = None

TABLES = ("outbox_message", "exchange_message")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("request_id", sa.String(length=64), nullable=True))


def downgrade():
    for table in reversed(TABLES):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("request_id")
