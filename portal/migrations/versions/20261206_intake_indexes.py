"""intake: the helpdesk's lists of the mail intake read in an index's order

Revision ID: 20261206_intake
Revises: 20261206_mandates
Create Date: 2026-12-06 16:00:00

`ix_intake_message_quarantine` gains the id (outcome, reviewed_at, id): the quarantine,
the helpdesk's default list, is read per outcome newest first in the index's order, where
one statement for both outcomes walked every message ever kept to find the few waiting.
`ix_intake_message_outcome` (outcome, id): the list of one outcome, newest first, without
a walk through the others (issue 15). Indexes only: no data changes.
"""

from alembic import op

revision = "20261206_intake"
down_revision = "20261206_mandates"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("intake_message") as batch:
        batch.drop_index("ix_intake_message_quarantine")
        batch.create_index("ix_intake_message_quarantine", ["outcome", "reviewed_at", "id"])
        batch.create_index("ix_intake_message_outcome", ["outcome", "id"])


def downgrade():
    with op.batch_alter_table("intake_message") as batch:
        batch.drop_index("ix_intake_message_outcome")
        batch.drop_index("ix_intake_message_quarantine")
        batch.create_index("ix_intake_message_quarantine", ["outcome", "reviewed_at"])
