"""claims: a rejected claim loses its proof and reason after its retention period

Revision ID: 20261205_claims
Revises: 20261205_contests
Create Date: 2026-12-05 12:10:00

`organisation_claim.anonymised_at`: retention (series rejected_claims) took the proof's file
and name and the decision's reason out of a rejected claim. Only a new, empty column: no
data changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261205_claims"
down_revision = "20261205_contests"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organisation_claim") as batch:
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("organisation_claim") as batch:
        batch.drop_column("anonymised_at")
