"""Parked (dead-lettered) outbox items, for administrators: see them, send them again."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal import jobs
from portal.accounts.models import Role
from portal.forms import CsrfForm
from portal.i18n import _
from portal.security import roles

bp = Blueprint("parked", __name__, url_prefix="/admin/parked")


@bp.get("/")
@roles(Role.ADMIN)
def index():
    return render_template("admin/parked.html", groups=jobs.parked_items(current_user))


@bp.post("/<name>/<int:item_id>/retry")
@roles(Role.ADMIN)
def retry(name: str, item_id: int):
    form = CsrfForm()
    if form.validate_on_submit():
        jobs.retry_parked(current_user, name, item_id)
        flash(_("The item is back in the queue and will be sent again shortly."), "success")
    return redirect(url_for("parked.index"))
