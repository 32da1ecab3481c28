"""The application form as a PDF, made from a draft, to attach to an e-mail submission."""

from __future__ import annotations

from portal import clock, paging
from portal.accounts.models import User
from portal.dossiers import access
from portal.dossiers.contents import documents, summary
from portal.dossiers.models import Dossier, DossierStatus
from portal.errors import NotFound
from portal.i18n import force_locale, format_date
from portal.pdf import render_pdf


def drafts(actor: User, before: str | None = None, per_page: int | None = None) -> paging.Page:
    """A page of the drafts of the actor's organisation or mandatary, newest first, past the
    draft whose id `before` names (only the drafts are read, not every file the
    organisation ever filed, and a page at a time: an agency may keep hundreds). A cursor
    that cannot be an id raises `Invalid`."""
    size = per_page or paging.PER_PAGE
    return paging.newest_first(
        access.dossiers_for(actor, DossierStatus.DRAFT), Dossier, before, size
    )


def application_form_pdf(dossier: Dossier, locale: str) -> bytes:
    """A PDF/UA of what the draft says, with the document checklist, in `locale`."""
    if not dossier.is_draft:
        raise NotFound
    with force_locale(locale):
        rows = summary.rows(dossier, locale)
        titles = documents.titles(dossier)  # a single permit's or a professional card's
        checklist = [str(titles[code]) for code in documents.required(dossier)]
        made_on = format_date(clock.today(), "long")
    pdf = render_pdf(
        "fallback/application_form_pdf.html",
        locale,
        dossier=dossier,
        rows=rows,
        checklist=checklist,
        made_on=made_on,
    )
    return pdf
