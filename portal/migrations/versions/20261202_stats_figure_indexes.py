"""stats: covering indexes for the backlog, the intervals and the breakdowns by kind

Revision ID: 20261202_stats
Revises: ops0request01
Create Date: 2026-12-02 14:30:00

Declared in portal/stats/report.py (the figures own them). Only indexes: no data changes.
"""

from alembic import op

revision = "20261202_stats"
down_revision = "ops0request01"
branch_labels = None
depends_on = None

FORWARDED = [
    "forwarded_on",
    "submitted_on",
    "flemish_decision_on",
    "flemish_decision",
    "federal_decision_on",
]
FEDERAL = ["federal_decision_on", "forwarded_on", "submitted_on"]
KIND = ["submitted_on", "kind"]
DECIDED_BY = [
    "flemish_decision_on",
    "flemish_decision",
    "submitted_on",
    "category",
    "channel",
    "kind",
]


def upgrade():
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.create_index("ix_dossier_stats_forwarded", FORWARDED, unique=False)
        batch_op.create_index("ix_dossier_stats_federal", FEDERAL, unique=False)
        batch_op.create_index("ix_dossier_stats_kind", KIND, unique=False)
        batch_op.create_index("ix_dossier_stats_decided_by", DECIDED_BY, unique=False)


def downgrade():
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_index("ix_dossier_stats_decided_by")
        batch_op.drop_index("ix_dossier_stats_kind")
        batch_op.drop_index("ix_dossier_stats_federal")
        batch_op.drop_index("ix_dossier_stats_forwarded")
