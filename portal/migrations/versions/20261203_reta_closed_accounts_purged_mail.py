"""retention (ret-a): closed and anonymised accounts, purged intake messages, anonymised tickets

Revision ID: 20261203_reta
Revises: 20261203_retention
Create Date: 2026-12-03 12:00:00

`user_account.closed_at`: the person closed the account themselves (it can no longer log
in). `user_account.anonymised_at`: retention (or the closure) took the person out of the
row; the row stays so that files, tickets and audit entries still point to it.
`intake_message.purged_at`: the raw message and what the row said of its sender are gone
(retention, series intake_messages and quarantine). `helpdesk_ticket.anonymised_at`: the
ticket was anonymised (series helpdesk_tickets). Only new, empty columns: no data changes.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261203_reta"
down_revision = "20261203_retention"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("intake_message") as batch:
        batch.add_column(sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("helpdesk_ticket") as batch:
        batch.add_column(sa.Column("anonymised_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("helpdesk_ticket") as batch:
        batch.drop_column("anonymised_at")
    with op.batch_alter_table("intake_message") as batch:
        batch.drop_column("purged_at")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("anonymised_at")
        batch.drop_column("closed_at")
