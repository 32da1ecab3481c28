"""retention: a legal hold on a dossier, and the moment it was anonymised

Revision ID: 20261203_retention
Revises: 20261202_stats
Create Date: 2026-12-03 09:00:00

`dossier.held_at` / `dossier.hold_reason`: an officer's legal hold (an appeal pending);
retention skips a held file. `dossier.anonymised_at`: set when retention anonymised the
file (it is then never processed again). Columns only, all nullable: no data changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261203_retention"
down_revision = "20261202_stats"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("held_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("hold_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("anonymised_at")
        batch.drop_column("hold_reason")
        batch.drop_column("held_at")
