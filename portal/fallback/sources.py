"""Where incoming messages come from: a Maildir or an IMAP mailbox, behind one interface.

A source yields `Incoming` deliveries, each with a key that names that delivery for good
(the Maildir unique name; the IMAP UIDVALIDITY and UID), and is told `done()` only after
the outcome is committed. A Maildir message moves from new/ to cur/ (flag S); an IMAP
message gets the flags \\Seen and $PortalIntake. A crash in between leaves the message
where it was, and the next run finds its key already recorded.
"""

from __future__ import annotations

import contextlib
import imaplib
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

PROCESSED_KEYWORD = "$PortalIntake"


class Incoming(Protocol):
    key: str

    def open(self) -> BinaryIO: ...


class Source(Protocol):
    def items(self) -> Iterator[Incoming]: ...

    def done(self, item: Incoming) -> None: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class MaildirItem:
    key: str
    path: Path
    unique: str

    def open(self) -> BinaryIO:
        return self.path.open("rb")


class MaildirSource:
    """A Maildir (new/, cur/, tmp/), as Postfix, Dovecot or fetchmail write it."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.root = Path(path)
        self.new, self.cur = self.root / "new", self.root / "cur"
        if not self.new.is_dir():
            raise FileNotFoundError(f"{self.root} is not a Maildir (no new/ folder)")
        self.cur.mkdir(exist_ok=True)
        (self.root / "tmp").mkdir(exist_ok=True)

    def items(self) -> Iterator[MaildirItem]:
        # Unique names start with the delivery time, so sorting keeps the arrival order.
        for name in sorted(os.listdir(self.new)):
            if name.startswith("."):
                continue
            unique = name.split(":", 1)[0]
            # A name that is not UTF-8 (os.listdir escapes its bytes) still gets a key
            # the database can store; the file itself keeps its own name.
            key = "maildir:" + unique.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
            yield MaildirItem(key=key[:300], path=self.new / name, unique=unique)

    def done(self, item: MaildirItem) -> None:
        with contextlib.suppress(FileNotFoundError):  # another run moved it already
            os.replace(item.path, self.cur / f"{item.unique}:2,S")

    def close(self) -> None:
        return None


@dataclass(frozen=True)
class ImapItem:
    key: str
    uid: bytes
    data: bytes

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


@dataclass(frozen=True)
class ImapSettings:
    host: str
    user: str
    password: str
    port: int = 993
    folder: str = "INBOX"
    ssl: bool = True

    @classmethod
    def from_config(cls, config) -> ImapSettings | None:
        host = config.get("INTAKE_IMAP_HOST")
        if not host:
            return None
        return cls(
            host=host,
            user=config.get("INTAKE_IMAP_USER", ""),
            password=config.get("INTAKE_IMAP_PASSWORD", ""),
            port=int(config.get("INTAKE_IMAP_PORT", 993)),
            folder=config.get("INTAKE_IMAP_FOLDER", "INBOX"),
            ssl=str(config.get("INTAKE_IMAP_SSL", "1")) not in ("0", "false", "False"),
        )


class ImapSource:
    """An IMAP folder; messages not yet flagged $PortalIntake are new."""

    def __init__(
        self, settings: ImapSettings, connect: Callable[[ImapSettings], imaplib.IMAP4] | None = None
    ) -> None:
        self.settings = settings
        self.connection = (connect or self._connect)(settings)
        self.connection.login(settings.user, settings.password)
        status, _data = self.connection.select(_quote(settings.folder))
        if status != "OK":
            raise OSError(f"cannot open the IMAP folder {settings.folder!r}")
        _name, values = self.connection.response("UIDVALIDITY")
        self.uidvalidity = (values or [b"0"])[0]
        if isinstance(self.uidvalidity, bytes):
            self.uidvalidity = self.uidvalidity.decode()

    @staticmethod
    def _connect(settings: ImapSettings) -> imaplib.IMAP4:
        if settings.ssl:
            return imaplib.IMAP4_SSL(settings.host, settings.port, timeout=30)
        return imaplib.IMAP4(settings.host, settings.port, timeout=30)

    def items(self) -> Iterator[ImapItem]:
        status, data = self.connection.uid("SEARCH", None, "UNKEYWORD", PROCESSED_KEYWORD)
        if status != "OK":
            raise OSError("IMAP search failed")
        for uid in (data[0] or b"").split():
            status, fetched = self.connection.uid("FETCH", uid, "(BODY.PEEK[])")
            if status != "OK":
                raise OSError(f"IMAP fetch of {uid!r} failed")
            raw = next((part[1] for part in fetched if isinstance(part, tuple)), None)
            if raw is None:
                continue  # expunged meanwhile
            key = f"imap:{self.settings.host}/{self.settings.folder}:{self.uidvalidity}:{uid.decode()}"
            yield ImapItem(key=key, uid=uid, data=raw)

    def done(self, item: ImapItem) -> None:
        self.connection.uid("STORE", item.uid, "+FLAGS", f"(\\Seen {PROCESSED_KEYWORD})")

    def close(self) -> None:
        with contextlib.suppress(OSError, imaplib.IMAP4.error):
            self.connection.logout()


def _quote(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else '"' + folder + '"'
