"""speed: indexes for "my applications" a page at a time (keyset on the file id)

Revision ID: 20261202_speed
Revises: 20261202_stats
Create Date: 2026-12-02 15:15:00

Declared in portal/dossiers/access.py (the list owns them). Only indexes: no data changes.
"""

from alembic import op

revision = "20261202_speed"
down_revision = "20261202_stats"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.create_index(
            "ix_dossier_organisation_newest", ["organisation_id", "id"], unique=False
        )
        batch_op.create_index("ix_dossier_mandatary_newest", ["mandatary_id", "id"], unique=False)


def downgrade():
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_mandatary_newest")
        batch_op.drop_index("ix_dossier_organisation_newest")
