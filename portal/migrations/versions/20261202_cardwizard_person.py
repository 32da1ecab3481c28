"""card-wizard: an entrepreneur's identity (card_person) and the kind of a mandate

Revision ID: 20261202_card_wizard
Revises: 20261202_cardcore
Create Date: 2026-12-02 17:00:00

An entrepreneur registers without an organisation: their identity, residence document and
address live in card_person. A mandate is for single permits of a foreign employer
(every existing mandate, server default) or for a professional card of a named person.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_card_wizard"
down_revision = "20261202_cardcore"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("mandate", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum(
                    "employer", "professional_card", name="mandatekind", native_enum=False,
                    length=20,
                ),
                nullable=False,
                server_default="employer",
            )
        )
    op.create_table(
        "card_person",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("first_name", sa.String(length=100), nullable=False),
        sa.Column("last_name", sa.String(length=100), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column(
            "residence_document",
            sa.Enum(
                "a_card", "h_card", "i_card", "j_card", "diplomatic_id", "annex_3",
                "immatriculation", "none", name="residencedocument", native_enum=False,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("residence_valid_until", sa.Date(), nullable=True),
        sa.Column("address_street", sa.String(length=200), nullable=False),
        sa.Column("address_postal_code", sa.String(length=10), nullable=False),
        sa.Column("address_city", sa.String(length=100), nullable=False),
        sa.Column("address_country", sa.String(length=2), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"]),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade():
    op.drop_table("card_person")
    with op.batch_alter_table("mandate", schema=None) as batch_op:
        batch_op.drop_column("kind")
