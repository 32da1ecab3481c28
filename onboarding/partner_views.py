"""The partner inbox: referrals of the partner's own kind and municipality."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from onboarding import answers, inbox_rows, referrals
from onboarding.forms import PartnerAnswerForm
from portal.accounts.models import Role
from portal.errors import Invalid
from portal.i18n import _, language
from portal.security import roles

bp = Blueprint("partner_inbox", __name__, template_folder="templates")


@bp.get("/partner/referrals")
@roles(Role.PARTNER)
def inbox():
    try:
        page = answers.inbox_page(current_user, request.args.get("before"))
    except Invalid:
        abort(400)  # a cursor that is not one of this service's referrals
    return render_template(
        "onboarding/partner_inbox.html",
        referrals=page.referrals,
        rows=inbox_rows.render(page.referrals, referral_url=url_for("partner_inbox.inbox") + "/"),
        page=page,
        municipality=referrals.municipality_label(current_user.partner_refnis or "", language()),
    )


@bp.route("/partner/referrals/<int:referral_id>", methods=["GET", "POST"])
@roles(Role.PARTNER)
def detail(referral_id: int):
    referral = answers.open_for_partner(current_user, referral_id)
    form = PartnerAnswerForm()
    if form.validate_on_submit():
        try:
            answers.answer(
                current_user,
                referral.id,
                kind=form.kind.data,
                appointment_on=form.appointment_on.data,
                appointment_time=form.appointment_time.data,
                place=form.place.data,
                body=form.body.data,
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            flash(_("Your answer has been sent to the newcomer."), "success")
            return redirect(url_for("partner_inbox.detail", referral_id=referral.id))
    return render_template(
        "onboarding/partner_referral.html",
        referral=referral,
        form=form,
        label=referrals.label,
        shown=referrals.shown,
        step_title=referrals.step_title,
    )
