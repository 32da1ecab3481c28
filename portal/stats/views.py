"""Statistics pages: the officers' figures with charts and downloads, and public monthly figures."""

from __future__ import annotations

import calendar
from datetime import date

from flask import Blueprint, Response, render_template, request
from flask_babel import get_locale

from portal import clock
from portal.accounts.models import Role
from portal.i18n import _
from portal.security import public, roles
from portal.stats import charts, disclosure, exports
from portal.stats.report import Period, monthly, report

bp = Blueprint("stats", __name__)
PUBLIC_MINIMUM = disclosure.MINIMUM  # no public cell below 5 dossiers


def _period() -> tuple[date, date, list[str]]:
    """The period from ?from=&to=, defaulting to the current year; errors in words."""
    today = clock.today()
    errors: list[str] = []
    try:
        start = date.fromisoformat(request.args.get("from") or f"{today.year}-01-01")
        end = date.fromisoformat(request.args.get("to") or f"{today.year}-12-31")
    except ValueError:
        errors.append(_("Enter the dates as YYYY-MM-DD."))
        start, end = date(today.year, 1, 1), date(today.year, 12, 31)
    if end < start:
        errors.append(_("The end of the period is before its start."))
        start, end = end, start
    if (end - start).days > 366 * 5:
        errors.append(_("Choose a period of at most five years."))
        end = date(start.year + 4, 12, 31)
    return start, end, errors


def _charts(months: list[dict], *, public: bool = False) -> tuple:
    """The two charts; `public` rows hold `disclosure.Cell`s, hidden ones are not drawn."""
    labels = [row["month"][2:] for row in months]
    if public:
        submitted = disclosure.values(months, "submitted")
        average = disclosure.values(months, "avg_processing_working_days")
        hidden = " " + _("A cross marks a month whose figure is not shown, to protect privacy.")
    else:
        submitted = [row["submitted"] for row in months]
        average = [row["avg_processing_working_days"] for row in months]
        hidden = ""
    bars = charts.bar_chart(
        "chart-volumes",
        labels,
        submitted,
        _("Applications submitted per month"),
        _("Bar chart of the applications submitted each month; the figures are in the table below.")
        + hidden,
    )
    line = charts.line_chart(
        "chart-processing",
        labels,
        average,
        _("Average processing time in working days"),
        _(
            "Line chart of the average number of working days to a Flemish decision, per month; the figures are in the table below."
        )
        + hidden,
    )
    return bars, line


@bp.get("/stats")
@roles(Role.OFFICER, Role.ADMIN)
def officer_page():
    start, end, errors = _period()
    data = report(start, end, str(get_locale()))
    bars, line = _charts(data["months"])
    return render_template(
        "stats/officer.html",
        data=data,
        start=start,
        end=end,
        errors=errors,
        bars=bars,
        line=line,
        formats=sorted(exports.FORMATS),
    )


@bp.get("/stats/report.<any(json, csv, xlsx):fmt>")
@roles(Role.OFFICER, Role.ADMIN)
def download(fmt: str):
    start, end, _errors = _period()
    render, mime = exports.FORMATS[fmt]
    body = render(report(start, end, str(get_locale())))
    name = f"single-permit-figures-{start.isoformat()}-{end.isoformat()}.{fmt}"
    return Response(
        body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/figures")
@public
def public_page():
    start, end, errors = _period()
    # Whole months only: two overlapping periods must not be subtractable (disclosure rule 5).
    start = start.replace(day=1)
    end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    months, totals = disclosure.protect(*monthly(Period(start, end)))
    bars, line = _charts(months, public=True)
    return render_template(
        "stats/public.html",
        months=months,
        totals=totals,
        start=start,
        end=end,
        errors=errors,
        bars=bars,
        line=line,
        minimum=PUBLIC_MINIMUM,
    )
