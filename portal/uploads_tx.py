"""Files that follow the database transaction: written on commit, gone on rollback.

`stage_on_commit` stages the bytes at once in the upload store (`portal.storage`; in a
folder: `<key>.part` beside the final name, so the final rename is atomic) and remembers
them against the session's innermost transaction. When the outermost transaction commits,
every staged key is promoted into place; when a transaction or savepoint rolls back, what
was staged inside it is dropped. `delete_key_on_commit` is the mirror image: the file goes
only once the row that named it is gone for good. `write_on_commit` and
`delete_on_commit` do the same for a path in a folder.

A crash between the commit and the rename leaves a `.part` whose name a row refers to;
`flask --app wsgi uploads sweep` finishes that move, and deletes everything else that no
row refers to (see `portal.uploads_sweep`).
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from portal.storage import PART, FileStorage, Storage

_KEY = "portal.uploads_tx"


@dataclass
class _Pending:
    transaction: SessionTransaction
    store: Storage
    key: str
    write: bool  # True: staged bytes to promote on commit; False: a key to delete on commit


def part_path(path: Path) -> Path:
    return path.with_name(path.name + PART)


def stage_on_commit(session: Session, store: Storage, key: str, data: bytes) -> None:
    """Stage `data` under `key` now, and promote it when the session commits."""
    store.stage(key, data)
    try:
        _pending(session).append(_Pending(_current(session), store, key, write=True))
    except BaseException:
        store.unstage(key)
        raise


def delete_key_on_commit(session: Session, store: Storage, key: str) -> None:
    """Delete `key` once the session commits; a rollback keeps it."""
    _pending(session).append(_Pending(_current(session), store, key, write=False))


def write_on_commit(session: Session, path: Path, data: bytes) -> None:
    """Write `data` to `<path>.part` now, and move it to `path` when the session commits."""
    stage_on_commit(session, FileStorage(path.parent), path.name, data)


def delete_on_commit(session: Session, path: Path) -> None:
    """Delete `path` once the session commits; a rollback keeps it."""
    delete_key_on_commit(session, FileStorage(path.parent), path.name)


def _pending(session: Session) -> list[_Pending]:
    return session.info.setdefault(_KEY, [])


def _current(session: Session) -> SessionTransaction:
    transaction = session.get_nested_transaction() or session.get_transaction()
    if transaction is None:
        session.connection()  # begin, as the next statement would
        transaction = session.get_transaction()
    return transaction


def _inside(transaction: SessionTransaction | None, outer: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is outer:
            return True
        transaction = transaction.parent
    return False


def finish(path: Path) -> bool:
    """Move `<path>.part` into place; True when it was there to move."""
    try:
        os.replace(part_path(path), path)
    except FileNotFoundError:
        return False  # already moved (by the sweep) or never written
    return True


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    pending = session.info.get(_KEY)
    if not pending:
        return
    nested = session.get_nested_transaction()
    if nested is not None:
        # A savepoint was released: its files now belong to the enclosing transaction.
        for item in pending:
            if item.transaction is nested:
                item.transaction = nested.parent
        return
    session.info[_KEY] = []
    for item in pending:
        with contextlib.suppress(OSError):
            if item.write:
                item.store.promote(item.key)
            else:
                item.store.delete(item.key)


@event.listens_for(Session, "after_soft_rollback")
def _after_rollback(session: Session, previous: SessionTransaction) -> None:
    pending = session.info.get(_KEY)
    if not pending:
        return
    keep = []
    for item in pending:
        if _inside(item.transaction, previous):
            if item.write:
                with contextlib.suppress(OSError):
                    item.store.unstage(item.key)
        else:
            keep.append(item)
    session.info[_KEY] = keep


@event.listens_for(Session, "after_transaction_end")
def _after_end(session: Session, transaction: SessionTransaction) -> None:
    # The outermost transaction ended without a commit (closed, or its connection lost).
    if transaction.parent is not None or not session.info.get(_KEY):
        return
    _after_rollback(session, transaction)
