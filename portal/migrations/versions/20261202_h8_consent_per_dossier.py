"""consent per dossier: one welcome invitation (and consent) per granted file

Revision ID: h8c0n5en7d05
Revises: 7c1a1a1d07e7
Create Date: 2026-12-02 10:40:00

The employer's view of the welcome steps was one flag on the talent's profile, found through
the profile's (movable) dossier: a second employer's permit for the same worker took it
over. Each dossier now has its own invitation row with its own consent. Existing consent is
kept for the one file it was given under (the profile's dossier at the time of upgrade).

Historic: the orange carpet now owns its migrations (onboarding/migrations/versions). This
step runs only on a database whose onboarding tables are in the shape it changes; a portal
without the plug-in has no such tables, and the plug-in's branch creates them new.
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "h8c0n5en7d05"
down_revision = "7c1a1a1d07e7"
branch_labels = None
depends_on = None


def _columns(table):
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table(table):
        return set()
    return {column["name"] for column in inspector.get_columns(table)}


def upgrade():
    if "consent_employer_view" not in _columns("onboarding_profile"):
        return
    op.create_table(
        "onboarding_invitation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("last_sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("consent_employer_view", sa.Boolean(), nullable=False),
        sa.Column("consent_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_onboarding_invitation_dossier_id_dossier")
        ),
        sa.ForeignKeyConstraint(
            ["profile_id"],
            ["onboarding_profile.id"],
            name=op.f("fk_onboarding_invitation_profile_id_onboarding_profile"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_onboarding_invitation")),
        sa.UniqueConstraint("dossier_id", name=op.f("uq_onboarding_invitation_dossier_id")),
    )
    with op.batch_alter_table("onboarding_invitation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_onboarding_invitation_profile_id"), ["profile_id"], unique=False
        )
    op.execute(
        """
        INSERT INTO onboarding_invitation
            (profile_id, dossier_id, consent_employer_view, created_at, updated_at)
        SELECT id, dossier_id, consent_employer_view, created_at, updated_at
        FROM onboarding_profile WHERE dossier_id IS NOT NULL
        """
    )
    # A plain ALTER TABLE (SQLite >= 3.35 drops columns natively): rebuilding the table, as
    # batch mode would, trips SQLite's foreign keys once other tables point at its rows.
    with op.batch_alter_table("onboarding_profile", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("consent_employer_view")


def downgrade():
    if not _columns("onboarding_invitation"):
        return
    with op.batch_alter_table("onboarding_profile", schema=None, recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column(
                "consent_employer_view", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    # Back to one flag per profile: only the consent given for the profile's own dossier.
    op.execute(
        """
        UPDATE onboarding_profile SET consent_employer_view = COALESCE((
            SELECT i.consent_employer_view FROM onboarding_invitation i
            WHERE i.profile_id = onboarding_profile.id
              AND i.dossier_id = onboarding_profile.dossier_id), consent_employer_view)
        """
    )
    with op.batch_alter_table("onboarding_invitation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_onboarding_invitation_profile_id"))
    op.drop_table("onboarding_invitation")
