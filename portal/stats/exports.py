"""The report as JSON, CSV (tables one after the other, a column naming each) or XLSX (a
sheet each). Every name is the JSON name, so the three formats read the same way.

CSV: the month table (its last row the totals), then the totals-only figures and the backlog
as name/value rows, then the breakdowns; a breakdown that carries the processing time (by
category, channel, application type) fills the four columns after `submitted`, the others
stop there. `by_kind` (per `Permit`) has code, label and submitted only.
"""

from __future__ import annotations

import csv
import io
import json

from openpyxl import Workbook

BREAKDOWNS = (
    "by_nationality",
    "by_category",
    "by_sector",
    "by_occupation",
    "by_channel",
    "by_region",
    "by_application_type",
    "by_kind",
)
MONTH_COLUMNS = (
    "month",
    "submitted",
    "admissible",
    "forwarded",
    "completed",
    "avg_processing_working_days",
    "median_processing_working_days",
    "p90_processing_working_days",
)
TOTALS_ONLY = (
    "avg_working_days_to_forward",
    "avg_working_days_federal",
    "avg_working_days_end_to_end",
)
BACKLOG = (
    "as_of",
    "open_at_flemish_level",
    "authorised_not_forwarded",
    "awaiting_federal_decision",
)
PROCESSING = (
    "completed",
    "avg_processing_working_days",
    "median_processing_working_days",
    "p90_processing_working_days",
)
BREAKDOWN_COLUMNS = ("level", "code", "label", "submitted")


def as_json(report: dict) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode()


def _blank(value):
    return "" if value is None else value


def _summary_rows(report: dict):
    for name in TOTALS_ONLY:
        yield "totals", name, _blank(report["totals"][name])
    for name in BACKLOG:
        yield "backlog", name, report["backlog"][name]


def _breakdown_row(entry: dict) -> list:
    row = [entry.get("level", ""), entry["code"], entry["label"], entry["submitted"]]
    if "completed" in entry:
        row += [_blank(entry[c]) for c in PROCESSING]
    return row


def as_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", *MONTH_COLUMNS])
    for row in report["months"]:
        writer.writerow(["months", *(_blank(row[c]) for c in MONTH_COLUMNS)])
    writer.writerow(["totals", "total", *(_blank(report["totals"][c]) for c in MONTH_COLUMNS[1:])])
    writer.writerow([])
    writer.writerow(["table", "name", "value"])
    for row in _summary_rows(report):
        writer.writerow(row)
    writer.writerow([])
    writer.writerow(["table", *BREAKDOWN_COLUMNS, *PROCESSING])
    for name in BREAKDOWNS:
        for entry in report[name]:
            writer.writerow([name, *_breakdown_row(entry)])
    return out.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read UTF-8


def as_xlsx(report: dict) -> bytes:
    """One sheet for the months, one per breakdown (like the annex to the minister's answer)
    and a last one, `summary`, for the other intervals and the backlog."""
    book = Workbook()
    months = book.active
    months.title = "months"
    months.append(list(MONTH_COLUMNS))
    for row in report["months"]:
        months.append([row[c] for c in MONTH_COLUMNS])
    months.append(["total", *(report["totals"][c] for c in MONTH_COLUMNS[1:])])
    for name in BREAKDOWNS:
        sheet = book.create_sheet(name)
        carries = any("completed" in entry for entry in report[name]) or name in (
            "by_category",
            "by_channel",
            "by_application_type",
        )
        sheet.append([*BREAKDOWN_COLUMNS, *(PROCESSING if carries else ())])
        for entry in report[name]:
            sheet.append(
                [None if v == "" and i > 3 else v for i, v in enumerate(_breakdown_row(entry))]
            )
    summary = book.create_sheet("summary")
    summary.append(["table", "name", "value"])
    for table, name, value in _summary_rows(report):
        summary.append([table, name, None if value == "" else value])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMATS = {
    "json": (as_json, "application/json"),
    "csv": (as_csv, "text/csv; charset=utf-8"),
    "xlsx": (as_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
