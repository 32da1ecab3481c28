"""The audit trail: entries are written without a lock and sealed into the chain in order."""

from __future__ import annotations

from sqlalchemy import func, select, text

from portal import audit, clock
from portal.audit import AuditEntry, AuditHead
from portal.extensions import db


def _unsealed(action: str, detail: str) -> AuditEntry:
    """An entry as a writer leaves it when another transaction holds the seal."""
    entry = AuditEntry(action=action, detail=detail, at=clock.now())
    db.session.add(entry)
    db.session.flush()
    return entry


def test_a_written_entry_is_sealed_at_once_when_nobody_else_seals(db_session):
    entry = audit.record("probe", detail="now")
    db_session.flush()
    assert entry.seq is not None and len(entry.hash) == 64
    previous = db_session.scalar(select(AuditEntry).where(AuditEntry.seq == entry.seq - 1))
    assert previous is None or entry.prev_hash == previous.hash


def test_entries_left_unsealed_are_chained_by_the_next_seal_in_order(db_session):
    first = _unsealed("probe", "first")
    second = _unsealed("probe", "second")
    assert first.hash is None and second.seq is None
    third = audit.record("probe", detail="third")  # seals the waiting ones, then itself
    db_session.flush()
    assert first.seq < second.seq < third.seq
    assert second.prev_hash == first.hash and third.prev_hash == second.hash
    assert audit.verify().intact


def test_the_chain_follows_seal_order_not_id_order(db_session):
    # On PostgreSQL a lower id can commit after a higher one was sealed.
    late = _unsealed("probe", "late commit, lower id")
    early = _unsealed("probe", "early commit, higher id")
    late.seq = None
    db_session.flush()
    head = db_session.scalar(select(AuditHead))
    # Seal only the higher id first, as a sealer that cannot yet see the lower one would.
    last_seq = db_session.scalar(select(func.max(AuditEntry.seq))) or 0
    early.seq, early.prev_hash = last_seq + 1, head.last_hash
    early.hash = audit._digest(head.last_hash, early)
    head.last_hash, head.count = early.hash, head.count + 1
    db_session.flush()
    assert audit.seal() == 1
    assert late.seq > early.seq and late.prev_hash == early.hash
    report = audit.verify()
    assert report.intact


def test_verify_seals_what_waits_and_counts_every_entry(db_session):
    _unsealed("probe", "waiting")
    report = audit.verify()
    assert report.intact
    assert report.entries == db_session.scalar(select(func.count(AuditEntry.id)))


def test_a_changed_sealed_entry_breaks_the_chain(db_session):
    audit.record("probe", detail="one")
    target = audit.record("probe", detail="two")
    audit.record("probe", detail="three")
    db_session.flush()
    db_session.execute(
        text("UPDATE audit_entry SET detail = 'forged' WHERE id = :id"), {"id": target.id}
    )
    db_session.expire_all()
    report = audit.verify()
    assert not report.intact and report.first_broken_id == target.id


def test_a_removed_sealed_entry_breaks_the_chain(db_session):
    audit.record("probe", detail="one")
    target = audit.record("probe", detail="two")
    after = audit.record("probe", detail="three")
    db_session.flush()
    db_session.execute(text("DELETE FROM audit_entry WHERE id = :id"), {"id": target.id})
    db_session.expire_all()
    report = audit.verify()
    assert not report.intact and report.first_broken_id == after.id


def test_the_seal_command_chains_what_waits(app, db_session):
    _unsealed("probe", "waiting")
    result = app.test_cli_runner().invoke(args=["audit", "seal"])
    assert result.exit_code == 0 and "1 entries sealed" in result.output
    assert db_session.scalar(select(func.count()).where(AuditEntry.seq.is_(None))) == 0


def test_the_migration_seals_what_waits_on_the_way_down_and_keeps_the_chain(tmp_path):
    from flask_migrate import downgrade, upgrade

    from portal import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'migrate.sqlite'}",
            "UPLOAD_DIR": str(tmp_path / "uploads"),
        }
    )
    with app.app_context():
        upgrade()
        audit.record("probe", detail="sealed")
        _unsealed("probe", "waiting")
        db.session.commit()
        downgrade(revision="c4c70fbec13a")
        rows = db.session.execute(
            text("SELECT id, prev_hash, hash FROM audit_entry ORDER BY id")
        ).all()
        assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
        assert all(r.hash for r in rows)
        db.session.commit()  # on SQLite even a read holds the database (BEGIN IMMEDIATE)
        upgrade()
        db.session.expire_all()
        report = audit.verify()
        assert report.intact and report.entries == 2
        db.session.remove()
        db.engine.dispose()


def test_a_recorded_entry_is_written_once_with_its_place_in_the_chain(db_session):
    """Chained as it is added: one INSERT that carries its seq and hash, never an INSERT
    and then an UPDATE of the entry; and the chain's state is asked in one statement."""
    from tests.support import statements_sent

    audit.seal()
    db_session.flush()
    with statements_sent() as sent:
        entry = audit.record("probe", detail="once")
        db_session.flush()
    statements = [" ".join(statement.split()) for statement in sent]
    on_entries = [s for s in statements if "audit_entry" in s]
    inserts = [s for s in on_entries if s.startswith("INSERT INTO audit_entry")]
    assert len(inserts) == 1 and "seq" in inserts[0] and "hash" in inserts[0]
    assert not [s for s in on_entries if s.startswith("UPDATE audit_entry")]
    assert len([s for s in on_entries if s.startswith("SELECT")]) == 1
    assert entry.seq is not None and audit.verify().intact


def _latest() -> AuditEntry:
    return db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))


def test_an_audited_read_is_one_insert_and_one_head_update_with_no_orm_object(db_session):
    """Issue 15: the entry of a file view or download is chained as it is written, in one
    INSERT and one UPDATE of the head, and the session is left holding nothing of it."""
    from tests.support import statements_sent

    audit.seal()
    db_session.flush()
    held = len(db_session.identity_map)
    with statements_sent() as sent:
        audit.record_read("view", dossier_id=None, actor_id=None, detail="<b>ä</b>\u202e'; --")
    statements = [" ".join(statement.split()) for statement in sent]
    writes = [s for s in statements if not s.startswith("SELECT")]
    assert len(writes) == 2
    assert writes[0].startswith("INSERT INTO audit_entry (") and "seq" in writes[0]
    assert writes[1].startswith("UPDATE audit_head SET last_hash=")
    assert len(db_session.identity_map) == held and not db_session.new
    entry = _latest()
    assert (entry.action, entry.detail) == ("view", "<b>ä</b>\u202e'; --")
    assert entry.seq is not None and audit.verify().intact


def test_entries_of_both_kinds_in_one_transaction_make_one_unbroken_chain(db_session):
    """`record()` after `record_read()`: a head the ORM loaded before, and that something in
    the transaction still holds (here the test), must be read afresh, or the next entry
    would be chained from a hash that is no longer the latest."""
    first = audit.record("probe", detail="orm, loads the head")
    held = db_session.scalar(select(AuditHead))  # kept in the session's identity map
    audit.record_read("download", dossier_id=None, actor_id=None, detail="plain")
    second = audit.record("probe", detail="orm, after the plain write")  # not flushed yet
    audit.record_read("view", dossier_id=None, actor_id=None)  # flushes `second` first
    db_session.flush()
    rows = db_session.scalars(
        select(AuditEntry).where(AuditEntry.seq >= first.seq).order_by(AuditEntry.seq)
    ).all()
    assert [(r.action, r.detail) for r in rows] == [
        ("probe", "orm, loads the head"),
        ("download", "plain"),
        ("probe", "orm, after the plain write"),
        ("view", None),
    ]
    assert [r.prev_hash for r in rows[1:]] == [r.hash for r in rows[:-1]]
    assert second.prev_hash == rows[1].hash
    db_session.refresh(held)
    assert held.last_hash == rows[-1].hash and held.count >= len(rows)
    assert audit.verify().intact


def test_an_audited_read_seals_entries_waiting_before_it(db_session):
    waiting = _unsealed("probe", "left by a sealer that was busy")
    audit.record_read("view", dossier_id=None, actor_id=None, detail="after it")
    db_session.flush()
    entry = _latest()
    assert entry.detail == "after it" and waiting.seq == entry.seq - 1
    assert entry.prev_hash == waiting.hash and audit.verify().intact
