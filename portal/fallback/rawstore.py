"""Incoming mail is kept raw before anything reads it: UPLOAD_DIR/intake/<sha256>.

Content-addressed, so a second delivery of the same bytes takes no more room, and written
through a temporary file, fsync and an atomic rename, so a crash leaves either the whole
message or nothing under its name.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path
from typing import BinaryIO

from flask import current_app

CHUNK = 1024 * 1024


def folder() -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / "intake"


def path_of(sha256: str) -> Path:
    """The stored message with this hash; the name is ours (hex), never the sender's."""
    if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
        raise ValueError("not a content hash")
    return folder() / sha256


def keep(stream: BinaryIO) -> tuple[str, int]:
    """Store the bytes under their SHA-256 (once; atomically); return (sha256, size)."""
    target = folder()
    target.mkdir(parents=True, exist_ok=True)
    temporary = target / f".incoming-{secrets.token_hex(8)}"
    digest, size = hashlib.sha256(), 0
    try:
        with temporary.open("wb") as out:
            while chunk := stream.read(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        final = target / digest.hexdigest()
        if final.exists():
            temporary.unlink()
        else:
            os.replace(temporary, final)
    finally:
        temporary.unlink(missing_ok=True)
    return digest.hexdigest(), size
