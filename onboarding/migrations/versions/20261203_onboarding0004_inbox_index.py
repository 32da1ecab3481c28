"""the partner inbox a page at a time: referrals by partner, newest first

Revision ID: onboarding0004
Revises: onboarding0003
Create Date: 2026-12-02 17:00:00

Declared in onboarding/answers.py (the inbox owns it). Only an index: no data changes.
"""

from alembic import op

revision = "onboarding0004"
down_revision = "onboarding0003"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("onboarding_referral", schema=None) as batch_op:
        batch_op.create_index(
            "ix_onboarding_referral_partner_newest", ["partner_id", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("onboarding_referral", schema=None) as batch_op:
        batch_op.drop_index("ix_onboarding_referral_partner_newest")
