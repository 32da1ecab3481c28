"""worker: periodic jobs run once per period (scheduled_run), worker heartbeats

Revision ID: worker0001
Revises: j2unreg0001
Create Date: 2026-12-02 14:00:00

- `scheduled_run`: per periodic job, the last period it ran in to its end (portal/scheduler.py).
- `worker_heartbeat`: one row per running `flask worker`, read by /readyz (portal/worker.py).
"""

import sqlalchemy as sa
from alembic import op

revision = "worker0001"
down_revision = "life0001checks"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scheduled_run",
        sa.Column("job", sa.String(length=80), nullable=False),
        sa.Column("period", sa.String(length=40), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("worker", sa.String(length=200), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("job", name=op.f("pk_scheduled_run")),
    )
    op.create_table(
        "worker_heartbeat",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_worker_heartbeat")),
    )
    op.create_index(
        op.f("ix_worker_heartbeat_last_seen"), "worker_heartbeat", ["last_seen"], unique=False
    )


def downgrade():
    op.drop_index(op.f("ix_worker_heartbeat_last_seen"), table_name="worker_heartbeat")
    op.drop_table("worker_heartbeat")
    op.drop_table("scheduled_run")
