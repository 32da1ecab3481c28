"""The rows of "My applications" as HTML, built in Python from one format per language.

A page shows 50 files. Written in Jinja, each row cost about thirty template lookups, a
dozen escapes and four lazy translations: 60% of the page's time (issue 15), as it was for
the officers' queue (`portal.backoffice.queue_rows`). A row only depends on the file's own
values and on texts that are the same for every row in one language (the column names,
the kinds, the status titles), so those are translated and escaped once per language and
process (`Texts`), and each row is one `str.format` of the file's escaped values.

Everything that comes from a file (its reference, the worker's name) is escaped here;
nothing is passed through unescaped but the catalogs' texts, escaped too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from portal import i18n
from portal.dossiers.lifecycle.status import BACK_WITH_OFFICER
from portal.dossiers.models import DossierKind, DossierStatus, Permit
from portal.i18n import _
from portal.keep import linked_rows
from portal.web import html_text

# Rows already written, per language: a row's HTML depends only on its values, the language
# and the files' address, which together are its key. Bounded (about 300 bytes a row).
MAX_ROWS = 2000
STORE = "portal.list_rows"  # the application store of the texts and rows, per language
_ROW = (
    '<tr><td data-label="{l_reference}"><a href="{url}{id}">{reference}</a></td>'
    '<td data-label="{l_worker}">{worker}</td>'
    '<td data-label="{l_kind}">{kind}</td>'
    '<td data-label="{l_status}">{status}</td></tr>\n'
)


@dataclass(frozen=True)
class Texts:
    """Every text a row shows that is the same for all rows, in one language, escaped."""

    labels: dict[str, str]
    kinds: dict[tuple[Permit, DossierKind, bool], str]  # "Single permit · Renewal · posting"
    statuses: dict[DossierStatus, str]  # the status's tag: its title, styled by its value
    back_with_officer: dict[DossierStatus, str]  # the same, titled "Back with the officer"
    rows: dict[tuple, str] = field(default_factory=dict)  # rows written, under their values

    @classmethod
    def translated(cls) -> Texts:
        posting = _("posting")
        return cls(
            labels={
                "l_reference": html_text(_("Reference")),
                "l_worker": html_text(_("Worker")),
                "l_kind": html_text(_("Kind")),
                "l_status": html_text(_("Status")),
            },
            kinds={
                (permit, kind, is_posting): html_text(
                    " · ".join([permit.title, kind.title, *([posting] if is_posting else [])])
                )
                for permit in Permit
                for kind in DossierKind
                for is_posting in (False, True)
            },
            statuses={status: _tag(status, status.label) for status in DossierStatus},
            back_with_officer={status: _tag(status, BACK_WITH_OFFICER) for status in DossierStatus},
        )


def _tag(status: DossierStatus, title) -> str:
    return f'<strong class="tag tag-{html_text(status.value)}">{html_text(title)}</strong>'


def render(files: Iterable, *, file_url: str) -> Markup:
    """The <tr> of each file of a page (`portal.dossiers.access.ListedFile`), in order;
    `file_url` is the address a file's id is appended to. A row once written is kept under
    its values and the address (`keep.rows_html`): people go back to the same first page."""
    return linked_rows(STORE, Texts.translated, files, file_url, _row, MAX_ROWS)


def _row(file, texts: Texts, url: str) -> str:
    """One file's <tr>: its values escaped, the language's texts as they were kept."""
    reference = file.reference or _(
        "Draft of %(date)s", date=i18n.format_date(file.created_at, "medium")
    )
    worker = file.worker_name
    return _ROW.format(
        **texts.labels,
        url=url,
        id=int(file.id),
        reference=html_text(reference),
        worker=html_text(worker) if worker else "–",
        kind=texts.kinds[(file.permit, file.kind, bool(file.is_posting))],
        status=(texts.back_with_officer if file.back_with_officer else texts.statuses)[file.status],
    )
