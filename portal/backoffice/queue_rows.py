"""The rows of the officers' queue as HTML, built in Python from one format per language.

A queue page shows 50 files in ten columns. Written in Jinja, each row cost about fifty
template lookups, a dozen translations and two dozen escapes: half of the page's time
(issue 15). A row's HTML only depends on the file's own values and on texts that are the
same for every row in one language (the column names, the category, channel, kind and
status titles), so those texts are translated and escaped once per language and process
(`Texts`), and each row is one `str.format` of the file's escaped values. A row once
written is kept under all that it depends on (its values, the language, the day), so the
pages officers go back to cost a lookup per row.

Everything that comes from a file or a person (reference, names, KBO number) is escaped
here; nothing is passed through unescaped but the texts of the catalogs, escaped too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from markupsafe import Markup

from portal import i18n
from portal.accounts.models import RELEASED_PREFIX
from portal.dossiers import card_rules, rules
from portal.dossiers.lifecycle import meaning
from portal.dossiers.models import DossierStatus, Permit, full_name
from portal.i18n import _
from portal.keep import per_language, remember, rows_html
from portal.reference import format_kbo
from portal.web import html_text

# Day counts met so far, per language: "3 days left", "Overdue by 12 days". Bounded: a
# long-running process sees a few hundred distinct counts at most, but nothing may grow
# without limit.
MAX_COUNTS = 4096
# Rows already written, per language: officers page through the same files again and again.
# A row's HTML depends only on its values, the language, the queue's state, the day and the
# files' address, which together are its key, so a kept row can never show stale values.
# Bounded (about 1 kB a row): at the limit the language's rows are dropped and made anew.
MAX_ROWS = 2000
_CLOCK_STOPPED = frozenset(meaning.CLOCK_STOPPED)

_ROW = (
    '<tr><td data-label="{l_reference}"><a href="{url}{id}">{reference}</a></td>'
    '<td data-label="{l_worker}">{worker}</td>'
    '<td data-label="{l_employer}">{employer}</td>'
    '<td data-label="{l_kind}">{kind}</td>'
    '<td data-label="{l_category}">{category}</td>'
    '<td data-label="{l_channel}">{channel}</td>'
    '<td data-label="{l_submitted}">{submitted}</td>'
    '<td data-label="{l_date}">{date}</td>'
    '<td data-label="{l_assigned}">{assigned}</td>'
    '<td data-label="{l_status}">{status}</td></tr>\n'
)


def category_titles() -> dict:
    """Every category an officer sees: the single permit's and the professional card's."""
    return {**rules.CATEGORY_TITLES, **dict(card_rules.category_choices())}


@dataclass
class Texts:
    """Every text a row shows that is the same for all rows, in one language, escaped."""

    labels: dict[str, str]
    categories: dict[str, str]
    channels: dict[str, str]
    kinds: dict[Permit, str]
    statuses: dict[DossierStatus, str]
    clock_stopped: str
    due_today: str
    nobody: str
    kbo: str
    foreign: str
    salary: str
    overdue: dict[int, str] = field(default_factory=dict)
    left: dict[int, str] = field(default_factory=dict)
    rows: dict[tuple, str] = field(default_factory=dict)
    heads: dict[bool, str] = field(default_factory=dict)  # by "forwarded": the <tr> of names

    def __post_init__(self) -> None:
        for forwarded in (False, True):
            names = {
                **self.labels,
                "l_date": self.labels["l_forwarded" if forwarded else "l_deadline"],
            }
            cells = "".join(f'<th scope="col">{names[column]}</th>' for column in _COLUMNS)
            self.heads[forwarded] = f"<tr>{cells}</tr>"

    @classmethod
    def current(cls) -> Texts:
        """The texts of the request's language, made once per process."""
        return per_language("portal.queue_rows", cls.translated)

    @classmethod
    def translated(cls) -> Texts:
        from portal.backoffice.forms import CHANNEL_TITLES

        return cls(
            labels={
                key: html_text(label)
                for key, label in {
                    "l_reference": _("Reference"),
                    "l_worker": _("Worker"),
                    "l_employer": _("Employer"),
                    "l_kind": _("Kind"),
                    "l_category": _("Category"),
                    "l_channel": _("Channel"),
                    "l_submitted": _("Submitted"),
                    "l_assigned": _("Assigned to"),
                    "l_status": _("Status"),
                    "l_deadline": _("Legal deadline"),
                    "l_forwarded": _("Forwarded on"),
                }.items()
            },
            categories={key: html_text(title) for key, title in category_titles().items()},
            channels={key: html_text(title) for key, title in CHANNEL_TITLES.items()},
            kinds={permit: html_text(permit.label) for permit in Permit},
            statuses={status: html_text(status.label) for status in DossierStatus},
            clock_stopped=html_text(_("Clock stopped: waiting for the applicant")),
            due_today=f"<strong>{html_text(_('Due today'))}</strong>",
            nobody=html_text(_("Nobody yet")),
            kbo=html_text(_("KBO")),
            foreign=html_text(_("foreign employer")),
            salary=html_text(_("salary to check")),
        )

    def days(self, days_left: int) -> str:
        """ "3 days left", "Due today", "Overdue by 2 days" (as HTML)."""
        if days_left == 0:
            return self.due_today
        counts = self.overdue if days_left < 0 else self.left
        count = abs(days_left)
        text = counts.get(count)
        if text is None:
            if days_left < 0:
                words = i18n.ngettext(
                    "Overdue by %(count)s day", "Overdue by %(count)s days", count, count=count
                )
                text = f'<strong class="overdue">{html_text(words)}</strong>'
            else:
                words = i18n.ngettext(
                    "%(count)s day left", "%(count)s days left", count, count=count
                )
                text = html_text(words)
            remember(counts, count, text, MAX_COUNTS)
        return text


def _employer(row, texts: Texts) -> str:
    if row.organisation_name is not None:
        name = html_text(row.organisation_name)
        kbo = row.organisation_kbo or ""
        if kbo.startswith(RELEASED_PREFIX):
            return name
        return f'{name}<br><span class="hint">{texts.kbo} {html_text(format_kbo(kbo))}</span>'
    if row.foreign_employer_name is not None:
        return (
            f'{html_text(row.foreign_employer_name)}<br><span class="hint">{texts.foreign}</span>'
        )
    return "–"


def _when(row, texts: Texts, *, forwarded: bool, today: date) -> str:
    if forwarded:
        return html_text(i18n.format_date(row.forwarded_on, "medium"))
    if row.status in _CLOCK_STOPPED:
        return texts.clock_stopped
    if row.deadline_on is None:
        return "–"
    return texts.days((row.deadline_on - today).days)


_COLUMNS = (
    "l_reference",
    "l_worker",
    "l_employer",
    "l_kind",
    "l_category",
    "l_channel",
    "l_submitted",
    "l_date",
    "l_assigned",
    "l_status",
)


def head(*, state: str) -> Markup:
    """The <tr> of the column names, in the request's language (the same labels as each
    row's stacked layout)."""
    return Markup(Texts.current().heads[state == "forwarded"])


def render(rows: Iterable, *, state: str, today: date, file_url: str) -> Markup:
    """The <tr> of each queue row (`portal.backoffice.queue.QueuePage.rows`), in order.

    `state` is the queue's ("forwarded" shows the day of forwarding instead of the legal
    deadline), `today` the day the deadlines are counted from, `file_url` the address a
    file's id is appended to."""
    texts = Texts.current()
    forwarded = state == "forwarded"
    return rows_html(
        rows,
        texts.rows,
        (forwarded, today, file_url),
        lambda row: _row(row, texts, forwarded=forwarded, today=today, url=file_url),
        MAX_ROWS,
    )


def _row(row, texts: Texts, *, forwarded: bool, today: date, url: str) -> str:
    """One row's <tr>: the file's values escaped, the language's texts as they were kept."""
    labels = texts.labels
    channel = texts.channels.get(row.channel.value, html_text(row.channel.value))
    if row.thresholds_missing:
        channel += f"<br><strong>{texts.salary}</strong>"
    worker = full_name(row.worker_first_name, row.worker_last_name)
    return _ROW.format(
        **labels,
        l_date=labels["l_forwarded" if forwarded else "l_deadline"],
        url=html_text(url),
        id=row.id,
        reference=html_text(row.reference),
        worker=html_text(worker) if worker else "–",
        employer=_employer(row, texts),
        kind=texts.kinds[row.permit],
        category=texts.categories.get(row.category, "–"),
        channel=channel,
        submitted=html_text(i18n.format_date(row.submitted_at, "medium")),
        date=_when(row, texts, forwarded=forwarded, today=today),
        assigned=html_text(row.officer_name) if row.officer_name is not None else texts.nobody,
        status=texts.statuses[row.status],
    )
