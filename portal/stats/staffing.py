"""Staff per month in FTE, read from `portal/data/staffing.toml` (data with its source)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

STAFFING_FILE = Path(__file__).resolve().parent.parent / "data" / "staffing.toml"


@dataclass(frozen=True)
class Staffing:
    valid_from: date
    valid_to: date
    fte: float
    source: str


def periods() -> tuple[Staffing, ...]:
    """The configured periods, checked: positive finite FTE, ordered, no overlap."""
    return _load(STAFFING_FILE)


@cache
def _load(path: Path) -> tuple[Staffing, ...]:
    with path.open("rb") as handle:
        raw = tomllib.load(handle).get("fte", [])
    items = sorted(
        (
            Staffing(row["valid_from"], row["valid_to"], float(row["fte"]), row["source"])
            for row in raw
        ),
        key=lambda s: s.valid_from,
    )
    for item in items:
        if not (math.isfinite(item.fte) and item.fte > 0) or item.valid_to < item.valid_from:
            raise ValueError(f"staffing.toml: bad period {item}")
        if not item.source.strip():
            raise ValueError(f"staffing.toml: a period without a source: {item}")
    for before, after in zip(items, items[1:], strict=False):
        if after.valid_from <= before.valid_to:
            raise ValueError(f"staffing.toml: periods overlap: {before} and {after}")
    return tuple(items)


def for_month(month: str) -> Staffing | None:
    """The period covering the first day of `month` ("YYYY-MM"), or None."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    for item in periods():
        if item.valid_from <= first <= item.valid_to:
            return item
    return None


def latest() -> Staffing | None:
    items = periods()
    return items[-1] if items else None
