"""The continuous `outbox run` also seals the audit trail and sweeps upload leftovers."""

from __future__ import annotations

import os
import time
from pathlib import Path

from portal import audit
from portal.cli import _housekeeping
from portal.extensions import db


def test_housekeeping_seals_waiting_entries_and_removes_old_orphans(app, db_session):
    entry = audit.record("housekeeping.test", detail="waiting to be sealed")
    db.session.flush()
    folder = Path(app.config["UPLOAD_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    orphan = folder / ("0123456789abcdef" * 2)
    orphan.write_bytes(b"left behind by a crash")
    old = time.time() - 2 * 24 * 3600
    os.utime(orphan, (old, old))
    _housekeeping()
    db.session.refresh(entry)
    assert entry.seq is not None and entry.hash
    assert audit.verify().intact
    assert not orphan.exists()
