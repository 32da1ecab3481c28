"""speed-b: issued letters kept with their hash; the helpdesk desk a page at a time

Revision ID: 20261202_speedb
Revises: 20261203_reta
Create Date: 2026-12-02 17:00:00

`issued_letter`: a receipt or decision letter as rendered once when issued, where its bytes
are kept (`stored_name`, in the upload store) and their SHA-256 (portal/dossiers/letters/
stored.py). No existing rows: letters issued before are rendered on their first download.
`ix_helpdesk_ticket_desk`: the desk's keyset order (status, longest waiting, id), declared
in portal/fallback/tickets.py.
"""

import sqlalchemy as sa
from alembic import op

revision = "20261202_speedb"
down_revision = "20261203_reta"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "issued_letter",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dossier_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("stored_name", sa.String(length=80), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["dossier_id"], ["dossier.id"], name=op.f("fk_issued_letter_dossier_id_dossier")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issued_letter")),
        sa.UniqueConstraint(
            "dossier_id", "kind", "locale", name="uq_issued_letter_dossier_kind"
        ),
    )
    with op.batch_alter_table("helpdesk_ticket", schema=None) as batch_op:
        batch_op.create_index(
            "ix_helpdesk_ticket_desk", ["status", "updated_at", "id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("helpdesk_ticket", schema=None) as batch_op:
        batch_op.drop_index("ix_helpdesk_ticket_desk")
    op.drop_table("issued_letter")
