"""welcome withdrawal, partner language, anonymous tallies

Revision ID: onboarding0003
Revises: onboarding0002
Create Date: 2026-12-03 09:00:00

Issue 18: a talent withdraws consent for the whole welcome (`onboarding_profile.
consent_withdrawn_at`), partners are written in their own language
(`onboarding_partner.locale`, "nl" for the existing ones), and erased welcome data leave
only anonymous counts behind (`onboarding_tally`).
"""

import sqlalchemy as sa
from alembic import op

revision = "onboarding0003"
down_revision = "onboarding0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("onboarding_profile", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("consent_withdrawn_at", sa.DateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("onboarding_partner", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("locale", sa.String(length=2), server_default="nl", nullable=False)
        )
    op.create_table(
        "onboarding_tally",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.Date(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("partner_kind", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_tally")),
        sa.UniqueConstraint("month", "event", "partner_kind", name="uq_onboarding_tally"),
    )


def downgrade():
    op.drop_table("onboarding_tally")
    with op.batch_alter_table("onboarding_partner", schema=None) as batch_op:
        batch_op.drop_column("locale")
    with op.batch_alter_table("onboarding_profile", schema=None) as batch_op:
        batch_op.drop_column("consent_withdrawn_at")
