"""Grouping codes for the figures: NACE-BEL sections and divisions, ISCO-08 major groups.

NACE section ranges: Eurostat, NACE Rev. 2.1 (in NACE-BEL 2025) and NACE Rev. 2 (in
NACE-BEL 2008). A 5-digit code is grouped by its division (first two digits); a division
that exists only in the 2008 version (e.g. 45) is placed with the 2008 sections.
Labels come from `bce-codes-to-label` (nl/fr/de/en) and `portal/data/isco08.csv`.
"""

from __future__ import annotations

from functools import cache

from bce_codes_to_label import nace

from portal import reference

# (first division, last division, section) per version.
SECTIONS_2025 = [
    (1, 3, "A"),
    (5, 9, "B"),
    (10, 33, "C"),
    (35, 35, "D"),
    (36, 39, "E"),
    (41, 43, "F"),
    (46, 47, "G"),
    (49, 53, "H"),
    (55, 56, "I"),
    (58, 60, "J"),
    (61, 63, "K"),
    (64, 66, "L"),
    (68, 68, "M"),
    (69, 75, "N"),
    (77, 82, "O"),
    (84, 84, "P"),
    (85, 85, "Q"),
    (86, 88, "R"),
    (90, 93, "S"),
    (94, 96, "T"),
    (97, 98, "U"),
    (99, 99, "V"),
]
SECTIONS_2008 = [
    (1, 3, "A"),
    (5, 9, "B"),
    (10, 33, "C"),
    (35, 35, "D"),
    (36, 39, "E"),
    (41, 43, "F"),
    (45, 47, "G"),
    (49, 53, "H"),
    (55, 56, "I"),
    (58, 63, "J"),
    (64, 66, "K"),
    (68, 68, "L"),
    (69, 75, "M"),
    (77, 82, "N"),
    (84, 84, "O"),
    (85, 85, "P"),
    (86, 88, "Q"),
    (90, 93, "R"),
    (94, 96, "S"),
    (97, 98, "T"),
    (99, 99, "U"),
]
UNKNOWN = "?"


@cache
def _divisions(version: str) -> frozenset[str]:
    prefix = f"{version}:"
    return frozenset(
        v["value"] for k, v in nace.codes.items() if k.startswith(prefix) and v["level"] == 2
    )


def _version_of(division: str) -> str:
    return "2025" if division in _divisions("2025") else "2008"


def nace_division(code: str | None) -> str:
    return code[:2] if code and len(code) >= 2 and code[:2].isdigit() else UNKNOWN


def nace_section(code: str | None) -> str:
    """`A`…`V` for a NACE-BEL code (2025 sections, 2008 for divisions only in 2008)."""
    division = nace_division(code)
    if division == UNKNOWN:
        return UNKNOWN
    version = _version_of(division)
    number = int(division)
    for first, last, section in SECTIONS_2025 if version == "2025" else SECTIONS_2008:
        if first <= number <= last:
            return section if version == "2025" else f"{section}*"
    return UNKNOWN


def nace_group_label(code: str, locale: str) -> str:
    """The label of a section (`G`, or `G*` for a 2008 section) or a division (`49`)."""
    if code == UNKNOWN:
        return ""
    version = "2008" if code.endswith("*") else _version_of(code) if code.isdigit() else "2025"
    entry = nace.codes.get(f"{version}:{code.rstrip('*')}")
    if entry is None:
        return ""
    return entry.get(f"label_{locale}") or entry.get("label_nl") or ""


def isco_major(code: str | None) -> str:
    return code[0] if code and code[:1].isdigit() else UNKNOWN


def isco_group_label(code: str, locale: str) -> str:
    return reference.isco_label(code, locale) or "" if code != UNKNOWN else ""
