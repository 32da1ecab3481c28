"""proofs: the helpdesk's list of proofs of one state read from an index of that state

Revision ID: 20261206_proofs
Revises: 20261206_intake
Create Date: 2026-12-06 16:50:00

Three partial indexes on the id, one per state the list filters on: never used nor revoked
(unused or expired, by their last day), used, and revoked. A page of one state read the
proofs newest first and skipped those of the other states, so a rare state (revoked) made
it walk every proof ever issued (issue 15). Indexes only: no data changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261206_proofs"
down_revision = "20261206_intake"
branch_labels = None
depends_on = None

STATES = (
    ("ix_fallback_proof_open", "used_at IS NULL AND revoked_at IS NULL"),
    ("ix_fallback_proof_used", "used_at IS NOT NULL"),
    ("ix_fallback_proof_revoked", "revoked_at IS NOT NULL"),
)


def upgrade():
    for name, where in STATES:
        op.create_index(
            name,
            "fallback_proof",
            ["id"],
            sqlite_where=sa.text(where),
            postgresql_where=sa.text(where),
        )


def downgrade():
    for name, _where in STATES:
        op.drop_index(name, table_name="fallback_proof")
