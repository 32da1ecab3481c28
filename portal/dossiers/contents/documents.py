"""Documents of a dossier: checked like every upload, within per-file and per-dossier limits."""

from __future__ import annotations

from datetime import date

from flask import current_app

from portal import clock, uploads
from portal.accounts.models import User
from portal.dossiers import card_rules, rules
from portal.dossiers.contents import card
from portal.dossiers.models import Document, Dossier
from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.i18n import _, format_date

ALLOWED = ("pdf", "jpeg", "png")


def limits() -> tuple[int, int]:
    """(bytes per file, bytes per dossier), shown to the user before they upload."""
    return current_app.config["DOCUMENT_MAX_BYTES"], current_app.config["DOSSIER_MAX_BYTES"]


def used_bytes(dossier: Dossier) -> int:
    return sum(document.size for document in dossier.documents)


def add_document(
    actor: User,
    dossier: Dossier,
    *,
    requirement: str,
    data: bytes,
    file_name: str,
    issued_on: date | None,
    today: date | None = None,
) -> Document:
    """Store one file for one requirement of a draft (several files per requirement allowed)."""
    today = today or clock.today()
    errors: dict[str, list[str]] = {}
    if requirement not in required(dossier):
        errors["requirement"] = [_("Choose one of the documents on the checklist.")]
    if card.is_card(dossier) and requirement in card.DATED:
        oldest = card.oldest_dated_document(today)
        if issued_on is None:
            errors["issued_on"] = [_("Give the date of issue of this certificate.")]
        elif issued_on > today:
            errors["issued_on"] = [_("The date of issue cannot be in the future.")]
        elif issued_on < oldest:
            errors["issued_on"] = [
                _(
                    "The extract from the criminal record must have been issued at most "
                    "%(months)s months before you submit: on or after %(date)s.",
                    months=card_rules.criminal_record_max_age_months(),
                    date=format_date(oldest),
                )
            ]
    elif card.is_card(dossier):
        pass
    elif requirement in rules.dated_documents():
        if issued_on is None:
            errors["issued_on"] = [_("Give the date of issue of this certificate.")]
        elif issued_on > today:
            errors["issued_on"] = [_("The date of issue cannot be in the future.")]
        elif issued_on < rules.oldest_certificate_date(today):
            months = rules.procedure("certificate_max_age_months")
            errors["issued_on"] = [
                _(
                    "This certificate is more than %(months)s months old: it would make the file inadmissible. Ask for a recent one, issued on or after %(date)s.",
                    months=months,
                    date=format_date(rules.oldest_certificate_date(today)),
                )
            ]
    per_file, per_dossier = limits()
    if used_bytes(dossier) + len(data) > per_dossier:
        errors["file"] = [
            _(
                "Together, the documents of a file may be at most %(size)s MB. Remove a file or make this one smaller.",
                size=uploads.megabytes(per_dossier),
            )
        ]
    if errors:
        raise Invalid(errors)
    stored = uploads.store(data, file_name, ALLOWED, per_file, field="file")
    document = Document(
        dossier=dossier,
        requirement=requirement,
        file_name=stored.file_name,
        stored_name=stored.stored_name,
        sha256=stored.sha256,
        size=stored.size,
        mime=stored.mime,
        issued_on=issued_on,
        uploaded_by_id=actor.id,
    )
    db.session.add(document)
    db.session.flush()
    if not _missing(dossier):
        dossier.mark_done("documents")
    return document


def _missing(dossier: Dossier) -> list[str]:
    from portal.dossiers.contents.sections import missing_documents

    return missing_documents(dossier)


def get_document(dossier: Dossier, document_id: int) -> Document:
    document = db.session.get(Document, document_id)
    if document is None or document.dossier_id != dossier.id:
        raise NotFound
    return document


def remove_document(dossier: Dossier, document_id: int) -> None:
    """Remove a file from a draft; its stored bytes go with it."""
    document = get_document(dossier, document_id)
    db.session.delete(document)
    db.session.flush()
    if _missing(dossier):
        dossier.mark_done("documents", False)
    # The bytes go only once the deletion commits; a rollback keeps the row and its file.
    uploads.discard(document.stored_name)


def required(dossier: Dossier) -> tuple[str, ...]:
    """The documents the dossier needs (none before its category is chosen)."""
    if card.is_card(dossier):
        return card.required_documents(dossier)
    if dossier.category is None:
        return ()
    return rules.required_documents(dossier.category, dossier.is_posting)


def titles(dossier: Dossier) -> dict:
    """Document titles by requirement code, for the dossier's kind."""
    return card.document_titles() if card.is_card(dossier) else rules.DOCUMENTS


def dated(dossier: Dossier) -> frozenset[str]:
    """The requirements whose date of issue is asked."""
    return card.DATED if card.is_card(dossier) else rules.dated_documents()


def requirement_choices(dossier: Dossier) -> tuple[tuple[str, ...], list]:
    """The dossier's required documents, and the same as choices for a document form."""
    from portal.forms import options

    codes = required(dossier)
    names = titles(dossier)
    choices = options([("", _("Choose a document"))] + [(code, str(names[code])) for code in codes])
    return codes, choices
