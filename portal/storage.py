"""Where uploads are kept: a small interface, with a shared folder as its implementation.

Every web instance and worker must see the same files, so the store is either a folder on
a volume they all mount (`UPLOAD_DIR`: NFS, CephFS, a cloud file share) or an object store
behind the same interface. The portal names a stored file by a key of its own making (32
hex characters; never the uploader's name) and only ever:

- `put(key, data)`: store the bytes whole; a reader sees the old bytes, or the new ones,
  never part of them;
- `open(key)`: a binary file object (FileNotFoundError when there is none);
- `exists(key)`, `delete(key)` (no error when it is already gone);
- and, for the two-step write that follows the database transaction
  (`portal.uploads_tx`): `stage(key, data)` keeps the bytes beside the final name,
  `promote(key)` moves them into place (True when they were there), `unstage(key)` drops
  them.

`FileStorage` writes to a temporary file in the same folder, fsyncs it, renames it into
place with `os.replace` (atomic on one file system, NFS included) and fsyncs the folder,
so a crash or a concurrent reader never meets a half-written file.

`S3Storage` (`UPLOAD_STORAGE=s3`, needs boto3: `pip install .[s3]`) keeps them in a
bucket of any S3-compatible store (AWS, MinIO, Ceph RGW, …): `put` is one PUT (an object
is replaced whole, and S3 reads are strongly consistent), `stage` a PUT under
`<key>.part`, `promote` a server-side copy and a delete, `open` a GET. It is tested
against moto's in-process S3 (no network here), not against a real store: try it on
yours before relying on it. Any other store plugs in as
`app.extensions["upload_storage"] = MyStorage(...)` in a plug-in's `init_app`.

Two parts still read the folder `UPLOAD_DIR` directly, so keep it on a shared volume even
with S3: the upload sweep (`portal.uploads_sweep`: on S3 use a lifecycle rule that expires
`*.part` objects after a day instead) and the raw incoming mail
(`portal.fallback.rawstore`).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import secrets
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

KEY = re.compile(r"[0-9a-f]{32}")
PART = ".part"
_TEMPORARY = ".tmp-"


class Storage(Protocol):
    def put(self, key: str, data: bytes) -> None: ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...
    def stage(self, key: str, data: bytes) -> None: ...
    def promote(self, key: str) -> bool: ...
    def unstage(self, key: str) -> None: ...


def check_key(key: str) -> str:
    """Only keys the portal makes: a path part of a user's can never get in."""
    if not isinstance(key, str) or not KEY.fullmatch(key):
        raise ValueError("not a storage key")
    return key


def _fsync_folder(folder: Path) -> None:
    """Make a rename durable (the folder's entry); not every system can open a folder."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


class FileStorage:
    """Files in one folder, on a volume every instance mounts."""

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)

    def path(self, key: str) -> Path:
        return self.root / check_key(key)

    def part_path(self, key: str) -> Path:
        return self.root / (check_key(key) + PART)

    def _write(self, final: Path, data: bytes) -> None:
        """Bytes to a fresh temporary name, fsync, then one atomic rename onto `final`."""
        self.root.mkdir(parents=True, exist_ok=True)
        temporary = self.root / f"{_TEMPORARY}{secrets.token_hex(8)}"
        try:
            with open(temporary, "xb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, final)
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        _fsync_folder(self.root)

    def put(self, key: str, data: bytes) -> None:
        self._write(self.path(key), data)

    def open(self, key: str) -> BinaryIO:
        return open(self.path(key), "rb")  # noqa: SIM115 - the caller closes it

    def exists(self, key: str) -> bool:
        return self.path(key).is_file()

    def delete(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.path(key).unlink()

    def stage(self, key: str, data: bytes) -> None:
        # Straight to `<key>.part`: nobody reads a .part, and its row (which alone lets it
        # be promoted, by the commit or the sweep) commits only after this has returned.
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.part_path(key), "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())

    def promote(self, key: str) -> bool:
        try:
            os.replace(self.part_path(key), self.path(key))
        except FileNotFoundError:
            return False  # already moved (by the sweep) or never written
        _fsync_folder(self.root)
        return True

    def unstage(self, key: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            self.part_path(key).unlink()


class S3Storage:
    """Objects in one bucket of an S3-compatible store, under an optional prefix."""

    def __init__(self, bucket: str, *, prefix: str = "", client=None, **client_options):
        if client is None:
            import boto3  # only this store needs it (the `s3` extra)

            client = boto3.client("s3", **client_options)
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _name(self, key: str, *, part: bool = False) -> str:
        return f"{self.prefix}{check_key(key)}{PART if part else ''}"

    @staticmethod
    def _missing(error: Exception) -> bool:
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        return code in {"404", "NoSuchKey", "NotFound"}

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key), Body=data)

    def open(self, key: str) -> BinaryIO:
        name = self._name(key)
        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        except Exception as error:
            if self._missing(error):
                raise FileNotFoundError(name) from None
            raise
        with contextlib.closing(answer["Body"]) as body:
            return io.BytesIO(body.read())  # uploads are bounded (DOCUMENT_MAX_BYTES)

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except Exception as error:
            if self._missing(error):
                return False
            raise
        return True

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))  # no error if gone

    def stage(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._name(key, part=True), Body=data)

    def promote(self, key: str) -> bool:
        staged = self._name(key, part=True)
        try:
            self.client.copy_object(
                Bucket=self.bucket,
                Key=self._name(key),
                CopySource={"Bucket": self.bucket, "Key": staged},
            )
        except Exception as error:
            if self._missing(error):
                return False
            raise
        self.client.delete_object(Bucket=self.bucket, Key=staged)
        return True

    def unstage(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key, part=True))


def storage() -> Storage:
    """The app's upload store: a plug-in's own, else the one UPLOAD_STORAGE names."""
    custom = current_app.extensions.get("upload_storage")
    if custom is not None:
        return custom
    config = current_app.config
    kind = config.get("UPLOAD_STORAGE", "file")
    if kind == "file":
        return FileStorage(config["UPLOAD_DIR"])
    if kind == "s3":
        settings = (
            config["UPLOAD_S3_BUCKET"],
            config.get("UPLOAD_S3_PREFIX", ""),
            config.get("UPLOAD_S3_ENDPOINT") or None,
        )
        if not settings[0]:
            raise RuntimeError("UPLOAD_STORAGE=s3 needs UPLOAD_S3_BUCKET")
        cached = current_app.extensions.get("upload_storage_s3")
        if cached is None or cached[0] != settings:
            bucket, prefix, endpoint = settings
            store = S3Storage(bucket, prefix=prefix, endpoint_url=endpoint)
            current_app.extensions["upload_storage_s3"] = cached = (settings, store)
        return cached[1]
    raise RuntimeError(
        f"UPLOAD_STORAGE={kind!r}: use 'file' or 's3', or register a store as "
        "app.extensions['upload_storage'] (see portal/storage.py)"
    )
