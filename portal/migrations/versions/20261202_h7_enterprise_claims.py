"""enterprise claims: an organisation's claim to its KBO number, contests, requests to join

Existing organisations are grandfathered: each gets a proven claim (proven_by 'legacy').
When a claim lapses or is revoked, the organisation's number is replaced by a released
marker ('X' and nine digits, never a KBO number); the claim keeps the real number. The
organisation table itself is not altered (rebuilding it on SQLite would break the foreign
keys that point at it).

Revision ID: 7c1a1a1d07e7
Revises: c4c70fbec13a
Create Date: 2026-12-02 10:45:00

"""

import sqlalchemy as sa
from alembic import op

revision = "7c1a1a1d07e7"
down_revision = "c4c70fbec13a"
branch_labels = None
depends_on = None

CLAIM_STATUS = ("pending", "proven", "rejected", "expired")
PROOF_KIND = ("kbo_extract", "power_of_attorney")
CONTEST_STATUS = ("open", "upheld", "dismissed")


def _in(column, values, nullable=False):
    condition = f"{column} IN ({', '.join(repr(v) for v in values)})"
    return f"{column} IS NULL OR {condition}" if nullable else condition


def _enum(values, name):
    return sa.Enum(*values, name=name, native_enum=False, length=20)


def upgrade():
    op.create_table(
        "organisation_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("claimant_id", sa.Integer(), nullable=True),
        sa.Column("kbo_number", sa.String(length=10), nullable=False),
        sa.Column("status", _enum(CLAIM_STATUS, "claimstatus"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proof_kind", _enum(PROOF_KIND, "proofkind"), nullable=True),
        sa.Column("proof_file_name", sa.String(length=200), nullable=True),
        sa.Column("proof_stored_name", sa.String(length=80), nullable=True),
        sa.Column("proof_sha256", sa.String(length=64), nullable=True),
        sa.Column("proof_size", sa.Integer(), nullable=True),
        sa.Column("proof_uploaded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("proven_by", sa.String(length=20), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("status", CLAIM_STATUS), name=op.f("ck_organisation_claim_status")),
        sa.CheckConstraint(
            _in("proof_kind", PROOF_KIND, nullable=True),
            name=op.f("ck_organisation_claim_proof_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["claimant_id"],
            ["user_account.id"],
            name=op.f("fk_organisation_claim_claimant_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_organisation_claim_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_organisation_claim_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_organisation_claim")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_organisation_claim_organisation_id")),
    )
    with op.batch_alter_table("organisation_claim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_organisation_claim_kbo_number"), ["kbo_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_organisation_claim_status"), ["status"], unique=False)

    op.create_table(
        "claim_contest",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kbo_number", sa.String(length=10), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("phone", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("locale", sa.String(length=2), nullable=False),
        sa.Column("proof_file_name", sa.String(length=200), nullable=False),
        sa.Column("proof_stored_name", sa.String(length=80), nullable=False),
        sa.Column("proof_sha256", sa.String(length=64), nullable=False),
        sa.Column("proof_size", sa.Integer(), nullable=False),
        sa.Column("status", _enum(CONTEST_STATUS, "conteststatus"), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("status", CONTEST_STATUS), name=op.f("ck_claim_contest_status")),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["organisation_claim.id"],
            name=op.f("fk_claim_contest_claim_id_organisation_claim"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_claim_contest_decided_by_id_user_account"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_contest")),
    )
    with op.batch_alter_table("claim_contest", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_claim_contest_kbo_number"), ["kbo_number"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_claim_contest_status"), ["status"], unique=False)

    op.create_table(
        "membership_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organisation_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("status", _enum(CLAIM_STATUS, "claimstatus"), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(_in("status", CLAIM_STATUS), name=op.f("ck_membership_claim_status")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["user_account.id"],
            name=op.f("fk_membership_claim_decided_by_id_user_account"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_membership_claim_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["user_account.id"], name=op.f("fk_membership_claim_user_id_user_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_membership_claim")),
        sa.UniqueConstraint("user_id", name=op.f("uq_membership_claim_user_id")),
    )
    with op.batch_alter_table("membership_claim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_membership_claim_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_membership_claim_status"), ["status"], unique=False)

    # Organisations registered before claims existed keep filing: their claim is proven.
    op.execute(
        "INSERT INTO organisation_claim (organisation_id, kbo_number, status, proven_by,"
        " created_at, updated_at)"
        " SELECT id, kbo_number, 'proven', 'legacy', created_at, created_at FROM organisation"
    )


def downgrade():
    with op.batch_alter_table("membership_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_membership_claim_status"))
        batch_op.drop_index(batch_op.f("ix_membership_claim_organisation_id"))
    op.drop_table("membership_claim")
    with op.batch_alter_table("claim_contest", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_claim_contest_status"))
        batch_op.drop_index(batch_op.f("ix_claim_contest_kbo_number"))
    op.drop_table("claim_contest")
    with op.batch_alter_table("organisation_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_organisation_claim_status"))
        batch_op.drop_index(batch_op.f("ix_organisation_claim_kbo_number"))
    op.drop_table("organisation_claim")
