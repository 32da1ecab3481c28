"""Applicant-facing tracking pages: the timeline, answering a request, e-mail preferences."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from portal import audit, transactions, uploads
from portal.accounts.models import Role
from portal.dossiers import access
from portal.dossiers.contents import documents
from portal.dossiers.lifecycle import handling, meaning, preferences, status
from portal.dossiers.lifecycle import timeline as progress
from portal.dossiers.lifecycle.auditlog import lines
from portal.dossiers.models import Dossier
from portal.dossiers.tracking.forms import AnswerForm, NotificationsForm
from portal.errors import Invalid
from portal.extensions import db
from portal.i18n import _
from portal.security import authenticated, roles

bp = Blueprint("tracking", __name__)
FILERS = (Role.EMPLOYER, Role.MANDATARY, Role.ENTREPRENEUR)  # the entrepreneur: own card
READERS = (*FILERS, Role.TALENT, Role.OFFICER, Role.ADMIN)


@bp.app_template_global()
def status_title(dossier: Dossier, answered: bool | None = None) -> str:
    """The status of a file as its parties read it ("back with the officer" after an answer);
    `answered` when the page has read the file's information requests (`status.title_of`)."""
    return str(status.title_of(dossier, answered))


@bp.app_template_global("meaning")
def meaning_of(dossier: Dossier) -> meaning.Meaning:
    """What the file's status means (`lifecycle.meaning`): templates ask it, e.g.
    ``meaning(dossier).withdrawable``, instead of comparing status values."""
    return meaning.of(dossier)


@bp.app_template_global()
def info_banner(dossier: Dossier):
    """The open information request of a file, for the banner on its pages (or None)."""
    return progress.banner(dossier)


@bp.get("/applications/<int:dossier_id>/timeline")
@roles(*READERS)
def timeline(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id)
    if dossier.is_draft:
        return redirect(url_for("applications.task_list", dossier_id=dossier.id))
    return render_template(
        "tracking/timeline.html",
        dossier=dossier,
        timeline=progress.build(dossier),
        can_answer=current_user.role in FILERS,
    )


@bp.route("/applications/<int:dossier_id>/answer", methods=["GET", "POST"])
@roles(*FILERS)
def answer(dossier_id: int):
    # Loaded once, and locked for a POST: a second answer waits, then sees the first.
    dossier = access.get_dossier(current_user, dossier_id, for_update=request.method == "POST")
    info = progress.request_to_answer(current_user, dossier)
    if info is None:
        flash(_("There is no open request for more information on this file."), "warning")
        return redirect(url_for("tracking.timeline", dossier_id=dossier.id))
    form = AnswerForm()
    required, form.requirement.choices = documents.requirement_choices(dossier)
    per_file, per_dossier = documents.limits()
    if form.validate_on_submit():
        sending = request.form.get("action") == "send"
        added = None
        try:
            if form.file.data is not None:
                upload = form.file.data
                added = progress.attach_to_answer(
                    current_user,
                    dossier,
                    info,
                    requirement=form.requirement.data or "",
                    data=upload.read(per_file + 1),
                    file_name=upload.filename or "",
                    issued_on=form.issued_on.data,
                )
            elif not sending:
                raise Invalid({"file": [_("Choose a file.")]})
            if sending:
                # A refused answer leaves nothing; a file added just before it is kept.
                with transactions.attempt():
                    handling.answer_info(
                        current_user, dossier, answer=form.answer.data or "", request=info
                    )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            if sending:
                flash(
                    _("Your answer has been sent. The officer continues with your file."), "success"
                )
                return redirect(url_for("tracking.timeline", dossier_id=dossier.id))
        if added is not None:
            # Kept (the request commits: 200) even when the answer itself was refused; the
            # typed answer stays in the form, since the page is shown again.
            flash(_("The file has been added."), "success")
            form.requirement.data, form.issued_on.data, form.issued_on.raw_data = "", None, []
    return render_template(
        "tracking/answer.html",
        form=form,
        dossier=dossier,
        info=info,
        files=progress.answer_files(info),
        overdue=progress.past_due(info),
        per_file=uploads.megabytes(per_file),
        per_dossier=uploads.megabytes(per_dossier),
        titles=documents.titles(dossier),
    )


@bp.route("/account/notifications", methods=["GET", "POST"])
@authenticated
def notifications():
    form = NotificationsForm(data=preferences.receives(current_user))
    if form.validate_on_submit():
        preferences.save(current_user, [kind for kind in preferences.KINDS if form[kind].data])
        flash(_("Your choices have been saved."), "success")
        return redirect(url_for("tracking.notifications"))
    return render_template("tracking/notifications.html", form=form)


@bp.get("/admin/audit.jsonl")
@transactions.writes  # seals the audit trail
@roles(Role.ADMIN)
def audit_export():
    """Administrators download the audit trail (all, or one file's) as JSON lines."""
    reference = request.args.get("reference")
    dossier_id = None
    if reference:
        dossier_id = db.session.scalar(select(Dossier.id).where(Dossier.reference == reference))
        if dossier_id is None:
            abort(404)
    audit.seal()  # the download shows every entry with its hash (committed before it streams)
    return Response(
        stream_with_context(lines(dossier_id)),
        mimetype="application/x-ndjson",
        headers={"Content-Disposition": 'attachment; filename="audit.jsonl"'},
    )
