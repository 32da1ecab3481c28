"""The charts' side axis: steps a reader can count in, written as the page's language writes
numbers (`portal.stats.charts`)."""

from __future__ import annotations

import pytest
from bs4 import BeautifulSoup

from portal.stats import charts


def ticks(svg: str) -> list[str]:
    soup = BeautifulSoup(svg, "html.parser")
    return [text.get_text() for text in soup.find_all("text", attrs={"text-anchor": "end"})]


@pytest.mark.parametrize(
    ("values", "step"),
    [
        ([], 1),  # nothing shown: every figure hidden
        ([None, None], 1),
        ([0, 0], 1),
        ([1], 1),
        ([2], 1),  # was ticks of 0.75
        ([5], 2),  # the least count a public chart shows: was ticks of 1.5
        ([6, None, 5], 2),
        ([7], 2),
        ([37], 10),
        ([150], 50),
        ([1234], 500),
        ([6444], 2000),  # 2021's ten months: was ticks of 1,750
        ([10**9], 250_000_000),
    ],
)
def test_a_chart_of_counts_steps_by_whole_numbers_up_to_its_highest_bar(values, step):
    assert charts._step(values) == step
    shown = [value for value in values if value is not None]
    assert charts.TICKS * step >= max(shown, default=0)


@pytest.mark.parametrize(
    ("values", "step"),
    [([0.3], 0.1), ([2.5], 1), ([12.4, None, 3.1], 5), ([0.04], 0.01)],
)
def test_a_chart_of_averages_may_step_by_fractions(values, step):
    assert charts._step(values) == pytest.approx(step)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("nl", ["0", "500", "1.000", "1.500", "2.000"]),
        ("fr", ["0", "500", "1\u202f000", "1\u202f500", "2\u202f000"]),
        ("de", ["0", "500", "1.000", "1.500", "2.000"]),
        ("en", ["0", "500", "1,000", "1,500", "2,000"]),
    ],
)
def test_the_side_axis_writes_numbers_as_the_pages_language_does(app, lang, expected):
    with app.test_request_context(f"/figures?lang={lang}"):
        bars = charts.bar_chart("c", ["26-01", "26-02"], [1500, None], "Title", "Description")
        line = charts.line_chart("l", ["26-01", "26-02"], [0.3, 0.15], "Title", "Description")
    assert ticks(bars) == expected
    decimal = {"nl": ",", "fr": ",", "de": ",", "en": "."}[lang]
    assert ticks(line) == ["0", f"0{decimal}1", f"0{decimal}2", f"0{decimal}3", f"0{decimal}4"]


def test_a_label_with_markup_is_drawn_as_text(app):
    with app.test_request_context("/figures?lang=en"):
        svg = charts.bar_chart("c", ["<b>&x"], [7], "<script>", "a & b")
    soup = BeautifulSoup(svg, "html.parser")
    assert soup.find("script") is None and soup.find("b") is None
    assert soup.title.get_text() == "<script>" and "<b>&x" in soup.get_text()
