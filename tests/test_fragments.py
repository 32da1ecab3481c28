"""Kept fragments (portal/fragments.py): rendered once per key, holes filled per request,
escaped, in one pass, in a bounded store."""

from __future__ import annotations

import pytest

from portal import fragments

STORE = "test.fragments"


@pytest.fixture
def ctx(app):
    with app.test_request_context("/"):
        yield app
    app.extensions.pop(STORE, None)


def test_rendered_once_per_key_and_filled_per_request(ctx):
    renders = []

    def render():
        renders.append(1)
        return f'<a href="{fragments.hole("url")}">{fragments.hole("name")}</a>'

    first = fragments.kept(STORE, "k", render, {"url": "/a?x=1&y=2", "name": "Ann"}.get)
    second = fragments.kept(STORE, "k", render, {"url": "/b", "name": "Bob"}.get)
    assert len(renders) == 1
    assert first == '<a href="/a?x=1&amp;y=2">Ann</a>'
    assert second == '<a href="/b">Bob</a>'


def test_a_value_is_escaped_and_never_searched_again_for_holes(ctx):
    def render():
        return f"<p>{fragments.hole('a')}|{fragments.hole('b')}</p>"

    # The nastiest value: markup, and the very marker of the next hole.
    nasty = f'<script>"x"</script>{fragments.hole("b")}'
    html = fragments.kept(STORE, "k", render, {"a": nasty, "b": "B"}.get)
    assert "<script>" not in html
    assert html.count("|B</p>") == 1
    assert fragments.hole("b") in html  # shown as the text it is, not filled
    assert html.startswith("<p>&lt;script&gt;&#34;x&#34;&lt;/script&gt;")


def test_a_hole_without_a_value_is_an_error_not_an_empty_text(ctx):
    def render():
        return f"<p>{fragments.hole('missing')}</p>"

    with pytest.raises(KeyError):
        fragments.kept(STORE, "k", render, {}.get)
    with pytest.raises(KeyError):
        fragments.kept(STORE, "k2", render)


@pytest.mark.parametrize("name", ["", "URL", "a b", "a:b", "é", "x" * 1000 + "!"])
def test_a_holes_name_is_plain(name):
    with pytest.raises(ValueError):
        fragments.hole(name)


def test_the_store_is_bounded(ctx):
    for number in range(25):
        fragments.kept(STORE, number, lambda number=number: f"<i>{number}</i>", limit=10)
        assert len(ctx.extensions[STORE]) <= 10
    assert fragments.kept(STORE, 24, lambda: "<i>stale</i>", limit=10) == "<i>24</i>"
