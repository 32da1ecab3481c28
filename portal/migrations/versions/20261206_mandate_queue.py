"""mandates: the officers' list of mandates to verify read in an index's order

Revision ID: 20261206_mandates
Revises: 20261205_claims
Create Date: 2026-12-06 15:30:00

`ix_mandate_queue` (status, created_at, id) replaces `ix_mandate_status` (status, its
prefix): the mandates waiting are read oldest upload first, a page at a time, in the
index's order, where the database sorted every mandate waiting for each page (issue 15).
`ix_mandate_decided` (decided_at, id): the latest decisions shown beside them, where every
mandate ever decided was sorted. Indexes only: no data changes.
"""

from alembic import op

revision = "20261206_mandates"
down_revision = "20261205_claims"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mandate") as batch:
        batch.drop_index("ix_mandate_status")
        batch.create_index("ix_mandate_queue", ["status", "created_at", "id"])
        batch.create_index("ix_mandate_decided", ["decided_at", "id"])


def downgrade():
    with op.batch_alter_table("mandate") as batch:
        batch.drop_index("ix_mandate_decided")
        batch.drop_index("ix_mandate_queue")
        batch.create_index("ix_mandate_status", ["status"])
