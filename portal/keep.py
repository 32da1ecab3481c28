"""Bounded per-process stores for HTML and texts made once and served many times.

The page frame (`portal.chrome`), the queue's rows and day counts
(`portal.backoffice.queue_rows`) and the queue's filter form keep what they made under a
key that holds everything it depends on, so a kept value is never stale. What they keep
must stay bounded in a long-running worker: at the limit the store is emptied and filled
again from what is asked next (simpler than an LRU, and a store refills in one page).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TypeVar

from flask import current_app
from markupsafe import Markup

from portal.i18n import language
from portal.web import html_text

V = TypeVar("V")


def remember(store: dict, key, value: V, limit: int) -> V:
    """Keep `value` under `key` in `store` (emptied first when it holds `limit` entries)."""
    if len(store) >= limit:
        store.clear()
    store[key] = value
    return value


def per_language(name: str, make: Callable[[], V]) -> V:
    """What `make()` gives in the request's language, made once per process and language
    and kept in the application's store `name` (four languages: never more than four)."""
    made = current_app.extensions.setdefault(name, {})
    key = language()
    value = made.get(key)
    if value is None:
        value = made[key] = make()
    return value


def rows_html(
    rows: Iterable, store: dict, context: tuple, make: Callable[[tuple], str], limit: int
) -> Markup:
    """The HTML of each row, in order, each kept in `store` under `context` (what every row
    of the page shares: the day, the address of a file) and the row's own values, so a row
    is written once and the pages people go back to cost a lookup per row. `make(row)`
    writes a row that is missing; `store` is emptied at `limit` rows."""
    out = []
    for row in rows:
        key = (context, tuple(row))
        html = store.get(key)
        if html is None:
            html = remember(store, key, make(row), limit)
        out.append(html)
    return Markup("".join(out))


def linked_rows(
    name: str,
    translated: Callable[[], V],
    rows: Iterable,
    url: str,
    write: Callable[[object, V, str], str],
    limit: int,
) -> Markup:
    """The HTML of a list's rows, each linking to `url` + its id: `write(row, texts, url)`
    writes a row with the texts of the request's language (`translated()`, made once per
    process and language and kept in the store `name`; they keep the rows written too, in
    their `rows`) and `url` escaped. Each row is kept under `url` and its values
    (`rows_html`), at most `limit` per language."""
    texts = per_language(name, translated)
    escaped = html_text(url)
    return rows_html(rows, texts.rows, (url,), lambda row: write(row, texts, escaped), limit)
