"""Mean, median and 90th percentile of a distribution of working days.

A distribution is a `Counter` {working days: number of dossiers}, so a year of decisions
is a few hundred entries whatever the number of dossiers.

- *mean*: rounded half up to one decimal (as the monthly average always was); 0.0 for no
  dossiers in `mean_or_zero` (the existing figure), None in `mean`.
- *median*: the middle value; for an even count the mean of the two middle values (so it may
  end in .5). None for no dossiers.
- *p90*: the 90th percentile by the nearest-rank method: the value at rank ⌈0.9 × n⌉ of the
  sorted values, always a value that occurred. None for no dossiers.
"""

from __future__ import annotations

from collections import Counter
from decimal import ROUND_HALF_UP, Decimal


def one_decimal(total: int, count: int) -> float:
    return float((Decimal(total) / Decimal(count)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def size(values: Counter) -> int:
    return sum(values.values())


def mean(values: Counter) -> float | None:
    count = size(values)
    if not count:
        return None
    return one_decimal(sum(value * n for value, n in values.items()), count)


def mean_or_zero(values: Counter) -> float:
    return mean(values) or 0.0


def at_rank(values: Counter, rank: int) -> int:
    """The value at 1-based `rank` of the sorted values."""
    seen = 0
    for value in sorted(values):
        seen += values[value]
        if seen >= rank:
            return value
    raise ValueError(rank)


def median(values: Counter) -> float | None:
    count = size(values)
    if not count:
        return None
    if count % 2:
        return float(at_rank(values, count // 2 + 1))
    return (at_rank(values, count // 2) + at_rank(values, count // 2 + 1)) / 2


def p90(values: Counter) -> int | None:
    count = size(values)
    if not count:
        return None
    return at_rank(values, (9 * count + 9) // 10)  # ⌈0.9 n⌉ in integers


def histogram(values: Counter, max_bins: int = 15) -> list[tuple[int, int, int]]:
    """(low, high, count) bins of equal width (1, 2, 5, 10, 20, 50, ...) covering the values."""
    if not values:
        return []
    top = max(values)
    width = 1
    steps = (1, 2, 5)
    magnitude = 1
    while True:
        for step in steps:
            width = step * magnitude
            if top // width + 1 <= max_bins:
                break
        else:
            magnitude *= 10
            continue
        break
    bins = [0] * (top // width + 1)
    for value, n in values.items():
        bins[max(value, 0) // width] += n
    return [(i * width, i * width + width - 1, n) for i, n in enumerate(bins)]
