"""Text as search keys: case- and accent-insensitive, without control or format characters.

`key("Ærøskøbing Müller")` gives "aeroskobing muller". Names are stored beside their key
(`Dossier.worker_*_key`, `Organisation.name_key`), and a search compares keys with an index
range (`key >= term AND key < term + U+FFFF`), so no LIKE pattern is ever built from user
input and `%` or `_` are ordinary characters.
"""

from __future__ import annotations

import unicodedata

from sqlalchemy import String

# Letters that NFKD does not split into a base letter and a mark.
_FOLD = str.maketrans(
    {"ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae", "œ": "oe", "Œ": "oe", "ł": "l", "Ł": "l", "đ": "d"}
    | {"Đ": "d", "ı": "i", "ß": "ss", "þ": "th", "ð": "d"}
)
# The highest code point: `term + END` bounds every key starting with term, in binary
# (code point) order, which SQLite uses and PostgreSQL uses for the "C" collation.
END = "\U0010ffff"


def key_type(length: int):
    """The column type of a search key: binary ("C") collation on PostgreSQL, so a prefix
    range means the same as in SQLite whatever the database's locale, and its btree index
    serves it."""
    return String(length).with_variant(String(length, collation="C"), "postgresql")


def key(text: str | None, limit: int = 200) -> str:
    """The search key of `text`: folded, lower case, single spaces, at most `limit` long."""
    if not text:
        return ""
    decomposed = unicodedata.normalize("NFKD", text.translate(_FOLD))
    kept = []
    for char in decomposed:
        category = unicodedata.category(char)
        if category == "Mn":  # accents
            continue
        if category[0] in "CZ":  # control, format (RTL override), separators: a space
            kept.append(" ")
            continue
        kept.append(char)
    return " ".join("".join(kept).casefold().split())[:limit]


def prefix_range(column, term: str):
    """`column` starts with `term` (a key), as an index range scan."""
    return (column >= term) & (column < term + END)


def visible(text: str | None, limit: int = 200) -> str:
    """`text` without control and format characters (NUL, RTL override), for display."""
    if not text:
        return ""
    kept = (" " if unicodedata.category(c)[0] in "CZ" else c for c in text[: limit * 2])
    return " ".join("".join(kept).split())[:limit]
