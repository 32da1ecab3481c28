"""CHECK constraints on the status and outcome columns

Revision ID: life0001checks
Revises: j2unreg0001
Create Date: 2026-12-02 14:00:00

The database refuses a status or a decision outside its vocabulary:
`dossier.status`, `dossier.flemish_decision`, `dossier.federal_decision`,
`status_event.from_status` and `status_event.to_status`. The vocabularies are frozen here
as of this revision (a new status needs a revision that widens its constraint). The
portal only ever writes enum values; should a row hold anything else, the upgrade stops
before changing anything and names the table, the column and the values.
"""

import sqlalchemy as sa
from alembic import op

revision = "life0001checks"
down_revision = "j2unreg0001"
branch_labels = None
depends_on = None

STATUSES = (
    "draft",
    "submitted",
    "info_requested",
    "work_authorised",
    "forwarded",
    "residence_granted",
    "residence_refused",
    "inadmissible",
    "work_refused",
    "withdrawn",
)
FLEMISH = ("authorised", "inadmissible", "refused")
FEDERAL = ("granted", "refused")

CHECKS = {
    "dossier": {"status": STATUSES, "flemish_decision": FLEMISH, "federal_decision": FEDERAL},
    "status_event": {"from_status": STATUSES, "to_status": STATUSES},
}


def _condition(column, values):
    return sa.column(column).in_(values)


def _refuse_strays():
    bind = op.get_bind()
    for table, columns in CHECKS.items():
        for column, values in columns.items():
            stray = bind.execute(
                sa.select(sa.column(column))
                .distinct()
                .select_from(sa.table(table))
                .where(sa.column(column).is_not(None), sa.column(column).not_in(values))
                .limit(5)
            ).scalars()
            found = sorted(stray)
            if found:
                raise RuntimeError(
                    f"{table}.{column} holds values outside its vocabulary: {found!r}; "
                    "correct them, then upgrade again"
                )


def upgrade():
    _refuse_strays()
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column, values in columns.items():
                batch_op.create_check_constraint(
                    op.f(f"ck_{table}_{column}"), _condition(column, values)
                )


def downgrade():
    for table, columns in CHECKS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                batch_op.drop_constraint(op.f(f"ck_{table}_{column}"), type_="check")
