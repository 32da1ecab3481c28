"""Dossier reference numbers: `SP-2026-7K3QX9-M`, readable aloud and self-checking.

The alphabet leaves out look-alikes (0/O, 1/I/L, U/V); the last character is a Luhn mod-N check
character over the year and the random part, which catches any single mistyped character
and every swap of two neighbours except that of the first and last letters of the alphabet.
"""

from __future__ import annotations

import re
import secrets

# An even count (30): Luhn mod N detects every single error only for an even N.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 6
PATTERN = re.compile(rf"^SP-(\d{{4}})-([{ALPHABET}]{{{RANDOM_LENGTH}}})-([{ALPHABET}])$")


def _check_character(payload: str) -> str:
    """Luhn mod N (N = len(ALPHABET)) over `payload`."""
    n = len(ALPHABET)
    factor, total = 2, 0
    for char in reversed(payload):
        addend = factor * ALPHABET.index(char)
        factor = 1 if factor == 2 else 2
        total += addend // n + addend % n
    return ALPHABET[(n - total % n) % n]


def _payload(year: int, random_part: str) -> str:
    # Digits of the year map into the alphabet so they take part in the check.
    return "".join(ALPHABET[int(d)] for d in str(year)) + random_part


def new_reference(year: int) -> str:
    random_part = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return f"SP-{year}-{random_part}-{_check_character(_payload(year, random_part))}"


def normalise(text: str) -> str:
    """Upper-case, trim, and read the look-alikes a person may type (O→0 is not valid)."""
    return re.sub(r"\s+", "", (text or "").upper())


def is_valid(reference: str) -> bool:
    """True when the reference is well-formed and its check character matches."""
    match = PATTERN.match(normalise(reference))
    if not match:
        return False
    year, random_part, check = match.groups()
    return _check_character(_payload(int(year), random_part)) == check
