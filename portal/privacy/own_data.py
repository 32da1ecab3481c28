"""What the portal holds about the logged-in person (GDPR art. 15), as JSON and as a PDF.

`collect(user)` builds one document of sections: the account, the identity an
entrepreneur gave for professional cards, its organisation or
mandatary and the role in it, requests to join and claims, mandates uploaded, the files
the person filed or follows, helpdesk tickets, the choice of e-mails, the login sessions,
and the audit of who viewed or changed those files (and what the person did). Plug-ins add
sections through `app.extensions["own_data_sections"]`: a dict name -> callable(user)
returning a JSON-serialisable dict; every registered section is included under its name.
The PDF names a plug-in's section and keys in the reader's language when the plug-in
registers them too (`own_data_titles`, `own_data_labels`: name -> lazy string).

Nothing of other people: a file the person *filed* shows its reference, kind, status and
dates, not the worker it concerns (another person); a file the person *follows* as a
viewer (they are its worker) shows the worker's details as well. The audit names who acted
by role ("Officer"), never by name, and leaves out the entries' details (a document's
file name may name the worker). Internal helpdesk notes are left out. Never secrets:
no password hash, session token, token hash, salt, access token or API key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from enum import Enum

from flask import current_app
from sqlalchemy import Row, or_, select

from portal import audit, clock, pdf
from portal.accounts import services
from portal.accounts.models import (
    CardPerson,
    Mandate,
    MembershipClaim,
    OrganisationClaim,
    User,
)
from portal.accounts.sessions import UserSession, browser_label
from portal.dossiers.lifecycle import preferences
from portal.dossiers.models import Dossier, DossierViewer
from portal.extensions import db
from portal.fallback.models import EntryKind, HelpdeskTicket
from portal.i18n import _, _l, force_locale

Section = Callable[[User], dict]
AUDIT_LIMIT = 5000  # the newest entries; an account with more is told how many were left

TITLES = {
    "about": _l("About this document"),
    "account": _l("Your account"),
    "card_person": _l("Your identity for a professional card"),
    "organisation": _l("Your organisation"),
    "mandatary": _l("The mandatary you act for"),
    "files": _l("Files"),
    "tickets": _l("Helpdesk tickets"),
    "notifications": _l("E-mails you receive"),
    "sessions": _l("Login sessions"),
    "audit": _l("Who viewed or changed your files"),
}


def _title(value) -> str | None:
    if value is None:
        return None
    if isinstance(getattr(type(value), "title", None), property):
        return value.title  # the vocabulary's label, in the current language
    return value.value if isinstance(value, Enum) else str(value)


def _account(user: User) -> dict:
    return {
        "name": user.name,
        "email": user.email,
        "role": _title(user.role),
        "language": user.locale,
        "created_at": user.created_at,
        "email_verified_at": user.email_verified_at,
        "active": user.active,
        "closed_at": user.closed_at,
        "last_login_at": user.last_login_at,
    }


def _card_person(user: User) -> dict:
    """The identity an entrepreneur registered with (a new card file starts from it);
    nothing for anyone else."""
    person = db.session.get(CardPerson, user.id)
    if person is None:
        return {}
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "birth_date": person.birth_date,
        "nationality": person.nationality,
        "residence_document": _title(person.residence_document),
        "residence_valid_until": person.residence_valid_until,
        "street_and_number": person.address_street,
        "postal_code": person.address_postal_code,
        "town": person.address_city,
        "country": person.address_country,
    }


def _organisation(user: User) -> dict:
    organisation = user.organisation
    joined = db.session.scalars(
        select(MembershipClaim).where(MembershipClaim.user_id == user.id)
    ).all()
    claims = db.session.scalars(
        select(OrganisationClaim).where(OrganisationClaim.claimant_id == user.id)
    ).all()
    return {
        "name": organisation.name if organisation else None,
        "enterprise_number": organisation.kbo_on_record if organisation else None,
        "your_role": _title(user.org_role),
        "requests_to_join": [
            {
                "organisation": claim.organisation.name,
                "status": _title(claim.status),
                "asked_at": claim.created_at,
                "decided_at": claim.decided_at,
                "reason": claim.decision_reason,
            }
            for claim in joined
        ],
        "claims": [
            {
                "organisation": claim.organisation.name,
                "enterprise_number": claim.kbo_number,
                "status": _title(claim.status),
                "proof": claim.proof_file_name,
                "asked_at": claim.created_at,
                "decided_at": claim.decided_at,
                "reason": claim.decision_reason,
            }
            for claim in claims
        ],
    }


def _mandatary(user: User) -> dict:
    mandatary = user.mandatary
    mandates = db.session.scalars(
        select(Mandate).where(Mandate.uploaded_by_id == user.id).order_by(Mandate.id)
    ).all()
    return {
        "name": mandatary.name if mandatary else None,
        "enterprise_number": mandatary.kbo_number if mandatary else None,
        "mandates_you_uploaded": [
            {
                "foreign_employer": mandate.foreign_employer.name,
                "country": mandate.foreign_employer.country,
                "starts_on": mandate.starts_on,
                "ends_on": mandate.ends_on,
                "status": _title(mandate.status),
                "file": mandate.file_name,
                "uploaded_at": mandate.created_at,
                "rejection_reason": mandate.rejection_reason,
            }
            for mandate in mandates
        ],
    }


def _file(dossier: Dossier | Row) -> dict:
    return {
        "reference": dossier.reference,
        "kind": _title(dossier.permit),
        "status": _title(dossier.status),
        "created_at": dossier.created_at,
        "submitted_on": dossier.submitted_on,
        "flemish_decision_on": dossier.flemish_decision_on,
        "federal_decision_on": dossier.federal_decision_on,
    }


def _worker(dossier: Dossier) -> dict:
    """The worker's details of a file the person follows (they are its worker)."""
    return {
        "first_name": dossier.worker_first_name,
        "last_name": dossier.worker_last_name,
        "birth_date": dossier.worker_birth_date,
        "nationality": dossier.worker_nationality,
        "passport": dossier.worker_passport,
        "email": dossier.worker_email,
        "language": dossier.worker_locale,
    }


# What `_file` shows of a file. An employer may have filed ten thousand: they are read as
# rows of these columns, not as whole files (0.36 s -> 70 ms for 10,000, issue #15).
FILE_COLUMNS = (
    Dossier.reference,
    Dossier.permit,
    Dossier.status,
    Dossier.created_at,
    Dossier.submitted_on,
    Dossier.flemish_decision_on,
    Dossier.federal_decision_on,
)


def _filed(user: User) -> Sequence[Row]:
    statement = select(*FILE_COLUMNS).where(Dossier.created_by_id == user.id)
    return db.session.execute(statement.order_by(Dossier.id)).all()


def _followed(user: User) -> list[Dossier]:
    return list(
        db.session.scalars(
            select(Dossier)
            .join(DossierViewer, DossierViewer.dossier_id == Dossier.id)
            .where(DossierViewer.user_id == user.id)
            .order_by(Dossier.id)
        )
    )


def _files(user: User) -> dict:
    return {
        "filed_by_you": [_file(d) for d in _filed(user)],
        "followed_by_you": [_file(d) | {"worker": _worker(d)} for d in _followed(user)],
    }


def _tickets(user: User) -> dict:
    mine = or_(
        HelpdeskTicket.user_id == user.id,
        HelpdeskTicket.requester_email == services.normalise_email(user.email),
    )
    tickets = db.session.scalars(select(HelpdeskTicket).where(mine).order_by(HelpdeskTicket.id))
    return {
        "tickets": [
            {
                "number": ticket.number,
                "status": _title(ticket.status),
                "opened_at": ticket.created_at,
                "resolved_at": ticket.resolved_at,
                "name": ticket.requester_name,
                "email": ticket.requester_email,
                "organisation": ticket.organisation_name,
                "what_you_tried": ticket.tried,
                "error": ticket.error_text,
                "screenshot": ticket.screenshot_name,
                "messages": [
                    {"kind": entry.kind.value, "at": entry.created_at, "text": entry.body}
                    for entry in ticket.entries
                    if entry.kind != EntryKind.NOTE
                ],
            }
            for ticket in tickets
        ]
    }


def _notifications(user: User) -> dict:
    return {
        "emails": [
            {"about": str(preferences.KINDS[kind]), "receive": receive}
            for kind, receive in preferences.receives(user).items()
        ]
    }


def _sessions(user: User) -> dict:
    rows = db.session.scalars(
        select(UserSession).where(UserSession.user_id == user.id).order_by(UserSession.id)
    )
    return {
        "sessions": [
            {
                "started_at": row.created_at,
                "last_seen_at": row.last_seen_at,
                "ended_at": row.ended_at,
                "ip_address": row.ip,
                "browser": browser_label(row.user_agent),
            }
            for row in rows
        ]
    }


def _references(user: User) -> dict[int, str]:
    """The references of the files `user` filed or follows, by id: two narrow queries, not
    the files themselves (an employer may have filed ten thousand)."""
    filed = select(Dossier.id, Dossier.reference).where(Dossier.created_by_id == user.id)
    followed = (
        select(Dossier.id, Dossier.reference)
        .join(DossierViewer, DossierViewer.dossier_id == Dossier.id)
        .where(DossierViewer.user_id == user.id)
    )
    return {row.id: row.reference for row in db.session.execute(filed.union(followed))}


def _audit(user: User) -> dict:
    own = _references(user)
    query = (
        select(audit.AuditEntry)
        .where(
            or_(
                audit.AuditEntry.dossier_id.in_(list(own) or [0]),
                audit.AuditEntry.actor_id == user.id,
            )
        )
        .order_by(audit.AuditEntry.at.desc(), audit.AuditEntry.id.desc())
    )
    entries = db.session.scalars(query.limit(AUDIT_LIMIT + 1)).all()
    return {
        "entries": [
            {
                "at": entry.at,
                "action": entry.action,
                "file": own.get(entry.dossier_id),
                "by": _who(entry, user),
            }
            for entry in entries[:AUDIT_LIMIT]
        ],
        "more_not_shown": len(entries) > AUDIT_LIMIT,
    }


def _who(entry: audit.AuditEntry, user: User) -> str:
    if entry.actor_id == user.id:
        return _("You")
    if entry.actor is not None:
        return _title(entry.actor.role)
    if entry.api_client_id is not None:
        return _("A connected system")
    return _("The portal")


CORE: dict[str, Section] = {
    "account": _account,
    "card_person": _card_person,
    "organisation": _organisation,
    "mandatary": _mandatary,
    "files": _files,
    "tickets": _tickets,
    "notifications": _notifications,
    "sessions": _sessions,
    "audit": _audit,
}


def sections() -> dict[str, Section]:
    """The portal's sections, then every plug-in's (`own_data_sections`), by name."""
    added = current_app.extensions.get("own_data_sections", {})
    clash = set(added) & (set(CORE) | {"about"})
    if clash:
        raise RuntimeError(f"own_data_sections may not replace {', '.join(sorted(clash))}")
    return CORE | added


def collect(user: User) -> dict:
    """Everything the portal holds about `user`, JSON-ready (dates as ISO text)."""
    document = {
        "about": {
            "made_at": clock.now(),
            "for": user.email,
            "explanation": _(
                "What the Single Permit Portal holds about you, as asked under article 15 "
                "of the GDPR."
            ),
        }
    }
    for name, section in sections().items():
        document[name] = section(user)
    # Made JSON-ready by a round trip through the encoder, without indentation: Python's
    # json encodes in C only then (with it, the pure-Python encoder took 0.35 s for an
    # employer with 10,000 files).
    return json.loads(json.dumps(document, default=_plain, ensure_ascii=False))


def _plain(value):
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    return str(value)  # lazy strings


def to_json(document: dict) -> str:
    return json.dumps(document, default=_plain, ensure_ascii=False, indent=2)


LABELS = {
    "made_at": _l("Made on"),
    "for": _l("For"),
    "explanation": _l("What it is"),
    "name": _l("Name"),
    "email": _l("E-mail address"),
    "role": _l("Role"),
    "language": _l("Language"),
    "created_at": _l("Created"),
    "email_verified_at": _l("E-mail address confirmed"),
    "active": _l("Active"),
    "closed_at": _l("Closed"),
    "last_login_at": _l("Last login"),
    "enterprise_number": _l("Enterprise number"),
    "your_role": _l("Your role"),
    "requests_to_join": _l("Requests to join"),
    "claims": _l("Claims to the enterprise number"),
    "organisation": _l("Organisation"),
    "status": _l("Status"),
    "asked_at": _l("Asked"),
    "decided_at": _l("Decided"),
    "reason": _l("Reason"),
    "proof": _l("Proof"),
    "mandates_you_uploaded": _l("Mandates you uploaded"),
    "foreign_employer": _l("Foreign employer"),
    "country": _l("Country"),
    "starts_on": _l("Starts"),
    "ends_on": _l("Ends"),
    "file": _l("File"),
    "uploaded_at": _l("Uploaded"),
    "rejection_reason": _l("Reason for the rejection"),
    "filed_by_you": _l("Files you filed"),
    "followed_by_you": _l("Files you follow"),
    "reference": _l("Reference"),
    "kind": _l("Kind"),
    "submitted_on": _l("Submitted"),
    "flemish_decision_on": _l("Decision of Flanders"),
    "federal_decision_on": _l("Decision on the residence"),
    "worker": _l("Worker"),
    "first_name": _l("First name"),
    "last_name": _l("Last name"),
    "birth_date": _l("Date of birth"),
    "nationality": _l("Nationality"),
    "passport": _l("Passport number"),
    "residence_document": _l("Residence document"),
    "residence_valid_until": _l("Residence document valid until"),
    "street_and_number": _l("Street and number"),
    "postal_code": _l("Postal code"),
    "town": _l("Town or city"),
    "tickets": _l("Tickets"),
    "number": _l("Number"),
    "opened_at": _l("Opened"),
    "resolved_at": _l("Resolved"),
    "what_you_tried": _l("What you tried"),
    "error": _l("Error"),
    "screenshot": _l("Screenshot"),
    "messages": _l("Messages"),
    "at": _l("When"),
    "text": _l("Text"),
    "emails": _l("E-mails"),
    "about": _l("About"),
    "receive": _l("You receive them"),
    "sessions": _l("Sessions"),
    "started_at": _l("Started"),
    "last_seen_at": _l("Last active"),
    "ended_at": _l("Ended"),
    "ip_address": _l("IP address"),
    "browser": _l("Browser"),
    "entries": _l("Entries"),
    "action": _l("Action"),
    "by": _l("By"),
    "more_not_shown": _l("Older entries left out"),
}


def _named(key: str, own: dict, added: str) -> str:
    """The words for `key`: the portal's (`own`), else a plug-in's (`app.extensions[added]`,
    key -> lazy string, in the reader's language), else the key itself."""
    known = own.get(key)
    if known is None:
        known = current_app.extensions.get(added, {}).get(key)
    return str(known) if known is not None else key.replace("_", " ").capitalize()


def label(key: str) -> str:
    """A key of the document in words (plug-ins add theirs: `own_data_labels`)."""
    return _named(key, LABELS, "own_data_labels")


def section_title(name: str) -> str:
    """A section's title (plug-ins add theirs: `own_data_titles`)."""
    return _named(name, TITLES, "own_data_titles")


PDF_LIST_LIMIT = 50  # items of one list the PDF shows
PDF_ITEMS_LIMIT = 300  # items of all its lists together


class Shortened(list):
    """A list as the PDF shows it: its first items, and how many more it left out."""

    more: int = 0


def for_print(document: dict) -> dict:
    """`document` with every list cut for the PDF: at most `PDF_LIST_LIMIT` items of a
    list and `PDF_ITEMS_LIMIT` of all lists together, in the document's order, each cut
    list saying how many it left out; the JSON download holds them all.

    An employer's account files for the whole organisation: with 10,000 files it took
    WeasyPrint minutes and gigabytes, far past a worker's timeout (each item costs it
    about 8 ms). Cut, the PDF of the largest account takes a few seconds.
    """
    budget = PDF_ITEMS_LIMIT

    def cut(value):
        nonlocal budget
        if isinstance(value, dict):
            return {key: cut(item) for key, item in value.items()}
        if isinstance(value, list):
            kept = value[: max(0, min(PDF_LIST_LIMIT, budget))]
            budget -= len(kept)
            shown = Shortened(cut(item) for item in kept)
            shown.more = len(value) - len(kept)
            return shown
        return value

    return cut(document)


def render_pdf(user: User, locale: str) -> bytes:
    """The PDF of `collect(user)` in `locale`, its long lists cut (`for_print`)."""
    with force_locale(locale):
        document = for_print(collect(user))
    return pdf.render_pdf(
        "pdf/own_data.html",
        locale,
        document=document,
        label=label,
        section_title=section_title,
    )
