"""The application form as a PDF, made from a draft, to attach to an e-mail submission."""

from __future__ import annotations

from portal import clock
from portal.accounts.models import User
from portal.dossiers import access
from portal.dossiers.contents import documents, summary
from portal.dossiers.models import Dossier, DossierStatus
from portal.errors import NotFound
from portal.i18n import force_locale, format_date
from portal.pdf import render_pdf


def drafts(actor: User) -> list[Dossier]:
    """The drafts of the actor's organisation or mandatary, newest first (only the drafts
    are read, not every file the organisation ever filed)."""
    return access.dossiers_for(actor, DossierStatus.DRAFT)


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
