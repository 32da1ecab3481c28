"""The rows of an officer's file page's audit trail as HTML, built in Python.

Every opening of a file adds an entry, and the page shows the latest 21. Written in Jinja,
each row cost a moment in Brussels time, a sentence made of two or three translations and
their escapes: a twentieth of the officer's file page (issue 15). An entry never changes
once written, so its row depends only on its values (who acted, and whether their account
was closed since, among them), the titles of the file's documents (a download names the
document) and the language: it is kept under them (`keep.rows_html`), and the next
opening of the same file, by any officer, writes only its one new row.

Everything in a sentence (a person's name, an entry's detail) is escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from markupsafe import Markup

from portal import i18n
from portal.backoffice.services import describe_entry
from portal.keep import per_language, rows_html
from portal.web import html_text

# Rows already written, per language, under their values and the file's document titles.
# Bounded (about 200 bytes a row): at the limit the language's rows are written anew.
MAX_ROWS = 4000
STORE = "portal.trail_rows"  # the application store of the rows, per language
_ROW = "<tr><td>{at}</td><td>{sentence}</td></tr>\n"


def render(entries: Iterable, documents_by_name: Mapping[str, str]) -> Markup:
    """The <tr> of each entry of a trail's page (`portal.audit.TrailEntry`s), in order;
    `documents_by_name` titles the documents a download names (`describe_entry`)."""
    titles = dict(documents_by_name)
    return rows_html(
        entries,
        per_language(STORE, dict),
        tuple(sorted(titles.items())),
        lambda entry: _ROW.format(
            at=html_text(i18n.format_datetime(entry.at, "short")),
            sentence=html_text(describe_entry(entry, titles)),
        ),
        MAX_ROWS,
    )
