"""The employer's side of the welcome: resend the invitation, see steps done (with consent)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from onboarding import invitations
from portal.accounts.models import Role
from portal.dossiers import access
from portal.errors import Invalid
from portal.forms import CsrfForm
from portal.i18n import _
from portal.limits import mail_limits
from portal.security import roles

bp = Blueprint("welcome_employer", __name__, template_folder="templates")


@bp.get("/welcome/employer/<int:dossier_id>")
@roles(Role.EMPLOYER, Role.MANDATARY)
def overview(dossier_id: int):
    view = invitations.employer_view(current_user, access.get_dossier(current_user, dossier_id))
    return render_template("onboarding/employer.html", view=view, form=CsrfForm())


@bp.post("/welcome/employer/<int:dossier_id>/resend")
@roles(Role.EMPLOYER, Role.MANDATARY)
@mail_limits(lambda: f"dossier-{request.view_args['dossier_id']}")
def resend(dossier_id: int):
    if CsrfForm().validate_on_submit():
        try:
            invitations.resend(current_user, access.get_dossier(current_user, dossier_id))
        except Invalid as error:
            for messages in error.errors.values():
                for message in messages:
                    flash(message, "warning")
        else:
            flash(
                _("If the worker's address can be invited, an e-mail is on its way to it."),
                "success",
            )
    return redirect(url_for("welcome_employer.overview", dossier_id=dossier_id))
