"""The rows of the helpdesk's list of the mail intake as HTML, built in Python from one
format per language.

A page shows 50 messages. Written in Jinja, each row cost a URL build, a moment in
Brussels time, an outcome's title, a translation and half a dozen escapes, as the ticket
list's rows did (`portal.fallback.desk_rows`). A row only depends on the message's own
values and on texts that are the same for every row in one language (the outcomes' titles,
"reviewed"), which are translated and escaped once per language and process (`Texts`);
each row is one `str.format` of its escaped values.

Everything a sender wrote (their address, the subject) and the intake's reason code are
escaped here: the intake keeps whatever arrives, so a subject may be any markup at all.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from portal import i18n
from portal.fallback.models import OUTCOME_TITLES, Outcome
from portal.i18n import _
from portal.keep import linked_rows
from portal.web import html_text

# Rows already written, per language, under their values and the messages' address.
# Bounded (about 300 bytes a row).
MAX_ROWS = 2000
STORE = "portal.intake_rows"  # the application store of the texts and rows, per language
_ROW = (
    '<tr><td><a href="{url}{id}">{received}</a></td><td>{sender}</td><td>{subject}</td>'
    "<td>{outcome}{reason}{reviewed}</td><td>{reference}</td></tr>\n"
)


@dataclass(frozen=True)
class Texts:
    """The outcomes' titles and "reviewed" in one language, escaped, and the rows written
    in it."""

    outcomes: dict[Outcome, str]
    reviewed: str  # after the outcome: " · reviewed"
    rows: dict[tuple, str] = field(default_factory=dict)

    @classmethod
    def translated(cls) -> Texts:
        return cls(
            outcomes={outcome: html_text(title) for outcome, title in OUTCOME_TITLES.items()},
            # Not in an f-string: pybabel's extraction does not look inside one.
            reviewed=" · " + html_text(_("reviewed")),
        )


def render(messages: Iterable, *, message_url: str) -> Markup:
    """The <tr> of each message of a page (rows of `portal.fallback.quarantine.
    INTAKE_COLUMNS`), in order; `message_url` is the address a message's id is appended
    to."""
    return linked_rows(STORE, Texts.translated, messages, message_url, _row, MAX_ROWS)


def _row(message, texts: Texts, url: str) -> str:
    return _ROW.format(
        url=url,
        id=int(message.id),
        received=html_text(i18n.format_datetime(message.received_at, "short")),
        sender=html_text(message.sender or "–"),
        subject=html_text(message.subject or "–"),
        outcome=texts.outcomes[message.outcome],
        reason=f" ({html_text(message.reason)})" if message.reason else "",
        reviewed=texts.reviewed if message.review else "",
        reference=html_text(message.reference or "–"),
    )
