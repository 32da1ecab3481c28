"""The rows of a partner desk's inbox as HTML, built in Python from one format per language.

A page shows 50 referrals. Written in Jinja, each row cost a URL build, two translations, a
status title made of four lazy translations, a date and half a dozen escapes: the template
was 60% of the page's time (issue 15), as it was for the officers' queue
(`portal.backoffice.queue_rows`). A row only depends on the referral's own values and on
texts that are the same for every row in one language (the steps' and the statuses'
titles, the word "Referral"), so those are translated and escaped once per language and
process (`Texts`), and each row is one `str.format` of its escaped values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from onboarding.models import ReferralStatus
from onboarding.referrals import TEXTS
from portal import i18n
from portal.i18n import _
from portal.keep import linked_rows
from portal.web import html_text

# Rows already written, per language, under their values and the inbox's address. Bounded
# (about 200 bytes a row).
MAX_ROWS = 2000
STORE = "onboarding.inbox_rows"  # the application store of the texts and rows, per language
_NUMBER = "\x00"  # where the referral's number goes in the translated "Referral %(number)s"
_ROW = (
    '<tr><td><a href="{url}{id}">{name}</a></td><td>{step}</td>'
    "<td>{received}</td><td>{status}</td></tr>\n"
)


@dataclass(frozen=True)
class Texts:
    """Every text a row shows that is the same for all rows, in one language, escaped."""

    referral: str  # "Referral \x00": the number takes the place of _NUMBER
    steps: dict[str, str]  # a checklist item's short title, by its code
    statuses: dict[ReferralStatus, str]
    rows: dict[tuple, str] = field(default_factory=dict)

    @classmethod
    def translated(cls) -> Texts:
        return cls(
            referral=html_text(_("Referral %(number)s", number=_NUMBER)),
            steps={code: html_text(texts["short"]) for code, texts in TEXTS.items()},
            statuses={status: html_text(status.title) for status in ReferralStatus},
        )


def render(referrals: Iterable, *, referral_url: str) -> Markup:
    """The <tr> of each referral of a page (`onboarding.answers.InboxPage.referrals`), in
    order; `referral_url` is the address a referral's id is appended to."""
    return linked_rows(STORE, Texts.translated, referrals, referral_url, _row, MAX_ROWS)


def _row(referral, texts: Texts, url: str) -> str:
    number = str(int(referral.id))
    return _ROW.format(
        url=url,
        id=number,
        name=texts.referral.replace(_NUMBER, number),
        # The step's code, without what makes it one of several ("school-2"), as
        # `referrals.step_title` reads it.
        step=texts.steps[referral.item_code.split("-")[0]],
        received=html_text(i18n.format_date(referral.consent_given_at, "medium")),
        status=texts.statuses[referral.status],
    )
