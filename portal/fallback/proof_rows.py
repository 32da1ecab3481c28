"""The rows of the helpdesk's list of proofs as HTML, built in Python from one format per
language.

A page shows 50 proofs. Written in Jinja, each row cost a URL build, two dates, the state's
translation (with a date and a file's reference, or a revoke form with its own translated
button and CSRF token) and a dozen escapes, on top of six relations loaded per proof: the
page took three times the officers' queue (issue 15), as the ticket list did
(`portal.fallback.desk_rows`). A row only depends on the proof's own values (its state
among them, decided on the page's day by the service) and on texts that are the same for
every row in one language, which are translated and escaped once per language and process
(`Texts`); each row is one `str.format` of its escaped values.

An unused proof's row holds a revoke form. Its CSRF token is the request's: a kept row
holds a hole in its place (`portal.fragments`), filled once per page.

Everything that comes from a requester or an agent (address, party, names, codes, the
file's reference) is escaped here.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from markupsafe import Markup

from portal import fragments, i18n
from portal.i18n import _
from portal.keep import linked_rows
from portal.web import html_text

# Rows already written, per language, under their values and the desk's address. Bounded
# (about 400 bytes a row).
MAX_ROWS = 2000
STORE = "portal.proof_rows"  # the application store of the texts and rows, per language
# Where a row's values go in the translated sentences that take them.
_DAY, _REFERENCE, _CODE = "\x00", "\x01", "\x02"
_ROW = (
    '<tr><td>{code}</td><td><a href="{url}/tickets/{ticket_id}">{ticket}</a></td>'
    "<td>{email}<br>{party}</td><td>{issued} ({issuer})</td><td>{expires}</td>"
    "<td>{state}</td></tr>\n"
)
_REVOKE = (
    '{unused} <form method="post" action="{url}/proofs/{id}/revoke" class="inline-form"'
    ' novalidate><input type="hidden" name="csrf_token" value="{token}">'
    '<button type="submit" class="link-button">{button}</button></form>'
)


@dataclass(frozen=True)
class Texts:
    """The states' texts in one language, escaped, and the rows written in it."""

    used: str  # "Used on \x00 for file \x01"
    revoked: str
    expired: str
    unused: str
    revoke: str  # the button: "Revoke proof \x02"
    rows: dict[tuple, str] = field(default_factory=dict)

    @classmethod
    def translated(cls) -> Texts:
        return cls(
            used=html_text(
                _("Used on %(day)s for file %(reference)s", day=_DAY, reference=_REFERENCE)
            ),
            revoked=html_text(_("Revoked")),
            expired=html_text(_("Expired unused")),
            unused=html_text(_("Not used yet")),
            revoke=html_text(_("Revoke proof %(code)s", code=_CODE)),
        )


def render(proofs: Iterable, *, desk_url: str) -> Markup:
    """The <tr> of each proof of a page (`portal.fallback.proofs.DeskProof`s), in order,
    with this request's CSRF token in each revoke form; `desk_url` is the desk's address
    (its tickets' and proofs' addresses go on from it)."""
    rows = linked_rows(STORE, Texts.translated, proofs, desk_url, _row, MAX_ROWS)
    return fragments.filled(fragments.holes(rows))


def _row(proof, texts: Texts, url: str) -> str:
    code = html_text(proof.code)
    if proof.state == "used":
        state = texts.used.replace(
            _DAY, html_text(i18n.format_date(proof.used_at, "medium"))
        ).replace(_REFERENCE, html_text(proof.reference or "–"))
    elif proof.state == "revoked":
        state = texts.revoked
    elif proof.state == "expired":
        state = texts.expired
    else:
        state = _REVOKE.format(
            unused=texts.unused,
            url=url,
            id=int(proof.id),
            token=fragments.hole(fragments.CSRF),
            button=texts.revoke.replace(_CODE, code),
        )
    return _ROW.format(
        code=code,
        url=url,
        ticket_id=int(proof.ticket_id),
        ticket=html_text(proof.ticket_number),
        email=html_text(proof.email),
        party=html_text(proof.party),
        issued=html_text(i18n.format_date(proof.created_at, "medium")),
        issuer=html_text(proof.issuer),
        expires=html_text(i18n.format_date(proof.expires_on, "medium")),
        state=state,
    )
