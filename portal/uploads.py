"""Uploads are hostile until checked: size, type sniffed from content, safe name, checksum.

Files are stored outside `static/` in the upload store (`portal.storage`: the folder
`UPLOAD_DIR` on a volume shared by every instance), named by a random identifier; the
name the user gave is kept only as data. `UPLOAD_SCANNER` (a callable taking the bytes and
returning an error text or None) is the hook for a virus scanner.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import filetype
from flask import Response, current_app, send_file
from flask_babel import format_decimal

from portal import storage, uploads_tx
from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.i18n import _
from portal.storage import check_key

KINDS = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
# The extension a download gets, from the type read in its content (first one preferred).
EXTENSIONS = {"application/pdf": (".pdf",), "image/jpeg": (".jpg", ".jpeg"), "image/png": (".png",)}
UNKNOWN = "application/octet-stream"


@dataclass(frozen=True)
class StoredFile:
    stored_name: str
    file_name: str
    sha256: str
    size: int
    mime: str


def safe_display_name(name: str) -> str:
    """Keep a readable name without path parts or control characters.

    `isprintable()` is False for every control (Cc) and format (Cf) character, so the bidi
    overrides and isolates (U+202A-202E, U+2066-2069), the marks (U+200E/F, U+061C) and
    the zero-width characters go: `invoice\u202efdp.exe` cannot pose as `invoiceexe.pdf`.
    """
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isprintable() and ch not in '<>:"|?*')
    return name.strip(". ")[:200] or "file"


def download_name(file_name: str, mime: str) -> str:
    """The uploader's name, cleaned, with the extension of the type sniffed from the content.

    `poly.html` holding a PDF downloads as `poly.pdf`; an unknown type as `.bin`. The last
    extension is the only one a system acts on, and it always matches the content.
    """
    name = safe_display_name(file_name)
    extensions = EXTENSIONS.get(mime, (".bin",))
    stem, dot, current = name.rpartition(".")
    if dot and stem and f".{current.lower()}" in extensions:
        return name
    stem = (stem if dot and stem else name).rstrip(". ")[:190] or "file"
    return stem + extensions[0]


def content_disposition(name: str, disposition: str = "attachment") -> str:
    """`attachment; filename="<ASCII>"; filename*=UTF-8''<percent-encoded>` (RFC 6266/5987)."""
    fallback = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    fallback = "".join(ch for ch in fallback if ch.isprintable() and ch not in '"\\%;')
    stem, dot, extension = name.rpartition(".")
    if not fallback.strip(". ") or (dot and fallback.strip(". ") == extension):
        fallback = f"file.{extension}" if dot else "file"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def send(stored_name: str, file_name: str) -> Response:
    """A stored file as a download: type and extension from its content, never cached."""
    try:
        handle = storage.storage().open(stored_name)
    except (OSError, ValueError):
        raise NotFound from None
    try:
        head = handle.read(8192)
        handle.seek(0)
    except OSError:
        handle.close()
        raise NotFound from None
    mime = sniff(head)
    if mime not in EXTENSIONS:
        mime = UNKNOWN
    # The response closes the file once it has been sent.
    response = send_file(handle, mimetype=mime, conditional=False, etag=False, max_age=0)
    if response.content_length is None:  # a real file: werkzeug does not ask its size
        with contextlib.suppress(OSError, AttributeError, ValueError):
            response.content_length = os.fstat(handle.fileno()).st_size
    response.headers["Content-Disposition"] = content_disposition(download_name(file_name, mime))
    response.headers["Cache-Control"] = "no-store"
    return response


def megabytes(size: int) -> str:
    """A size in MB, as the reader's locale writes it (10, 0.3, 2,5)."""
    return format_decimal(size / (1024 * 1024), format="#,##0.#")


def sniff(data: bytes) -> str | None:
    """The MIME type read from the content's signature, or None."""
    kind = filetype.guess(data[:8192])
    return kind.mime if kind else None


def store(
    data: bytes, file_name: str, allowed: tuple[str, ...], max_bytes: int, field: str = "file"
) -> StoredFile:
    """Check and store an upload; raise Invalid with a message for `field` otherwise.

    The bytes are staged in the upload store (`portal.storage`) and move into place only
    once the database transaction that records them commits; a rollback deletes them (see
    `portal.uploads_tx`).
    """
    if not data:
        raise Invalid({field: [_("The selected file is empty.")]})
    if len(data) > max_bytes:
        raise Invalid(
            {field: [_("The file is larger than %(size)s MB.", size=megabytes(max_bytes))]}
        )
    mime = sniff(data)
    if mime not in {KINDS[k] for k in allowed}:
        names = ", ".join(k.upper() for k in allowed)
        raise Invalid({field: [_("The file must be a %(kinds)s file.", kinds=names)]})
    scanner = current_app.config.get("UPLOAD_SCANNER")
    if scanner is not None:
        problem = scanner(data)
        if problem:
            raise Invalid({field: [_("The file was refused by the virus scanner.")]})
    stored_name = secrets.token_hex(16)
    uploads_tx.stage_on_commit(db.session(), storage.storage(), stored_name, data)
    return StoredFile(
        stored_name=stored_name,
        file_name=safe_display_name(file_name),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mime=mime,
    )


def discard(stored_name: str) -> None:
    """Delete a stored file once the transaction that drops its row commits."""
    uploads_tx.delete_key_on_commit(db.session(), storage.storage(), check_key(stored_name))


def discard_if_stored(stored_name: str | None) -> None:
    """`discard` the file a row names, when it names one of ours.

    Retention empties rows of every age: an imported or very old row may hold no stored
    name, or one the store never made, and then there is nothing to delete.
    """
    if stored_name and storage.KEY.fullmatch(stored_name):
        discard(stored_name)


def path_of(stored_name: str) -> Path:
    """The path of a stored file in UPLOAD_DIR (the folder store); the name is ours (hex)."""
    if not (len(stored_name) == 32 and all(c in "0123456789abcdef" for c in stored_name)):
        raise ValueError("not a stored file name")
    return Path(current_app.config["UPLOAD_DIR"]) / stored_name
