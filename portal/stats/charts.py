"""Accessible SVG charts drawn on the server: no JavaScript, a title and a description.

Each chart is an image with a text alternative (`role="img"`, `<title>`, `<desc>`); the
page shows the same figures in a table right after it, so nothing depends on the picture.

A value of None is a figure hidden by the small-count rule (`portal.stats.disclosure`): no
bar, no point, and the axis is scaled on the shown values only, so its ticks give nothing
away. A small grey cross on the baseline marks the month, as the table says "not shown".
"""

from __future__ import annotations

import math

from markupsafe import Markup, escape

from portal.i18n import format_number

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 260, 48, 40, 16
BAR = "#003d6b"
LINE = "#8a3b00"


def _frame(chart_id: str, title: str, desc: str, body: str) -> Markup:
    return Markup(
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-title">{escape(title)}</title>'
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>{body}</svg>'
    )


def _axes(labels: list[str], step: float) -> str:
    """The axes, with TICKS steps of `step` up the side, each written as the request's
    language writes numbers ("2,5" in Dutch, "1.000" for a thousand)."""
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    parts = [
        f'<line x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH - 8}" y2="{HEIGHT - PAD_BOTTOM}" stroke="#1a1a1a"/>'
    ]
    for i in range(TICKS + 1):
        value = _tick(step, i)
        y = HEIGHT - PAD_BOTTOM - plot_h * i / TICKS
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#1a1a1a">{escape(format_number(value))}</text>'
        )
        parts.append(
            f'<line x1="{PAD_LEFT}" y1="{y:.1f}" x2="{WIDTH - 8}" y2="{y:.1f}" stroke="#d0d0d0"/>'
        )
    slot = (WIDTH - PAD_LEFT - 8) / max(len(labels), 1)
    for i, label in enumerate(labels):
        if len(labels) <= 12 or i % max(len(labels) // 12, 1) == 0:
            x = PAD_LEFT + slot * (i + 0.5)
            parts.append(
                f'<text x="{x:.1f}" y="{HEIGHT - PAD_BOTTOM + 16}" text-anchor="middle" font-size="11" fill="#1a1a1a">{escape(label)}</text>'
            )
    return "".join(parts)


def _shown(values: list[float | None]) -> list[float]:
    return [v for v in values if v is not None]


def _hidden_marks(values: list[float | None]) -> str:
    slot = (WIDTH - PAD_LEFT - 8) / max(len(values), 1)
    return "".join(
        f'<text x="{PAD_LEFT + slot * (i + 0.5):.1f}" y="{HEIGHT - PAD_BOTTOM - 3}" '
        f'text-anchor="middle" font-size="11" fill="#6b6b6b" class="hidden-figure">×</text>'
        for i, v in enumerate(values)
        if v is None
    )


TICKS = 4  # steps up the side, above the baseline
_NICE = (1, 2, 2.5, 5)  # a step is one of these times a power of ten


def _step(values: list[float | None]) -> float:
    """The axis's step: the least "nice" one (1, 2, 2.5 or 5 times a power of ten) whose
    TICKS steps reach the highest shown value. A chart of counts (whole numbers only) steps
    by whole numbers: no "2.5 applications" (a top of 2 or 5 gave ticks of 0.5 and 1.5)."""
    shown = _shown(values)
    peak = max(shown, default=0)
    whole = all(float(value).is_integer() for value in shown)
    if peak <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(peak / TICKS))
    while True:
        for nice in _NICE:
            step = nice * power
            if whole and not float(step).is_integer():
                continue
            if step * TICKS >= peak:
                return step
        power *= 10


def _tick(step: float, i: int) -> int | float:
    """The i-th tick's value, as it is written: whole numbers as integers ("2", not "2.0"),
    the rest without the binary float's tail (3 × 0.1 is 0.30000000000000004)."""
    value = round(step * i, 6)
    return int(value) if value.is_integer() else value


def bar_chart(
    chart_id: str, labels: list[str], values: list[float | None], title: str, desc: str
) -> Markup:
    step = _step(values)
    top = step * TICKS
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = (WIDTH - PAD_LEFT - 8) / max(len(labels), 1)
    bars = "".join(
        f'<rect x="{PAD_LEFT + slot * i + slot * 0.15:.1f}" y="{HEIGHT - PAD_BOTTOM - plot_h * v / top:.1f}" '
        f'width="{slot * 0.7:.1f}" height="{plot_h * v / top:.1f}" fill="{BAR}"/>'
        for i, v in enumerate(values)
        if v is not None
    )
    body = _axes(labels, step) + bars + _hidden_marks(values)
    return _frame(chart_id, title, desc, body)


def line_chart(
    chart_id: str, labels: list[str], values: list[float | None], title: str, desc: str
) -> Markup:
    """A line through the shown values; a hidden value breaks the line."""
    step = _step(values)
    top = step * TICKS
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = (WIDTH - PAD_LEFT - 8) / max(len(labels), 1)
    runs: list[list[tuple[float, float]]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            runs.append([])
        else:
            runs[-1].append((PAD_LEFT + slot * (i + 0.5), HEIGHT - PAD_BOTTOM - plot_h * v / top))
    points = [point for run in runs for point in run]
    dots = "".join(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3.5" fill="{LINE}"/>' for x, y in points)
    line = "".join(
        '<polyline points="'
        + " ".join(f"{x:.1f},{y:.1f}" for x, y in run)
        + f'" fill="none" stroke="{LINE}" stroke-width="2.5"/>'
        for run in runs
        if run
    )
    body = _axes(labels, step) + line + dots + _hidden_marks(values)
    return _frame(chart_id, title, desc, body)


def histogram(chart_id: str, bins: list[tuple[int, int, int]], title: str, desc: str) -> Markup:
    """A distribution as bars of equal width, labelled by their range of working days."""
    labels = [str(low) if low == high else f"{low}–{high}" for low, high, _n in bins]
    return bar_chart(chart_id, labels, [n for _low, _high, n in bins], title, desc)
