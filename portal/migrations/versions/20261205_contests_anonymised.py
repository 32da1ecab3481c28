"""contests: a decided contest is anonymised after its retention period

Revision ID: 20261205_contests
Revises: 20261205_sessions
Create Date: 2026-12-05 03:30:00

`claim_contest.anonymised_at`: retention (series claim_contests) took the contact person out
of a decided contest: name, e-mail address, phone, message, the proof's file and the
decision's reason. Only a new, empty column: no data changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261205_contests"
down_revision = "20261205_sessions"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("claim_contest") as batch:
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("claim_contest") as batch:
        batch.drop_column("anonymised_at")
