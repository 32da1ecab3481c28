"""The rows of the helpdesk's ticket list as HTML, built in Python from one format per language.

A page shows 50 tickets. Written in Jinja, each row cost a URL build, a status title, a
moment in Brussels time and half a dozen escapes: the template was half of the page's time
(issue 15), as it was for the officers' queue (`portal.backoffice.queue_rows`). A row only
depends on the ticket's own values and on the status titles, which are translated and
escaped once per language and process (`Texts`), and each row is one `str.format` of its
escaped values.

Everything that comes from a requester (name, e-mail address, organisation, and the
ticket's number) is escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from portal import i18n
from portal.fallback.models import TICKET_STATUS_TITLES, TicketStatus
from portal.keep import linked_rows
from portal.web import html_text

# Rows already written, per language, under their values and the tickets' address. Bounded
# (about 300 bytes a row).
MAX_ROWS = 2000
STORE = "portal.desk_rows"  # the application store of the texts and rows, per language
_ROW = (
    '<tr><td><a href="{url}{id}">{number}</a></td><td>{name}<br>{email}</td>'
    "<td>{organisation}</td><td>{status}</td><td>{updated}</td></tr>\n"
)


@dataclass(frozen=True)
class Texts:
    """The status titles in one language, escaped, and the rows written in it."""

    statuses: dict[TicketStatus, str]
    rows: dict[tuple, str] = field(default_factory=dict)

    @classmethod
    def translated(cls) -> Texts:
        return cls(
            statuses={status: html_text(title) for status, title in TICKET_STATUS_TITLES.items()}
        )


def render(tickets: Iterable, *, ticket_url: str) -> Markup:
    """The <tr> of each ticket of a page (`portal.fallback.tickets.DeskPage.tickets`), in
    order; `ticket_url` is the address a ticket's id is appended to."""
    return linked_rows(STORE, Texts.translated, tickets, ticket_url, _row, MAX_ROWS)


def _row(ticket, texts: Texts, url: str) -> str:
    return _ROW.format(
        url=url,
        id=int(ticket.id),
        number=html_text(ticket.number),
        name=html_text(ticket.requester_name),
        email=html_text(ticket.requester_email),
        organisation=html_text(ticket.organisation_name or "–"),
        status=texts.statuses[ticket.status],
        updated=html_text(i18n.format_datetime(ticket.updated_at, "short")),
    )
