"""The rows of the officers' mandates to verify as HTML, built in Python from one format per
language.

A page shows 50 mandates. Written in Jinja, each row cost a URL build, a moment in Brussels
time, a translation that takes the employer's name and half a dozen escapes, on whole
mandates read with their foreign employer and its mandatary: about 8 ms a page against the
2 of the officers' queue (issue 15), as the queue's own rows once did
(`portal.backoffice.queue_rows`). A row only depends on the mandate's own values
(`portal.accounts.mandates.PENDING_COLUMNS`) and on the link's text, which is translated
and escaped once per language and process (`Texts`), and each row is one `str.format` of
its escaped values.

Everything a mandatary typed (the foreign employer's name and country, its own name) is
escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from portal import i18n
from portal.i18n import _
from portal.keep import linked_rows
from portal.web import html_text

# Rows already written, per language, under their values and the mandates' address. Bounded
# (about 300 bytes a row).
MAX_ROWS = 2000
STORE = "portal.mandate_rows"  # the application store of the texts and rows, per language
_NAME = "\x00"  # where the employer's name goes in the translated "Check the mandate of %(name)s"
_ROW = (
    "<tr><td>{uploaded}</td><td>{employer} ({country})</td><td>{mandatary}</td>"
    '<td><a href="{url}{id}">{check}</a></td></tr>\n'
)


@dataclass(frozen=True)
class Texts:
    """The link's text in one language, escaped, and the rows written in it."""

    check: str  # "Check the mandate of \x00": the employer's name takes the place of _NAME
    rows: dict[tuple, str] = field(default_factory=dict)

    @classmethod
    def translated(cls) -> Texts:
        return cls(check=html_text(_("Check the mandate of %(name)s", name=_NAME)))


def render(mandates: Iterable, *, mandate_url: str) -> Markup:
    """The <tr> of each mandate of a page (`portal.accounts.mandates.pending_page`'s items),
    in order; `mandate_url` is the address a mandate's id is appended to."""
    return linked_rows(STORE, Texts.translated, mandates, mandate_url, _row, MAX_ROWS)


def _row(mandate, texts: Texts, url: str) -> str:
    employer = html_text(mandate.employer_name)
    return _ROW.format(
        url=url,
        id=int(mandate.id),
        uploaded=html_text(i18n.format_datetime(mandate.created_at, "short")),
        employer=employer,
        country=html_text(mandate.employer_country),
        mandatary=html_text(mandate.mandatary_name),
        check=texts.check.replace(_NAME, employer),
    )
