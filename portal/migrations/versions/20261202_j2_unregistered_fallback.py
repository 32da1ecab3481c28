"""E-mail fallback without a registered organisation: the KBO number on proof and file

Revision ID: j2unreg0001
Revises: j4search0001
Create Date: 2026-12-02 11:20:00

"""

import sqlalchemy as sa
from alembic import op

revision = "j2unreg0001"
down_revision = "j4search0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("fallback_proof") as batch:
        batch.add_column(sa.Column("kbo_number", sa.String(length=10), nullable=True))
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("employer_kbo", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("employer_name", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("dossier") as batch:
        batch.drop_column("employer_name")
        batch.drop_column("employer_kbo")
    with op.batch_alter_table("fallback_proof") as batch:
        batch.drop_column("kbo_number")
