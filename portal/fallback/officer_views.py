"""Officer pages for files that came by e-mail: what the file says, and typing it in."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from portal import reference
from portal.accounts.models import Role
from portal.dossiers import rules
from portal.dossiers.contents import sections, summary
from portal.dossiers.wizard.forms import (
    CategoryForm,
    JobForm,
    PostingForm,
    WorkerForm,
    fill_choices,
    section_data,
    warn_about_salary,
)
from portal.fallback import completion
from portal.i18n import _, language
from portal.security import roles
from portal.web import datalist

bp = Blueprint("email_files", __name__, url_prefix="/backoffice/email-files")
OFFICERS = (Role.OFFICER, Role.ADMIN)
FORMS = {"worker": WorkerForm, "category": CategoryForm, "job": JobForm, "posting": PostingForm}


def _locale() -> str:
    return language()


@bp.get("/<int:dossier_id>")
@roles(*OFFICERS)
def overview(dossier_id: int):
    dossier = completion.email_file(current_user, dossier_id)
    return render_template(
        "fallback/email_file.html",
        dossier=dossier,
        summary_rows=summary.rows(dossier, _locale()),
        editable=completion.editable_sections(dossier),
        done=dossier.done,
        open=dossier.status in completion.OPEN,
        documents_titles=rules.DOCUMENTS,
    )


@bp.route(
    "/<int:dossier_id>/<any(worker, category, job, posting):section>", methods=["GET", "POST"]
)
@roles(*OFFICERS)
def section(dossier_id: int, section: str):
    dossier = completion.email_file(current_user, dossier_id)
    if section not in completion.editable_sections(dossier):
        return redirect(url_for("email_files.overview", dossier_id=dossier.id))
    form = FORMS[section](obj=dossier if request.method == "GET" else None)
    fill_choices(form, _locale())
    if form.carry_out(
        lambda: completion.complete(current_user, dossier, section, section_data(form))
    ):
        flash(_("Saved."), "success")
        return redirect(url_for("email_files.overview", dossier_id=dossier.id))
    warn_about_salary(form, dossier.category)
    return render_template(
        "fallback/email_file_section.html",
        form=form,
        dossier=dossier,
        title=sections.SECTION_TITLES[section],
        isco=datalist("isco-codes", tuple(reference.isco_units(_locale())))
        if section == "job"
        else None,
    )
