"""Messages for the mail-intake tests, as the common mail clients write them.

The `.eml` files here were written by hand after real messages of Outlook (with
winmail.dat), Thunderbird, Gmail and Apple Mail, and after hostile ones. A proof code
depends on the proof's id, address and expiry, so the files hold placeholders
(`{{CODE}}`, ...) that `load()` fills in. `tnef()` is how the winmail.dat in
`outlook_winmail.eml` was made (tnefparse reads; nothing writes TNEF, so we do).
"""

from __future__ import annotations

import struct
from pathlib import Path

HERE = Path(__file__).resolve().parent

# The smallest files the upload checks accept (sniffed by their signatures).
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89" + b"\x00" * 32
)

# --- TNEF (winmail.dat) -------------------------------------------------------------

TNEF_SIGNATURE = 0x223E9F78
LVL_MESSAGE, LVL_ATTACHMENT = 1, 2
ATT_MESSAGE_CLASS, ATT_MAPI_PROPS, ATT_VERSION, ATT_CODEPAGE = 0x8008, 0x9003, 0x9006, 0x9007
ATT_REND_DATA, ATT_TITLE, ATT_DATA, ATT_ATTACHMENT = 0x9002, 0x8010, 0x800F, 0x9005
MAPI_STRING, MAPI_UNICODE = 0x001E, 0x001F
PR_BODY, PR_ATTACH_LONG_FILENAME = 0x1000, 0x3707


def _attribute(level: int, name: int, kind: int, data: bytes) -> bytes:
    checksum = sum(data) & 0xFFFF
    return struct.pack("<BHHI", level, name, kind, len(data)) + data + struct.pack("<H", checksum)


def _mapi_string(kind: int, tag: int, value: bytes) -> bytes:
    padding = b"\x00" * (-len(value) % 4)
    return struct.pack("<HHII", kind, tag, 1, len(value)) + value + padding


def tnef(attachments: list[tuple[str, bytes]], body: str = "") -> bytes:
    """A winmail.dat as Outlook writes it: 8.3 title, data, and the long name in MAPI."""
    out = struct.pack("<IH", TNEF_SIGNATURE, 0x5A3C)
    out += _attribute(LVL_MESSAGE, ATT_VERSION, 0x0008, struct.pack("<I", 0x00010000))
    out += _attribute(LVL_MESSAGE, ATT_CODEPAGE, 0x0006, struct.pack("<II", 1252, 0))
    out += _attribute(LVL_MESSAGE, ATT_MESSAGE_CLASS, 0x0007, b"IPM.Microsoft Mail.Note\x00")
    props = struct.pack("<I", 1) + _mapi_string(MAPI_STRING, PR_BODY, body.encode("cp1252") + b"\0")
    out += _attribute(LVL_MESSAGE, ATT_MAPI_PROPS, 0x0006, props)
    for number, (name, data) in enumerate(attachments, start=1):
        short = f"ATTACH~{number}.PDF".encode() + b"\x00"
        long_name = name.encode("utf-16-le") + b"\x00\x00"
        out += _attribute(
            LVL_ATTACHMENT, ATT_REND_DATA, 0x0006, struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 1)
        )
        out += _attribute(LVL_ATTACHMENT, ATT_TITLE, 0x0001, short)
        out += _attribute(LVL_ATTACHMENT, ATT_DATA, 0x0006, data)
        mapi = struct.pack("<I", 1) + _mapi_string(MAPI_UNICODE, PR_ATTACH_LONG_FILENAME, long_name)
        out += _attribute(LVL_ATTACHMENT, ATT_ATTACHMENT, 0x0006, mapi)
    return out


# --- the messages ------------------------------------------------------------------

# Who sends the realistic messages, and in which language they write.
SENDERS = {
    "outlook_winmail": ("jan.peeters@bouwbedrijf-peeters.be", "nl"),
    "thunderbird_rfc2231": ("sophie.dubois@transports-dubois.be", "fr"),
    "gmail_encoded_names": ("klaus.weber.eupen@gmail.com", "de"),
    "applemail_forwarded": ("emily.clarke@clarke-logistics.be", "en"),
    "outlook_signature_logo": ("an.maes@zorgnet-gent.be", "nl"),
}


def load(name: str, **values: str) -> bytes:
    """The message `name`.eml with its `{{PLACEHOLDERS}}` filled in."""
    data = (HERE / f"{name}.eml").read_bytes()
    for key, value in values.items():
        data = data.replace(b"{{" + key.encode() + b"}}", value.encode())
    assert b"{{" not in data, f"{name}: unfilled placeholder"
    return data


def deliver(maildir: Path, data: bytes, unique: str) -> Path:
    """Put a message in maildir/new as an MTA does (write in tmp/, then rename)."""
    for folder in ("new", "cur", "tmp"):
        (maildir / folder).mkdir(parents=True, exist_ok=True)
    temporary = maildir / "tmp" / unique
    temporary.write_bytes(data)
    target = maildir / "new" / unique
    temporary.rename(target)
    return target


# --- proofs for the messages ---------------------------------------------------------


def make_proof(agent, email: str, *, organisation=None, days: int = 5, today=None, locale="en"):
    """A ticket from `email` and a proof issued on it by `agent` (`tests.factories.proof`)."""
    from tests.factories import proof

    return proof(agent, email, organisation=organisation, days=days, today=today, locale=locale)
