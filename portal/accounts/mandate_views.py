"""The mandatary's pages: foreign employers and their mandates."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from portal import clock, reference, uploads
from portal.accounts import mandates
from portal.accounts.forms import ForeignEmployerForm, MandateForm
from portal.accounts.models import MandateKind, Role
from portal.errors import Invalid
from portal.forms import options
from portal.i18n import _, language
from portal.security import roles

bp = Blueprint("mandates", __name__, url_prefix="/mandates")


@bp.get("/")
@roles(Role.MANDATARY)
def index():
    try:
        page = mandates.employers_page(current_user, request.args.get("after"))
    except Invalid:
        abort(400)  # a cursor that is not one of this mandatary's employers
    return render_template(
        "mandates/index.html", page=page, employers=page.items, today=clock.today()
    )


@bp.route("/employers/new", methods=["GET", "POST"])
@roles(Role.MANDATARY)
def add_employer():
    form = ForeignEmployerForm()
    form.country.choices = options([("", _("Choose a country")), *reference.countries(language())])
    if form.validate_on_submit():
        try:
            employer = mandates.add_foreign_employer(
                current_user,
                name=form.name.data,
                country=form.country.data,
                registration_number=form.registration_number.data,
                kbo_number=reference.normalise_kbo(form.kbo_number.data)
                if form.kbo_number.data
                else None,
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            flash(
                _("%(name)s has been added. Now upload the mandate.", name=employer.name), "success"
            )
            return redirect(url_for("mandates.upload", employer_id=employer.id))
    return render_template("mandates/employer_form.html", form=form)


@bp.route("/employers/<int:employer_id>/mandate", methods=["GET", "POST"])
@roles(Role.MANDATARY)
def upload(employer_id: int):
    employer = mandates.get_foreign_employer(current_user, employer_id)
    form = MandateForm()
    choices = mandates.quarter_choices(clock.today())
    form.start_quarter.choices = options([("", _("Choose a quarter"))] + [(q, q) for q in choices])
    form.end_quarter.choices = options([("", _("Open-ended"))] + [(q, q) for q in choices])
    max_bytes = current_app.config["MANDATE_MAX_BYTES"]
    if form.validate_on_submit():
        upload_file = form.file.data
        try:
            mandates.upload_mandate(
                current_user,
                employer.id,
                data=upload_file.read(max_bytes + 1),
                file_name=upload_file.filename or "",
                start=mandates.parse_quarter(form.start_quarter.data),
                end=mandates.parse_quarter(form.end_quarter.data),
                max_bytes=max_bytes,
                kind=MandateKind(form.kind.data),
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            flash(_("The mandate has been uploaded. An officer will verify it."), "success")
            return redirect(url_for("mandates.index"))
    return render_template(
        "mandates/upload.html",
        form=form,
        employer=employer,
        max_mb=uploads.megabytes(max_bytes),
    )


@bp.get("/<int:mandate_id>/file")
@roles(Role.MANDATARY, Role.OFFICER, Role.ADMIN)
def download(mandate_id: int):
    mandate = mandates.get_mandate(current_user, mandate_id)
    return uploads.send(mandate.stored_name, mandate.file_name)
