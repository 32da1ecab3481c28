"""Sweep UPLOAD_DIR (the folder store): finish interrupted moves, delete what no row names.

A stored file is referenced by a column named `stored_name` or ending in `_stored_name`,
in any table of the metadata (so a plug-in's uploads count as soon as its models are
loaded). Only names the portal makes are ever touched: `<32 hex>` and `<32 hex>.part` at
the top of UPLOAD_DIR; subfolders (the raw incoming mail in `intake/`) are left alone.

Files younger than the grace period are kept whatever they are: they may belong to a
transaction that has not committed yet.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import select

from portal.extensions import db
from portal.storage import FileStorage, storage
from portal.uploads_tx import PART, finish

STORED = re.compile(r"^[0-9a-f]{32}$")
DEFAULT_GRACE = 3600


@dataclass
class SweepResult:
    kept: int = 0
    recent: int = 0
    finished: int = 0  # committed rows whose .part had not been moved yet
    temporary: list[Path] = field(default_factory=list)  # stale .part files
    orphans: list[Path] = field(default_factory=list)  # stored files no row names
    missing: int = 0  # rows whose file is not on disk

    @property
    def removed(self) -> int:
        return len(self.temporary) + len(self.orphans)


def reference_columns() -> list:
    return [
        column
        for table in db.metadata.sorted_tables
        for column in table.columns
        if column.name == "stored_name" or column.name.endswith("_stored_name")
    ]


def referenced_names() -> set[str]:
    names: set[str] = set()
    for column in reference_columns():
        names.update(n for n in db.session.scalars(select(column).where(column.isnot(None))))
    return names


def sweep(*, dry_run: bool = False, grace: float = DEFAULT_GRACE) -> SweepResult:
    """Clean UPLOAD_DIR; with `dry_run`, only count. It writes no row."""
    store = storage()
    result = SweepResult()
    if not isinstance(store, FileStorage):
        # An object store: its stale `.part` objects expire by the bucket's lifecycle rule.
        return result
    folder = store.root
    if not folder.is_dir():
        return result
    # List the folder before reading the rows: a file moves in only after its row
    # commits, so any file listed here whose row exists is seen by the query below.
    listed = []
    for entry in folder.iterdir():
        name = entry.name.removesuffix(PART)
        if not STORED.match(name):
            continue
        try:
            if entry.is_file():
                listed.append((entry, name, entry.name.endswith(PART), entry.stat().st_mtime))
        except FileNotFoundError:
            continue  # moved into place (or deleted) while we looked
    referenced = referenced_names()
    cutoff = time.time() - grace
    on_disk = set()
    for entry, name, temporary, mtime in listed:
        if temporary and name in referenced:
            # The row committed but the process died before the rename: finish it.
            result.finished += 1
            if not dry_run:
                finish(entry.with_name(name))
            on_disk.add(name)
            continue
        if not temporary and name in referenced:
            result.kept += 1
            on_disk.add(name)
            continue
        if mtime > cutoff:
            result.recent += 1
            continue
        (result.temporary if temporary else result.orphans).append(entry)
        if not dry_run:
            entry.unlink(missing_ok=True)
    result.missing = len(referenced - on_disk)
    return result
