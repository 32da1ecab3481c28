"""card-core: the professional card's own outcomes widen the status vocabulary

Revision ID: 20261202_cardcore
Revises: 20261202_card
Create Date: 2026-12-02 17:00:00

A professional card ends in "card_granted" or "card_refused" (or, as a single permit,
"inadmissible" or "withdrawn"). The CHECK constraints on `dossier.status`,
`status_event.from_status` and `status_event.to_status` are rebuilt with the two new
values (batch mode: SQLite copies the table, PostgreSQL alters it in place). The
downgrade stops, naming the values, while a row still holds one of them.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_cardcore"
down_revision = "20261202_card"
branch_labels = None
depends_on = None

BEFORE = (
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
CARD = ("card_granted", "card_refused")
COLUMNS = {"dossier": ("status",), "status_event": ("from_status", "to_status")}


def _rebuild(values):
    for table, columns in COLUMNS.items():
        with op.batch_alter_table(table) as batch_op:
            for column in columns:
                name = op.f(f"ck_{table}_{column}")
                batch_op.drop_constraint(name, type_="check")
                batch_op.create_check_constraint(name, sa.column(column).in_(values))


def upgrade():
    _rebuild((*BEFORE, *CARD))


def downgrade():
    bind = op.get_bind()
    for table, columns in COLUMNS.items():
        for column in columns:
            found = sorted(
                bind.execute(
                    sa.select(sa.column(column))
                    .distinct()
                    .select_from(sa.table(table))
                    .where(sa.column(column).in_(CARD))
                ).scalars()
            )
            if found:
                raise RuntimeError(
                    f"{table}.{column} holds card statuses {found!r}; a downgrade would lose them"
                )
    _rebuild(BEFORE)
