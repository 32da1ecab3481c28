"""A forecast of the backlog and the processing time for a given staff, and its error.

The model (stated on the page as well), the simplest honest one:

- *A queue per month.* backlog at the end = backlog at the start + inflow − decisions, where
  decisions = min(capacity, backlog + inflow) and capacity = FTE × productivity.
- *Productivity* = Flemish decisions per FTE per month, measured over the reference period's
  months that have a configured FTE (`portal/data/staffing.toml`).
- *Inflow* = the reference period's mean of submitted applications per month, or a number
  typed in.
- *Processing time* by Little's law: time = files open ÷ decisions per working day, with files
  open = the mean of the backlog at the start and at the end of the month; in working days.
- *Assumptions*: constant productivity per FTE, every FTE on these files, files decided in
  order of arrival, information requests not counted apart. The model counts waiting, not
  handling: once the backlog is cleared the time it gives tends to zero, while a real file
  still takes its few days of handling.
- *Validation*: the same model run over the reference period's months from the backlog
  observed at its start, with the observed inflow and FTE of each month, against the observed
  mean processing time and backlog; the mean absolute error is shown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from portal import clock
from portal.dossiers.lifecycle.deadlines import is_working_day, working_days_between
from portal.i18n import _
from portal.stats import staffing
from portal.stats.report import Period, backlog, monthly

MAX_FTE = 10_000.0
MAX_INFLOW = 1_000_000.0
MAX_MONTHS = 36
DEFAULT_MONTHS = 12


@dataclass(frozen=True)
class Inputs:
    fte: float | None = None  # None: the latest configured FTE
    inflow: float | None = None  # None: the reference period's mean
    months: int = DEFAULT_MONTHS


def _number(raw: str | None, low: float, high: float) -> float | None:
    """A finite number within [low, high] (a decimal comma is fine); ValueError otherwise."""
    text = (raw or "").strip()
    if "," in text and "." not in text:
        text = text.replace(",", ".")
    value = float(text)  # ValueError for text; inf, nan parse and are refused below
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(text)
    return value


def parse(
    fte: str | None, inflow: str | None, months: str | None
) -> tuple[Inputs, dict[str, list[str]]]:
    """The inputs as typed, with errors in words per field; an empty field keeps its default."""
    errors: dict[str, list[str]] = {}
    values: dict = {}
    if (fte or "").strip():
        try:
            values["fte"] = _number(fte, 0.1, MAX_FTE)
        except ValueError:
            errors["fte"] = [_("Enter the staff as a number of FTE from 0.1 to 10,000.")]
    if (inflow or "").strip():
        try:
            values["inflow"] = _number(inflow, 0, MAX_INFLOW)
        except ValueError:
            errors["inflow"] = [
                _("Enter the inflow as a number of applications per month from 0 to 1,000,000.")
            ]
    if (months or "").strip():
        try:
            number = _number(months, 1, MAX_MONTHS)
            if number != int(number):
                raise ValueError(months)
            values["months"] = int(number)
        except ValueError:
            errors["months"] = [_("Enter the number of months as a whole number from 1 to 36.")]
    return Inputs(**values), errors


def _first_day(month: str) -> date:
    return date(int(month[:4]), int(month[5:7]), 1)


def _last_day(month: str) -> date:
    year, number = int(month[:4]), int(month[5:7])
    if (year, number) == (9999, 12):
        return date(9999, 12, 31)
    following = date(year + (number == 12), number % 12 + 1, 1)
    return following - timedelta(days=1)


def _next(month: str) -> str | None:
    year, number = int(month[:4]), int(month[5:7])
    if (year, number) == (9999, 12):
        return None
    year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return f"{year:04d}-{number:02d}"


def working_days_in(month: str) -> int:
    first = _first_day(month)
    if first == date.min:  # no day before it to count from
        return working_days_between(first, _last_day(month)) + is_working_day(first)
    return working_days_between(first - timedelta(days=1), _last_day(month))


def step(open_files: float, inflow: float, capacity: float, working_days: int) -> dict:
    """One month of the queue (see the module)."""
    decided = min(capacity, open_files + inflow)
    left = open_files + inflow - decided
    time = ((open_files + left) / 2) / decided * working_days if decided > 0 else None
    return {"decisions": decided, "backlog": left, "working_days": time}


def _round(value: float | None) -> float | None:
    """One decimal, half up, as the figures are rounded (11.25 -> 11.3)."""
    if value is None:
        return None
    return float(Decimal(str(value)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def _mean(values: list[Decimal]) -> float | None:
    if not values:
        return None
    return float((sum(values) / len(values)).quantize(Decimal("0.1"), ROUND_HALF_UP))


def reference(start: date, end: date) -> dict:
    """What the reference period gives the model: productivity, inflow, and the back-test."""
    return _reference(start, end)[0]


def _reference(start: date, end: date) -> tuple[dict, float | None]:
    """The reference, and the productivity unrounded (the forecast runs on it)."""
    months, _totals = monthly(Period(start, end))
    staffed = [(row, staffing.for_month(row["month"])) for row in months]
    fte_months = sum(staff.fte for _row, staff in staffed if staff)
    decided = sum(row["completed"] for row, staff in staffed if staff)
    productivity = decided / fte_months if fte_months else None
    inflow = sum(row["submitted"] for row in months) / len(months) if months else 0.0
    before = start - timedelta(days=1) if start > date.min else start
    open_files = float(backlog(before)["open_at_flemish_level"])
    rows = []
    for row, staff in staffed:
        observed_backlog = backlog(min(_last_day(row["month"]), end))["open_at_flemish_level"]
        observed_time = row["avg_processing_working_days"] if row["completed"] else None
        if staff is None or productivity is None:
            rows.append(
                {
                    "month": row["month"],
                    "fte": None,
                    "predicted_working_days": None,
                    "observed_working_days": observed_time,
                    "predicted_backlog": None,
                    "observed_backlog": observed_backlog,
                }
            )
            open_files = float(observed_backlog)
            continue
        result = step(
            open_files, row["submitted"], staff.fte * productivity, working_days_in(row["month"])
        )
        rows.append(
            {
                "month": row["month"],
                "fte": staff.fte,
                "predicted_working_days": _round(result["working_days"]),
                "observed_working_days": observed_time,
                "predicted_backlog": round(result["backlog"]),
                "observed_backlog": observed_backlog,
            }
        )
        open_files = result["backlog"]
    exact = lambda value: Decimal(str(value))  # noqa: E731 - no binary-float drift
    time_errors = [
        abs(exact(r["predicted_working_days"]) - exact(r["observed_working_days"]))
        for r in rows
        if r["predicted_working_days"] is not None and r["observed_working_days"] is not None
    ]
    backlog_errors = [
        Decimal(abs(r["predicted_backlog"] - r["observed_backlog"]))
        for r in rows
        if r["predicted_backlog"] is not None
    ]
    return {
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "productivity_per_fte": _round(productivity),
        "inflow_per_month": _round(inflow),
        "backlog_at_end": backlog(end)["open_at_flemish_level"],
        "validation": rows,
        "mean_absolute_error_working_days": _mean(time_errors),
        "mean_absolute_error_backlog": _mean(backlog_errors),
    }, productivity


def default_reference() -> tuple[date, date]:
    """The period of the latest configured FTE (the seed year), or the last full year."""
    latest = staffing.latest()
    if latest:
        return latest.valid_from, latest.valid_to
    year = clock.today().year - 1
    return date(year, 1, 1), date(year, 12, 31)


def forecast(start: date, end: date, inputs: Inputs) -> dict:
    """The reference, then `inputs.months` months of the queue after the reference period."""
    ref, productivity = _reference(start, end)
    latest = staffing.latest()
    fte = inputs.fte if inputs.fte is not None else (latest.fte if latest else None)
    inflow = inputs.inflow if inputs.inflow is not None else ref["inflow_per_month"]
    rows: list[dict] = []
    result = {
        "reference": ref,
        "fte": fte,
        "inflow_per_month": inflow,
        "capacity_per_month": None,
        "break_even_fte": None,
        "months": rows,
    }
    if fte is None or not productivity:
        return result  # nothing to forecast with: the page says why
    capacity = fte * productivity
    result["capacity_per_month"] = _round(capacity)
    result["break_even_fte"] = _round(inflow / productivity)
    open_files = float(ref["backlog_at_end"])
    month = _next(f"{end.year:04d}-{end.month:02d}")
    for _step in range(inputs.months):
        if month is None:
            break
        working_days = working_days_in(month)
        outcome = step(open_files, inflow, capacity, working_days)
        rows.append(
            {
                "month": month,
                "inflow": _round(inflow),
                "decisions": _round(outcome["decisions"]),
                "backlog": round(outcome["backlog"]),
                "working_days": _round(outcome["working_days"]),
                "within_one_month": outcome["working_days"] is not None
                and outcome["working_days"] <= working_days,
            }
        )
        open_files = outcome["backlog"]
        month = _next(month)
    return result
