"""Accessible SVG charts drawn on the server: no JavaScript, a title and a description.

Each chart is an image with a text alternative (`role="img"`, `<title>`, `<desc>`); the
page shows the same figures in a table right after it, so nothing depends on the picture.

A value of None is a figure hidden by the small-count rule (`portal.stats.disclosure`): no
bar, no point, and the axis is scaled on the shown values only, so its ticks give nothing
away. A small grey cross on the baseline marks the month, as the table says "not shown".
"""

from __future__ import annotations

from markupsafe import Markup, escape

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


def _axes(labels: list[str], top: float, unit_step: float) -> str:
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    parts = [
        f'<line x1="{PAD_LEFT}" y1="{HEIGHT - PAD_BOTTOM}" x2="{WIDTH - 8}" y2="{HEIGHT - PAD_BOTTOM}" stroke="#1a1a1a"/>'
    ]
    for i in range(5):
        value = top * i / 4
        y = HEIGHT - PAD_BOTTOM - plot_h * i / 4
        parts.append(
            f'<text x="{PAD_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11" fill="#1a1a1a">{value:g}</text>'
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


def _top(values: list[float | None]) -> float:
    peak = max(_shown(values), default=0) or 1
    magnitude = 10 ** (len(str(int(peak))) - 1)
    return float(((int(peak) // magnitude) + 1) * magnitude)


def bar_chart(
    chart_id: str, labels: list[str], values: list[float | None], title: str, desc: str
) -> Markup:
    top = _top(values)
    plot_h = HEIGHT - PAD_BOTTOM - PAD_TOP
    slot = (WIDTH - PAD_LEFT - 8) / max(len(labels), 1)
    bars = "".join(
        f'<rect x="{PAD_LEFT + slot * i + slot * 0.15:.1f}" y="{HEIGHT - PAD_BOTTOM - plot_h * v / top:.1f}" '
        f'width="{slot * 0.7:.1f}" height="{plot_h * v / top:.1f}" fill="{BAR}"/>'
        for i, v in enumerate(values)
        if v is not None
    )
    body = _axes(labels, top, top / 4) + bars + _hidden_marks(values)
    return _frame(chart_id, title, desc, body)


def line_chart(
    chart_id: str, labels: list[str], values: list[float | None], title: str, desc: str
) -> Markup:
    """A line through the shown values; a hidden value breaks the line."""
    top = _top(values)
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
    body = _axes(labels, top, top / 4) + line + dots + _hidden_marks(values)
    return _frame(chart_id, title, desc, body)


def histogram(chart_id: str, bins: list[tuple[int, int, int]], title: str, desc: str) -> Markup:
    """A distribution as bars of equal width, labelled by their range of working days."""
    labels = [str(low) if low == high else f"{low}–{high}" for low, high, _n in bins]
    return bar_chart(chart_id, labels, [n for _low, _high, n in bins], title, desc)
