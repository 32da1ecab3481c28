"""Partner administration, for administrators."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from onboarding import partners, referrals
from onboarding.forms import PartnerForm
from portal.accounts.models import Role
from portal.errors import Invalid
from portal.i18n import _, language
from portal.security import roles

bp = Blueprint("partner_admin", __name__, template_folder="templates")


@bp.get("/admin/partners")
@roles(Role.ADMIN)
def index():
    locale = language()
    try:
        page = partners.partners_page(current_user, request.args.get("after"))
    except Invalid:
        abort(400)  # a cursor that names no service: garbage or hand-made
    return render_template(
        "onboarding/admin_partners.html",
        page=page,
        municipality={p.refnis: referrals.municipality_label(p.refnis, locale) for p in page.items},
    )


def _save(form: PartnerForm, partner):
    try:
        saved = partners.save_partner(
            current_user,
            partner,
            name=form.name.data,
            kind=form.kind.data,
            refnis=form.refnis.data,
            email=form.email.data,
            webhook_url=form.webhook_url.data,
            webhook_secret=form.webhook_secret.data,
            active=form.active.data,
            locale=form.locale.data,
        )
    except Invalid as error:
        form.add_errors(error.errors)
        return None
    flash(_("The service %(name)s has been saved.", name=saved.name), "success")
    return redirect(url_for("partner_admin.index"))


@bp.route("/admin/partners/new", methods=["GET", "POST"])
@roles(Role.ADMIN)
def new():
    form = PartnerForm()
    if form.validate_on_submit() and (done := _save(form, None)) is not None:
        return done
    return render_template("onboarding/admin_partner.html", form=form, partner=None)


@bp.route("/admin/partners/<int:partner_id>", methods=["GET", "POST"])
@roles(Role.ADMIN)
def edit(partner_id: int):
    partner = partners.get_partner(current_user, partner_id)
    form = PartnerForm(obj=partner)
    if form.validate_on_submit() and (done := _save(form, partner)) is not None:
        return done
    form.webhook_secret.data = ""
    return render_template("onboarding/admin_partner.html", form=form, partner=partner)
