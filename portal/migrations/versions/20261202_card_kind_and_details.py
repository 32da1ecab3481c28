"""card: the dossier's kind (single permit or professional card) and the card's details

Revision ID: 20261202_card
Revises: 20261202_speed
Create Date: 2026-12-02 16:45:00

Every existing file is a single permit (server default). The card's own answers get a
table of their own, one row per card dossier.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_card"
down_revision = "20261202_speed"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "permit",
                sa.Enum(
                    "single_permit",
                    "professional_card",
                    name="permit",
                    native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="single_permit",
            )
        )
        batch_op.create_index("ix_dossier_permit", ["permit"], unique=False)
        batch_op.create_check_constraint(
            "ck_dossier_permit", "permit IN ('single_permit', 'professional_card')"
        )
    op.create_table(
        "card_details",
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("files_from", sa.String(length=10), nullable=True),
        sa.Column("residence_document", sa.String(length=20), nullable=True),
        sa.Column("residence_valid_until", sa.Date(), nullable=True),
        sa.Column("address_street", sa.String(length=200), nullable=True),
        sa.Column("address_postal_code", sa.String(length=10), nullable=True),
        sa.Column("address_city", sa.String(length=100), nullable=True),
        sa.Column("address_country", sa.String(length=2), nullable=True),
        sa.Column("legal_form", sa.String(length=20), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("company_kbo", sa.String(length=10), nullable=True),
        sa.Column("activity_description", sa.Text(), nullable=True),
        sa.Column("jobs_planned", sa.Integer(), nullable=True),
        sa.Column("investment_eur", sa.Numeric(14, 2), nullable=True),
        sa.Column("start_capital_eur", sa.Numeric(14, 2), nullable=True),
        sa.Column("innovation", sa.Text(), nullable=True),
        sa.Column("export", sa.Text(), nullable=True),
        sa.Column("diploma_level", sa.Integer(), nullable=True),
        sa.Column("regulated_profession", sa.Boolean(), nullable=True),
        sa.Column("means_eur", sa.Numeric(12, 2), nullable=True),
        sa.Column("valid_from", sa.Date(), nullable=True),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("first_granted_before_2022", sa.Boolean(), nullable=False),
        sa.Column("reminders_sent", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_card_details_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("dossier_id", name=op.f("pk_card_details")),
    )
    with op.batch_alter_table("card_details", schema=None) as batch_op:
        batch_op.create_index("ix_card_details_valid_until", ["valid_until"], unique=False)


def downgrade():
    with op.batch_alter_table("card_details", schema=None) as batch_op:
        batch_op.drop_index("ix_card_details_valid_until")
    op.drop_table("card_details")
    with op.batch_alter_table("dossier", schema=None) as batch_op:
        batch_op.drop_constraint("ck_dossier_permit", type_="check")
        batch_op.drop_index("ix_dossier_permit")
        batch_op.drop_column("permit")
