"""officer search keys, reason codes, index for the expected decision date

Revision ID: j4search0001
Revises: 20261202_h1
Create Date: 2026-12-02 11:30:00

- Search keys (case- and accent-folded, see portal/textsearch.py) of the worker's names and
  the organisation's name, each indexed, so a prefix search is an index range scan.
- Reasons as codes: `dossier.flemish_reason_codes` and `status_event.reason_codes`; the
  portal's own reasons, stored until now as translated (Dutch) sentences, become codes.
- (category, flemish_decision_on) for the expected decision date.
"""

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "j4search0001"
down_revision = "20261202_h1"
branch_labels = None
depends_on = None

_FOLD = str.maketrans(
    {"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d"}
    | {"Đ": "d", "ı": "i", "ß": "ss", "þ": "th", "ð": "d"}
)


def _key(text, limit):
    """A frozen copy of portal.textsearch.key as of this revision."""
    if not text:
        return None
    kept = []
    for char in unicodedata.normalize("NFKD", text.translate(_FOLD)):
        category = unicodedata.category(char)
        if category == "Mn":
            continue
        kept.append(" " if category[0] in "CZ" else char)
    return " ".join("".join(kept).casefold().split())[:limit] or None


def _backfill(table, columns, limit):
    bind = op.get_bind()
    names = [name for pair in columns for name in pair]  # the sources read, the keys written
    t = sa.table(table, sa.column("id"), *(sa.column(name) for name in names))
    last = 0
    while True:
        rows = bind.execute(
            sa.select(t).where(t.c.id > last).order_by(t.c.id).limit(2000)
        ).fetchall()
        if not rows:
            break
        for row in rows:
            values = {target: _key(getattr(row, source), limit) for source, target in columns}
            bind.execute(t.update().where(t.c.id == row.id).values(**values))
        last = rows[-1].id


def _key_type(length):
    # Binary ("C") collation on PostgreSQL: prefix ranges in code point order, as in SQLite.
    return sa.String(length).with_variant(sa.String(length, collation="C"), "postgresql")


def upgrade():
    with op.batch_alter_table("dossier") as batch:
        batch.add_column(sa.Column("worker_first_key", _key_type(100), nullable=True))
        batch.add_column(sa.Column("worker_last_key", _key_type(100), nullable=True))
        batch.add_column(sa.Column("flemish_reason_codes", sa.String(400), nullable=True))
        batch.create_index(batch.f("ix_dossier_worker_first_key"), ["worker_first_key"])
        batch.create_index(batch.f("ix_dossier_worker_last_key"), ["worker_last_key"])
        batch.create_index("ix_dossier_category_decided", ["category", "flemish_decision_on"])
    with op.batch_alter_table("organisation") as batch:
        batch.add_column(sa.Column("name_key", _key_type(200), nullable=True))
        batch.create_index(batch.f("ix_organisation_name_key"), ["name_key"])
    with op.batch_alter_table("status_event") as batch:
        batch.add_column(sa.Column("reason_codes", sa.String(400), nullable=True))

    _backfill(
        "dossier",
        [("worker_first_name", "worker_first_key"), ("worker_last_name", "worker_last_key")],
        100,
    )
    _backfill("organisation", [("name", "name_key")], 200)
    event = sa.table(
        "status_event",
        sa.column("from_status"),
        sa.column("to_status"),
        sa.column("actor_id"),
        sa.column("api_client_id"),
        sa.column("reason"),
        sa.column("reason_codes"),
    )
    op.execute(
        event.update()
        .where(event.c.from_status == "info_requested", event.c.to_status == "submitted")
        .values(reason_codes="info_provided", reason=None)
    )
    op.execute(
        event.update()
        .where(
            event.c.to_status == "forwarded",
            event.c.actor_id.is_(None),
            event.c.api_client_id.is_(None),
        )
        .values(reason_codes="auto_forwarded", reason=None)
    )


def downgrade():
    with op.batch_alter_table("status_event") as batch:
        batch.drop_column("reason_codes")
    with op.batch_alter_table("organisation") as batch:
        batch.drop_index(batch.f("ix_organisation_name_key"))
        batch.drop_column("name_key")
    with op.batch_alter_table("dossier") as batch:
        batch.drop_index("ix_dossier_category_decided")
        batch.drop_index(batch.f("ix_dossier_worker_last_key"))
        batch.drop_index(batch.f("ix_dossier_worker_first_key"))
        batch.drop_column("flemish_reason_codes")
        batch.drop_column("worker_last_key")
        batch.drop_column("worker_first_key")
