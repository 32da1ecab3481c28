"""The report as JSON, CSV (one table, a column naming the breakdown) or XLSX (a sheet each)."""

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
)
MONTH_COLUMNS = (
    "month",
    "submitted",
    "admissible",
    "forwarded",
    "completed",
    "avg_processing_working_days",
)


def as_json(report: dict) -> bytes:
    return json.dumps(report, ensure_ascii=False, indent=2).encode()


def _breakdown_rows(report: dict):
    for name in BREAKDOWNS:
        for entry in report[name]:
            yield name, entry.get("level", ""), entry["code"], entry["label"], entry["submitted"]


def as_csv(report: dict) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["table", *MONTH_COLUMNS])
    for row in report["months"]:
        writer.writerow(["months", *(row[c] for c in MONTH_COLUMNS)])
    writer.writerow(["totals", "total", *(report["totals"][c] for c in MONTH_COLUMNS[1:])])
    writer.writerow([])
    writer.writerow(["table", "level", "code", "label", "submitted"])
    for row in _breakdown_rows(report):
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")  # the BOM lets spreadsheet programs read UTF-8


def as_xlsx(report: dict) -> bytes:
    """One sheet for the months and one per breakdown, like the annex to the minister's answer."""
    book = Workbook()
    months = book.active
    months.title = "months"
    months.append(list(MONTH_COLUMNS))
    for row in report["months"]:
        months.append([row[c] for c in MONTH_COLUMNS])
    months.append(["total", *(report["totals"][c] for c in MONTH_COLUMNS[1:])])
    for name in BREAKDOWNS:
        sheet = book.create_sheet(name)
        sheet.append(["level", "code", "label", "submitted"])
        for entry in report[name]:
            sheet.append(
                [entry.get("level", ""), entry["code"], entry["label"], entry["submitted"]]
            )
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


FORMATS = {
    "json": (as_json, "application/json"),
    "csv": (as_csv, "text/csv; charset=utf-8"),
    "xlsx": (as_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
