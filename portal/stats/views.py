"""Statistics pages: the officers' figures with charts and downloads, and public monthly figures."""

from __future__ import annotations

import calendar
from collections import Counter
from datetime import date

from flask import Blueprint, Response, abort, render_template, request

from portal import clock
from portal.accounts.models import Role
from portal.dossiers.models import Permit
from portal.i18n import _, format_number, language
from portal.pagecache import cached
from portal.security import public, roles
from portal.stats import capacity as capacity_figures
from portal.stats import (
    charts,
    disclosure,
    exports,
    freshness,  # noqa: F401 - raises the generation of /figures
)
from portal.stats import distribution as dist
from portal.stats import forecast as forecasting
from portal.stats.forms import ForecastForm
from portal.stats.report import Period, backlog, monthly, processing_times, report

bp = Blueprint("stats", __name__)
PUBLIC_MINIMUM = disclosure.MINIMUM  # no public cell below 5 dossiers


def _period(default: tuple[date, date] | None = None) -> tuple[date, date, list[str]]:
    """The period from ?from=&to=, defaulting to the current year; errors in words."""
    today = clock.today()
    first, last = default or (date(today.year, 1, 1), date(today.year, 12, 31))
    errors: list[str] = []
    try:
        start = date.fromisoformat(request.args.get("from") or first.isoformat())
        end = date.fromisoformat(request.args.get("to") or last.isoformat())
    except ValueError:
        errors.append(_("Enter the dates as YYYY-MM-DD."))
        start, end = first, last
    if end < start:
        errors.append(_("The end of the period is before its start."))
        start, end = end, start
    if (end - start).days > 366 * 5:
        errors.append(_("Choose a period of at most five years."))
        end = date(start.year + 4, 12, 31)
    return start, end, errors


# The kind filter's longest accepted value; anything longer is refused unread.
_KIND_MAX = max(len(value) for value in Permit.values())


def _kind() -> tuple[str | None, list[str]]:
    """The kind (`Permit`) from ?kind=, None for every kind; an unknown value in words.

    Taken as sent: no trimming, so " professional_card " is refused like any other value
    that names no kind (a form only ever sends the exact values)."""
    raw = request.args.get("kind") or ""
    if not raw:
        return None, []
    if len(raw) <= _KIND_MAX and raw in Permit.values():
        return raw, []
    return None, [_("Choose a kind of permit from the list.")]


def _kinds() -> list[tuple[str, str]]:
    """The options of the kind filter: every kind first, then each kind."""
    return [("", _("All kinds")), *((kind.value, kind.title) for kind in Permit)]


def _filter_args(start: date, end: date, kind: str | None) -> dict:
    """The query string that keeps the period and the kind in links."""
    args = {"from": start.isoformat(), "to": end.isoformat()}
    if kind:
        args["kind"] = kind
    return args


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


def _figure(value: float | None) -> str:
    """A figure in the request's language's way; "–" for nothing to measure (the tables')."""
    return "–" if value is None else format_number(value)


def _distribution(period: Period, totals: dict, kind: str | None = None):
    """The histogram of the period's processing times, and its bins for the table."""
    everything: Counter = Counter()
    for values in processing_times(period, kind).values():
        everything.update(values)
    bins = dist.histogram(everything)
    if not bins:
        return None, bins
    summary = _(
        "Mean %(mean)s, median %(median)s, 90th percentile %(p90)s working days.",
        # As the tables write them: "12,5" in Dutch, not "12.5".
        mean=_figure(totals["avg_processing_working_days"]),
        median=_figure(totals["median_processing_working_days"]),
        p90=_figure(totals["p90_processing_working_days"]),
    )
    chart = charts.histogram(
        "chart-distribution",
        bins,
        _("Distribution of the processing time"),
        _(
            "Bar chart of the number of Flemish decisions per range of working days; the figures are in the table below."
        )
        + " "
        + summary,
    )
    return chart, bins


def _capacity_chart(rows: list[dict]):
    return charts.bar_chart(
        "chart-capacity",
        [row["month"][2:] for row in rows],
        [row["decisions_per_fte"] for row in rows],
        _("Decisions per FTE per month"),
        _(
            "Bar chart of the Flemish decisions per FTE each month; a month without configured staff has no bar. The figures are in the table below."
        ),
    )


@bp.get("/stats")
@roles(Role.OFFICER, Role.ADMIN)
def officer_page():
    start, end, errors = _period()
    kind, kind_errors = _kind()
    data = report(start, end, language(), kind)
    bars, line = _charts(data["months"])
    histogram, bins = _distribution(Period(start, end), data["totals"], kind)
    return render_template(
        "stats/officer.html",
        data=data,
        start=start,
        end=end,
        errors=errors + kind_errors,
        kind=kind,
        kinds=_kinds(),
        filter_args=_filter_args(start, end, kind),
        bars=bars,
        line=line,
        histogram=histogram,
        bins=bins,
        formats=sorted(exports.FORMATS),
    )


@bp.get("/stats/capacity")
@roles(Role.OFFICER, Role.ADMIN)
def capacity_page():
    start, end, errors = _period()
    kind, kind_errors = _kind()
    capacity = capacity_figures.capacity(start, end, kind)
    return render_template(
        "stats/capacity.html",
        capacity=capacity,
        capacity_chart=_capacity_chart(capacity["months"]),
        start=start,
        end=end,
        errors=errors + kind_errors,
        kind=kind,
        kinds=_kinds(),
        filter_args=_filter_args(start, end, kind),
        formats=sorted(capacity_figures.FORMATS),
    )


@bp.get("/stats/capacity.<any(json, csv):fmt>")
@roles(Role.OFFICER, Role.ADMIN)
def capacity_download(fmt: str):
    start, end, _errors = _period()
    kind, kind_errors = _kind()
    if kind_errors:
        abort(400)
    body = capacity_figures.FORMATS[fmt](capacity_figures.capacity(start, end, kind))
    name = f"single-permit-capacity-{start.isoformat()}-{end.isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=exports.FORMATS[fmt][1],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/stats/forecast")
@roles(Role.OFFICER, Role.ADMIN)
def forecast_page():
    start, end, errors = _period(forecasting.default_reference())
    form = ForecastForm(formdata=request.args)
    form.validate()  # the shared bounds (plain text, length); the numbers below
    inputs, input_errors = forecasting.parse(
        *(None if field.errors else field.data for field in (form.fte, form.inflow, form.months))
    )
    form.form_errors.extend(errors)
    form.add_errors(input_errors)
    result = forecasting.forecast(start, end, inputs)
    chart = None
    if result["months"]:
        chart = charts.line_chart(
            "chart-forecast",
            [row["month"][2:] for row in result["months"]],
            [row["working_days"] for row in result["months"]],
            _("Expected processing time in working days"),
            _(
                "Line chart of the expected processing time per coming month for the staff entered; the figures are in the table below."
            ),
        )
    return render_template(
        "stats/forecast.html",
        result=result,
        start=start,
        end=end,
        form=form,
        chart=chart,
        max_months=forecasting.MAX_MONTHS,
    )


@bp.get("/stats/report.<any(json, csv, xlsx):fmt>")
@roles(Role.OFFICER, Role.ADMIN)
def download(fmt: str):
    start, end, _errors = _period()
    kind, kind_errors = _kind()
    if kind_errors:
        abort(400)
    render, mime = exports.FORMATS[fmt]
    body = render(report(start, end, language(), kind))
    prefix = kind.replace("_", "-") if kind else "single-permit"
    name = f"{prefix}-figures-{start.isoformat()}-{end.isoformat()}.{fmt}"
    return Response(
        body, mimetype=mime, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.get("/figures")
# Kept per day, data generation (portal/stats/freshness.py) and for 60 s at most.
@cached(args=("from", "to", "kind"), data=True)
@public
def public_page():
    start, end, errors = _period()
    kind, kind_errors = _kind()
    # Whole months only: two overlapping periods must not be subtractable (disclosure rule 5).
    start = start.replace(day=1)
    end = end.replace(day=calendar.monthrange(end.year, end.month)[1])
    months, totals = disclosure.protect(*monthly(Period(start, end), kind))
    stocks = backlog(end, kind)
    bars, line = _charts(months, public=True)
    return render_template(
        "stats/public.html",
        months=months,
        totals=totals,
        start=start,
        end=end,
        errors=errors + kind_errors,
        kind=kind,
        kinds=_kinds(),
        bars=bars,
        line=line,
        minimum=PUBLIC_MINIMUM,
        backlog=disclosure.protect_backlog(stocks),
        as_of=end,
    )
