"""sessions: the last login kept on the account, so that old session rows can be purged

Revision ID: 20261205_sessions
Revises: 20261202_speedb
Create Date: 2026-12-05 03:00:00

`user_account.last_login_at`: the start of the account's latest session. The retention of
accounts counted from the newest `user_session` row; those rows (with the address and
browser of every login) are now purged on their own schedule (series sessions), so the
moment moves to the account. Filled from the sessions present, so nothing changes for an
account that has them; an account without any keeps counting from its creation.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261205_sessions"
down_revision = "20261202_speedb"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE user_account SET last_login_at = ("
        "SELECT max(user_session.created_at) FROM user_session"
        " WHERE user_session.user_id = user_account.id)"
    )


def downgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("last_login_at")
