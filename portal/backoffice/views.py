"""Officer pages: mandates to verify."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.accounts import mandates
from portal.accounts.forms import DecisionForm
from portal.accounts.models import Role
from portal.errors import Invalid
from portal.extensions import db
from portal.i18n import _
from portal.security import roles

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")


@bp.get("/mandates")
@roles(Role.OFFICER, Role.ADMIN)
def mandate_queue():
    return render_template(
        "backoffice/mandates.html",
        pending=mandates.mandates_to_check(current_user),
        decided=mandates.recent_decisions(current_user),
    )


@bp.route("/mandates/<int:mandate_id>", methods=["GET", "POST"])
@roles(Role.OFFICER, Role.ADMIN)
def mandate_detail(mandate_id: int):
    mandate = mandates.get_mandate(current_user, mandate_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            mandates.decide_mandate(
                current_user,
                mandate.id,
                verified=form.decision.data == "verify",
                reason=form.reason.data,
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            db.session.commit()
            message = (
                _("The mandate is verified.")
                if form.decision.data == "verify"
                else _("The mandate is rejected.")
            )
            flash(message, "success")
            return redirect(url_for("backoffice.mandate_queue"))
    return render_template("backoffice/mandate_detail.html", mandate=mandate, form=form)
