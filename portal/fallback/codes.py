"""Proof codes: `PRF-2B4-K7M-9XQ4HZRT`, short, readable aloud, and signed.

The three groups are the proof's id, its last valid day (days since 2020-01-01), and an
HMAC-SHA256 over (id, e-mail address, last day) keyed with `SECRET_KEY`, all written in
the reference alphabet (no 0/O, 1/I/L, U/V). `check()` needs no database: a made-up or
altered code, or one sent from another address, fails the signature; an expired one
fails on its own date. The database is asked afterwards (`portal.fallback.proofs`) for
what a code cannot know: that the proof exists, is unused and not revoked.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, timedelta

from portal.dossiers.references import ALPHABET

EPOCH = date(2020, 1, 1)
PREFIX = "PRF"
SIGNATURE_LENGTH = 8  # 30**8 ≈ 6.6e11 codes per (id, address, day): not guessable by mail
PATTERN = re.compile(
    rf"\b{PREFIX}-([{ALPHABET}]{{3,8}})-([{ALPHABET}]{{3}})-([{ALPHABET}]{{{SIGNATURE_LENGTH}}})\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Code:
    text: str
    proof_id: int
    expires_on: date


def _encode(number: int, width: int) -> str:
    digits = []
    while number:
        number, rest = divmod(number, len(ALPHABET))
        digits.append(ALPHABET[rest])
    return "".join(reversed(digits)).rjust(width, ALPHABET[0])


def _decode(text: str) -> int:
    number = 0
    for char in text:
        number = number * len(ALPHABET) + ALPHABET.index(char)
    return number


def normalise_email(address: str) -> str:
    return (address or "").strip().lower()


def _signature(secret: str, proof_id: int, email: str, day_number: int) -> str:
    message = f"fallback-proof|{proof_id}|{normalise_email(email)}|{day_number}".encode()
    digest = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return _encode(int.from_bytes(digest[:8], "big") % len(ALPHABET) ** SIGNATURE_LENGTH, 8)


def make(secret: str, proof_id: int, email: str, expires_on: date) -> str:
    day_number = (expires_on - EPOCH).days
    if not 0 <= day_number < len(ALPHABET) ** 3:
        raise ValueError("expiry out of range")
    signature = _signature(secret, proof_id, email, day_number)
    return f"{PREFIX}-{_encode(proof_id, 3)}-{_encode(day_number, 3)}-{signature}"


def find(text: str) -> str | None:
    """The first thing in `text` shaped like a code (upper-cased), or None."""
    match = PATTERN.search(text or "")
    return match.group(0).upper() if match else None


def parse(text: str) -> Code | None:
    """The id and expiry a well-formed code claims, not yet checked."""
    match = PATTERN.fullmatch((text or "").strip().upper())
    if not match:
        return None
    id_part, day_part, _signature_part = match.groups()
    return Code(match.group(0), _decode(id_part), EPOCH + timedelta(days=_decode(day_part)))


def check(secret: str, text: str, email: str) -> Code | None:
    """The code when its signature holds for `email`; None when made up or altered."""
    code = parse(text)
    if code is None:
        return None
    expected = make(secret, code.proof_id, email, code.expires_on)
    return code if hmac.compare_digest(expected, code.text) else None
