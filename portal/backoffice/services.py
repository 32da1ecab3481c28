"""What the officer's file page needs, on top of `portal.dossiers.lifecycle.handling`.

`handling` owns the decisions; this module loads a file for an officer (the one load of a
request: `officer_dossier`), gathers it for display and records document downloads in the
audit trail. Everything after the load takes the loaded `Dossier`.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass

from dateutil.relativedelta import relativedelta
from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import aliased

from portal import audit, transactions
from portal.accounts.models import Role, User
from portal.audit import AuditEntry
from portal.dossiers import access, rules
from portal.dossiers.contents import documents
from portal.dossiers.lifecycle import handling, status
from portal.dossiers.lifecycle.models import InfoRequest, StatusEvent
from portal.dossiers.models import Document, Dossier, DossierStatus
from portal.errors import NotAllowed, NotFound
from portal.i18n import _, _l

S = DossierStatus

ACTION_TITLES = {
    "view": _l("Opened the file"),
    "claim": _l("Took the file"),
    "download": _l("Downloaded a document"),
    "decision_letter": _l("Downloaded the decision letter"),
    "retention:hold_placed": _l("Put the file on legal hold"),
    "retention:hold_lifted": _l("Lifted the legal hold"),
    "retention:anonymised": _l("Anonymised by the retention schedule"),
}

# One sentence per audit action, with %(actor)s (who) and %(detail)s (what, when known).
# A status change is "status:<status>"; an unknown code falls back to a generic sentence.
ACTION_SENTENCES = {
    "view": _l("%(actor)s opened the file."),
    "claim": _l("%(actor)s took the file."),
    "download": _l("%(actor)s downloaded the document “%(detail)s”."),
    "decision_letter": _l("%(actor)s downloaded the decision letter."),
    "info:document": _l("%(actor)s added the document “%(detail)s” to the answer."),
    "fallback:proof_issued": _l("%(actor)s issued a proof of a technical problem."),
    "fallback:proof_revoked": _l("%(actor)s revoked a proof of a technical problem."),
    "fallback:proof_used": _l("%(actor)s used a proof of a technical problem to submit by e-mail."),
    "fallback:data_completed": _l("%(actor)s completed the data of this e-mailed file."),
    "fallback:quarantine_converted": _l("%(actor)s turned a held e-mail into this file."),
    "fallback:quarantine_dismissed": _l("%(actor)s dismissed a held e-mail."),
    "retention:hold_placed": _l("%(actor)s put the file on legal hold: %(detail)s"),
    "retention:hold_lifted": _l("%(actor)s lifted the legal hold."),
    "retention:anonymised": _l("%(actor)s anonymised the file under the retention schedule."),
}
STATUS_SENTENCE = _l("%(actor)s changed the status to “%(status)s”.")
UNKNOWN_SENTENCE = _l("%(actor)s: %(action)s.")


def action_title(action: str) -> str:
    """An audit action in words: a status change names the new status."""
    if action.startswith("status:"):
        try:
            return _("Status changed to “%(status)s”", status=S(action.split(":", 1)[1]).title)
        except ValueError:
            return action
    title = ACTION_TITLES.get(action)
    return str(title) if title is not None else action


def _who(entry: AuditEntry | audit.TrailEntry) -> str:
    if entry.actor is not None and entry.actor.anonymised_at is not None:
        return _("A closed account")  # retention or its owner took the person out of it
    if entry.actor is not None:
        role = {Role.OFFICER: _("Officer"), Role.ADMIN: _("Administrator")}.get(entry.actor.role)
        return f"{role} {entry.actor.name}" if role else entry.actor.name
    if entry.api_client_id:
        return _("The exchange with the Immigration Office")
    return _("The portal")


def _document_title(detail: str) -> str:
    """A stored detail "passport.pdf" or "passport sha256:…" as the document's title."""
    code = detail.split(" ", 1)[0]
    return str(rules.DOCUMENTS[code]) if code in rules.DOCUMENTS else detail


def describe_entry(
    entry: AuditEntry | audit.TrailEntry, documents_by_name: dict[str, str] | None = None
) -> str:
    """The audit entry as a sentence: "Officer An Peeters downloaded the document “Passport”."."""
    actor = _who(entry)
    action = entry.action
    if action.startswith("status:"):
        try:
            title = S(action.split(":", 1)[1]).title
        except ValueError:
            return str(UNKNOWN_SENTENCE) % {"actor": actor, "action": action}
        return str(STATUS_SENTENCE) % {"actor": actor, "status": title}
    sentence = ACTION_SENTENCES.get(action)
    if sentence is None:
        return str(UNKNOWN_SENTENCE) % {"actor": actor, "action": action}
    detail = entry.detail or ""
    if action == "download":
        detail = (documents_by_name or {}).get(detail, detail)
    elif action == "info:document":
        detail = _document_title(detail)
    return str(sentence) % {"actor": actor, "detail": detail}


def document_age(document: Document, submitted_on) -> str | None:
    """For a dated certificate: "ok" or "too_old" (at submission, by the 6-month rule in
    rules.toml); None for other documents, undated ones or an unsubmitted file."""
    if document.requirement not in rules.dated_documents() or document.issued_on is None:
        return None
    if submitted_on is None:
        return None
    limit = submitted_on - relativedelta(months=rules.procedure("certificate_max_age_months"))
    return "too_old" if document.issued_on < limit else "ok"


@dataclass(frozen=True)
class OfficerFile:
    """A file as the officer's page shows it."""

    dossier: Dossier
    # Rows of the columns the page shows (`_file_statements`), each with the name of the
    # person who acted (`actor_name`, `requested_by_name`; None when nobody did).
    events: Sequence[Row]
    requests: Sequence[Row]
    open_request: Row | None
    trail: audit.TrailPage  # the latest entries, or those before the page's cursor

    @property
    def answered(self) -> bool:
        """Whether one of the file's information requests is answered (all are read)."""
        return status.any_answered(self.requests)


def _officer(actor: User) -> None:
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise NotAllowed


def officer_dossier(actor: User, dossier_id: int, *, for_update: bool = False) -> Dossier:
    """A submitted file, for an officer, without writing a view to the trail.

    `access.officer_dossier` does it all; the name stays here for the back office's views.
    """
    return access.officer_dossier(actor, dossier_id, for_update=for_update)


def officer_file(
    actor: User, dossier: Dossier, *, record_view: bool = True, trail_before: str | None = None
) -> OfficerFile:
    """The file with its history and a page of its audit trail (the latest entries, or
    those older than the entry `trail_before`); opening it (record_view) is written to
    the trail. A cursor that is no entry of this file raises `Invalid` before anything is
    written."""
    _officer(actor)
    before = audit.trail_cursor(dossier.id, trail_before)
    if record_view:
        # Committed before the file is shown, apart from the request's reads (on SQLite in
        # a short immediate transaction): the page is never shown unless its view is on the
        # trail, and no lock is held while the page is built.
        transactions.write_apart(
            lambda: handling.open_for_officer(actor, dossier),
            "the view is on the trail first",
            keep=(actor, dossier),  # the page shows the file as it was read, just before
        )
    access.load_contents(dossier)  # after the view's commit, which expires what it did not keep
    events_of, requests_of = _file_statements()
    read = transactions.plain_reads()
    events = read.execute(events_of, {"dossier_id": dossier.id}).all()
    requests = read.execute(requests_of, {"dossier_id": dossier.id}).all()
    open_request = next((r for r in requests if r.answered_at is None), None)
    trail = audit.trail_page(dossier.id, before)
    return OfficerFile(dossier, events, requests, open_request, trail)


@functools.cache
def _file_statements() -> tuple[Select, Select]:
    """The file page's history and information requests, built once per process: the page
    is an officer's most opened one, and a kept statement skips building it and its cache
    key on every view.

    Read as plain rows of the columns the page shows, with the acting person's name joined:
    as ORM objects with their people (every column of both, identity-mapped) they cost
    about 90 µs more of the page (issue 15). The page changes nothing of them."""
    events = (
        _naming(
            StatusEvent.actor_id,
            "actor_name",
            StatusEvent.at,
            StatusEvent.to_status,
            StatusEvent.reason,
            StatusEvent.reason_codes,
            StatusEvent.api_client_id,
        )
        .where(StatusEvent.dossier_id == bindparam("dossier_id"))
        .order_by(StatusEvent.at, StatusEvent.id)
    )
    requests = (
        _naming(
            InfoRequest.requested_by_id,
            "requested_by_name",
            InfoRequest.question,
            InfoRequest.created_at,
            InfoRequest.due_on,
            InfoRequest.answer,
            InfoRequest.answered_at,
        )
        .where(InfoRequest.dossier_id == bindparam("dossier_id"))
        .order_by(InfoRequest.created_at.desc(), InfoRequest.id.desc())
    )
    return events, requests


def _naming(person_id, label: str, *columns) -> Select:
    """`columns`, and as `label` the name of the person `person_id` names (None: nobody)."""
    person = aliased(User)
    return select(*columns, person.name.label(label)).outerjoin(person, person.id == person_id)


def document_for_officer(actor: User, dossier: Dossier, document_id: int) -> Document:
    """A document of a file, its download written to the audit trail."""
    _officer(actor)
    document = documents.get_document(dossier, document_id)
    audit.record_read(
        "download", dossier_id=dossier.id, actor_id=actor.id, detail=document.file_name
    )
    return document


def decided_dossier(actor: User, dossier: Dossier) -> Dossier:
    """A file with a Flemish decision, its letter's download written to the audit trail."""
    _officer(actor)
    if not dossier.flemish_decision:
        raise NotFound
    audit.record_read("decision_letter", dossier_id=dossier.id, actor_id=actor.id)
    return dossier
