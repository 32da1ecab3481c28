"""The small-count rule of every PUBLIC figure: primary and secondary suppression.

The officers' pages and downloads keep the exact figures; whatever the public sees (the
/figures table and both charts, and any public export or API answer added later) goes
through `protect` first. The rule, as statistical offices apply it to a one-way table:

1. *Primary suppression.* A count from 1 to 4 (`MINIMUM` = 5) is not shown: the table says
   "fewer than 5", the charts draw no bar and no point for it, and the axis is scaled on the
   shown values only. Zero is shown: it concerns no one.
2. *Secondary suppression, totals.* A column's total is the sum of its months, so when any
   month of the column is hidden the total is hidden too ("not shown"); otherwise the total
   minus the shown months would give the hidden count.
3. *Secondary suppression, rows.* Completed procedures minus admissible decisions of the same
   month (or of the totals) is the number of inadmissible decisions: when that difference is
   from 1 to 4, the admissible count is hidden as well (and so, by rule 2, its total).
4. *Averages.* A month's average processing time is shown only when its count of completed
   procedures is shown and at least 5; the period's average only when the completed total
   is shown.
   The median follows the same rule as the average (the same procedures). The 90th
   percentile is not public: on a few procedures it is the longest one, a single file.
5. *Backlog.* The three stocks at the period's end (open at Flemish level, authorised not
   forwarded, awaiting the federal decision) are hidden from 1 to 4, like any count. They are
   stocks at one day, not sums of the months, so no total gives them away.
6. *Officers only.* The other intervals' means, the breakdowns, the capacity per officer and
   per FTE and the forecast are not public (per-officer figures are about staff).
7. *Periods.* The public page only shows whole calendar months (the view widens the period),
   so two overlapping periods cannot be subtracted to isolate a few days.
"""

from __future__ import annotations

from dataclasses import dataclass

MINIMUM = 5
COUNTS = ("submitted", "admissible", "forwarded", "completed")
AVERAGE = "avg_processing_working_days"
MEDIAN = "median_processing_working_days"
BACKLOG = ("open_at_flemish_level", "authorised_not_forwarded", "awaiting_federal_decision")
# (larger, smaller): larger - smaller is itself a count that must not be small.
PAIRS = (("completed", "admissible"),)

SMALL = "small"  # primary: from 1 to MINIMUM - 1
DIFFERENCE = "difference"  # secondary: would reveal a small count by subtraction


@dataclass(frozen=True)
class Cell:
    """A public figure: its value, or None with the reason it is hidden."""

    value: int | float | None
    hidden: str = ""

    @property
    def shown(self) -> bool:
        return not self.hidden


def small(value: int) -> bool:
    return 0 < value < MINIMUM


def _hide(value, reason: str) -> Cell:
    return Cell(None, reason)


def _pairs(raw: dict, cells: dict) -> None:
    for larger, smaller in PAIRS:
        if cells[larger].shown and cells[smaller].shown and small(raw[larger] - raw[smaller]):
            cells[smaller] = _hide(raw[smaller], DIFFERENCE)


def protect(months: list[dict], totals: dict) -> tuple[list[dict], dict]:
    """The public version of `report.monthly`'s rows and totals: `Cell`s instead of numbers."""
    rows = []
    for raw in months:
        cells = {
            key: _hide(raw[key], SMALL) if small(raw[key]) else Cell(raw[key]) for key in COUNTS
        }
        _pairs(raw, cells)
        completed = raw["completed"]
        for key in (AVERAGE, MEDIAN):
            cells[key] = (
                Cell(raw.get(key))
                if cells["completed"].shown and (completed == 0 or completed >= MINIMUM)
                else _hide(raw.get(key), SMALL)
            )
        rows.append({"month": raw["month"], **cells})
    total_cells = {}
    for key in COUNTS:
        if small(totals[key]):
            total_cells[key] = _hide(totals[key], SMALL)
        elif any(row[key].hidden for row in rows):
            total_cells[key] = _hide(totals[key], DIFFERENCE)
        else:
            total_cells[key] = Cell(totals[key])
    _pairs(totals, total_cells)
    for key in (AVERAGE, MEDIAN):
        total_cells[key] = (
            Cell(totals.get(key)) if total_cells["completed"].shown else _hide(None, DIFFERENCE)
        )
    return rows, total_cells


def protect_backlog(stocks: dict) -> dict[str, Cell]:
    """The public backlog: each stock hidden from 1 to 4 (rule 5)."""
    return {
        key: _hide(stocks[key], SMALL) if small(stocks[key]) else Cell(stocks[key])
        for key in BACKLOG
    }


def values(rows: list[dict], key: str) -> list[int | float | None]:
    """One column for a chart: None where the figure is hidden."""
    return [row[key].value for row in rows]
