"""The privacy page (/privacy) in the person's language, and the record of processing.

The page says in plain words what the portal keeps, for how long, why, and the person's
rights. "How long" is read from the retention schedule itself (`portal.privacy.schedule`),
so the page never says something else than what `retention run` does. The record of
processing (PRIVACY.md, GDPR article 30) is served at /privacy/record: from the checkout's
root, or from the copy the wheel carries in `portal/data` (setup.py), without the parts
about plug-ins this portal runs without.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template
from markdown_it import MarkdownIt
from markupsafe import Markup

from portal.i18n import _l, ngettext
from portal.privacy import schedule
from portal.security import public

bp = Blueprint("privacy_page", __name__)

HERE = Path(__file__).resolve().parent
RECORD_FILES = (HERE.parent / "data" / "PRIVACY.md", HERE.parent.parent / "PRIVACY.md")

# What each series is, in words a newcomer understands.
SERIES_WORDS = {
    "drafts": _l("An application that was never submitted"),
    "files_granted": _l("An application that was granted"),
    "files_refused": _l("An application that was refused"),
    "files_withdrawn": _l("An application that was withdrawn"),
    "documents": _l("The documents of a decided application (passport, diplomas, certificates)"),
    "intake_messages": _l("An application sent by e-mail because the portal did not work"),
    "quarantine": _l("An e-mail the portal could not accept"),
    "outbox": _l("The e-mails the portal sent you"),
    "exchange_outbox": _l("The messages sent to the Immigration Office"),
    "webhooks": _l("The data sent to a local service's own system"),
    "helpdesk_tickets": _l("A question to the helpdesk"),
    "welcome_profiles": _l("Your welcome profile: address, family, children, checklist, referrals"),
    "accounts": _l("Your account"),
    "unconfirmed_accounts": _l("An account whose e-mail address was never confirmed"),
    "sessions": _l("Your logins: when, from which address and with which browser"),
    "claim_contests": _l(
        "Your report that someone else registered your company's enterprise number"
    ),
    "rejected_claims": _l(
        "The proof you gave for a claim to an enterprise number, when the claim was rejected"
    ),
}

TRIGGER_WORDS = {
    "last_change": _l("after the last change"),
    "final_decision": _l("after the final decision"),
    "permit_end": _l("after the end of the permit"),
    "withdrawal": _l("after the withdrawal"),
    "received": _l("after it was received"),
    "delivery": _l("after it was sent"),
    "closed": _l("after it was closed"),
    "welcome_end": _l("after the end of the welcome (or after you withdraw your consent)"),
    "last_login": _l("after your last login"),
    "last_activity": _l("after the login's last activity"),
    "decided": _l("after it was decided"),
    "created": _l("after it was made"),
}

ACTION_WORDS = {
    schedule.DELETE: _l("Then it is deleted."),
    schedule.ANONYMISE: _l("Then your name and details are removed; only anonymous figures stay."),
}


@dataclass(frozen=True)
class Line:
    what: str
    how_long: str
    then: str


def how_long(period: schedule.Period) -> str:
    count = period.count
    if period.unit == "days":
        return ngettext("%(num)s day", "%(num)s days", count)
    if period.unit == "months":
        return ngettext("%(num)s month", "%(num)s months", count)
    return ngettext("%(num)s year", "%(num)s years", count)


def lines() -> list[Line]:
    """One line per series of the schedule, in the schedule's order."""
    found = []
    for name, entry in schedule.load().items():
        words = SERIES_WORDS.get(name, name)
        when = TRIGGER_WORDS.get(entry.trigger, entry.trigger)
        found.append(
            Line(str(words), f"{how_long(entry.period)} {when}", str(ACTION_WORDS[entry.action]))
        )
    return found


def record_text() -> str:
    for path in RECORD_FILES:
        if path.is_file():
            return path.read_text(encoding="utf-8")
    raise FileNotFoundError("PRIVACY.md")


BLOCK = re.compile(r"^<!-- with: ([a-z_]+) -->\n(.*?)^<!-- end -->\n", re.S | re.M)


def for_this_portal(text: str, enabled) -> str:
    """The record without the blocks of plug-ins that are off.

    A block between `<!-- with: <name> -->` and `<!-- end -->` lines (each on a line of its
    own) describes the processing of the plug-in that registers `<name>` in
    `app.extensions`; the marker lines themselves never show.
    """
    return BLOCK.sub(lambda m: m.group(2) if m.group(1) in enabled else "", text)


def record_html() -> Markup:
    """PRIVACY.md as HTML; raw HTML in it is escaped, never passed through."""
    renderer = MarkdownIt("commonmark", {"html": False})
    body = renderer.render(for_this_portal(record_text(), current_app.extensions))
    # The page has its own h1: the record's headings move one level down.
    for level in (5, 4, 3, 2, 1):
        body = body.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    return Markup(body)  # noqa: S704 - markdown-it escapes the text (html=False)


@bp.get("/privacy")
@public
def index():
    return render_template(
        "privacy/index.html",
        lines=lines(),
        welcome="onboarding" in current_app.extensions,
    )


@bp.get("/privacy/record")
@public
def record():
    try:
        body = record_html()
    except FileNotFoundError:
        abort(404)
    return render_template("privacy/record.html", body=body)
