"""The talent's welcome space: checklist, profile, calendar, referrals with consent."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from onboarding import calendar, referrals, services, withdrawal
from onboarding.forms import ChildForm, ConsentForm, ProfileForm, WithdrawForm
from portal import links
from portal.accounts.models import Role
from portal.errors import Invalid, NotFound
from portal.extensions import db
from portal.forms import CsrfForm
from portal.i18n import _, language
from portal.security import roles
from portal.validation import record_id

bp = Blueprint("welcome", __name__, template_folder="templates")


@bp.get("/welcome")
@roles(Role.TALENT)
def checklist():
    profile = services.profile_of(current_user)
    if profile is None:
        return render_template("onboarding/not_yet.html")
    return render_template(
        "onboarding/checklist.html",
        checklist=services.build(profile),
        profile=profile,
        elsewhere=services.outside_flanders(profile, _lang()),
        partner_for=lambda kind: referrals.partner_for(profile, kind),
    )


def _lang() -> str:
    return language()


def _profile_page(form: ProfileForm, child_form: ChildForm, status: int = 200):
    profile = services.require_profile(current_user)
    return render_template(
        "onboarding/profile.html",
        form=form,
        child_form=child_form,
        profile=profile,
        municipality=services.municipality_name(profile, _lang()),
        elsewhere=services.outside_flanders(profile, _lang()),
    ), status


@bp.route("/welcome/profile", methods=["GET", "POST"])
@roles(Role.TALENT)
def profile():
    profile = services.require_profile(current_user)
    form = ProfileForm(
        data={
            "arrival_on": profile.arrival_on,
            "street": profile.street,
            "postal_code": profile.postal_code,
            "has_partner": {True: "yes", False: "no"}.get(profile.has_partner),
            "preferred_locale": profile.locale,
        }
    )
    # One form: "Add a child" and "Remove" are buttons of the profile form, so every answer
    # typed on the page is saved with them instead of being lost.
    child_form = ChildForm(prefix="child", meta={"csrf": False})  # the page's token is checked
    if request.method == "GET":
        child_form = ChildForm(prefix="child", formdata=None, meta={"csrf": False})
    action = request.form.get("action", "save")
    remove = request.form.get("remove_child", "")
    adding = action == "add_child" or bool(request.form.get("child-birth_date", "").strip())
    if form.validate_on_submit():
        try:
            services.save_profile(
                current_user,
                arrival_on=form.arrival_on.data,
                street=form.street.data,
                postal_code=form.postal_code.data,
                has_partner={"yes": True, "no": False}.get(form.has_partner.data),
                preferred_locale=form.preferred_locale.data,
            )
        except Invalid as error:
            form.add_errors(error.errors)
            return _profile_page(form, child_form)
        if adding:
            try:
                if not child_form.validate():
                    raise Invalid({})
                services.add_child(current_user, child_form.birth_date.data)
            except Invalid as error:
                # Nothing is half-saved; the page shows every typed answer again.
                db.session.rollback()
                child_form.add_errors(error.errors)
                return _profile_page(form, child_form, 400)
        if remove:
            # A value that is no id names no child, as another family's child's id does.
            child_id = record_id(remove)
            if child_id is None:
                raise NotFound
            services.remove_child(current_user, child_id)
        if adding:
            flash(_("The child has been added. Your checklist is up to date."), "success")
        elif remove:
            flash(_("The child has been removed."), "success")
        else:
            flash(_("Your profile has been saved. Your checklist is up to date."), "success")
            return redirect(url_for("welcome.checklist"))
        return redirect(url_for("welcome.profile", _anchor="children"))
    return _profile_page(form, child_form)


@bp.post("/welcome/consents/<int:invitation_id>")
@roles(Role.TALENT)
def consent(invitation_id: int):
    """Show (or stop showing) which steps are done to the employer of one file."""
    if CsrfForm().validate_on_submit():
        given = request.form.get("consent") == "1"
        invitation = services.set_employer_consent(current_user, invitation_id, given)
        employer = invitation.dossier.organisation.name if invitation.dossier.organisation else ""
        if given:
            flash(_("%(employer)s may now see which steps are done.", employer=employer), "success")
        else:
            flash(_("%(employer)s no longer sees your steps.", employer=employer), "success")
    return redirect(url_for("welcome.profile", _anchor="employers"))


@bp.post("/welcome/children")
@roles(Role.TALENT)
def add_child():
    child_form = ChildForm(prefix="child")
    if child_form.carry_out(lambda: services.add_child(current_user, child_form.birth_date.data)):
        flash(_("The child has been added. Your checklist is up to date."), "success")
        return redirect(url_for("welcome.profile"))
    profile = services.require_profile(current_user)
    form = ProfileForm(formdata=None, obj=profile)
    form.has_partner.data = {True: "yes", False: "no"}.get(profile.has_partner)
    form.preferred_locale.data = profile.locale
    return _profile_page(form, child_form, 400)


@bp.post("/welcome/children/<int:child_id>/remove")
@roles(Role.TALENT)
def remove_child(child_id: int):
    if CsrfForm().validate_on_submit():
        services.remove_child(current_user, child_id)
        flash(_("The child has been removed."), "success")
    return redirect(url_for("welcome.profile"))


@bp.post("/welcome/items/<code>")
@roles(Role.TALENT)
def mark(code: str):
    if CsrfForm().validate_on_submit():
        done = request.form.get("done") == "1"
        item = services.mark(current_user, code, done)
        if done:
            flash(_("Marked as done: %(item)s", item=item.title), "success")
        else:
            flash(_("Marked as not done: %(item)s", item=item.title), "success")
    return redirect(url_for("welcome.checklist", _anchor=f"item-{code}"))


@bp.get("/welcome/calendar.ics")
@roles(Role.TALENT)
def calendar_file():
    text = calendar.checklist_calendar(current_user, base_url=links.external("welcome.checklist"))
    return Response(
        text,
        mimetype="text/calendar",
        headers={"Content-Disposition": 'attachment; filename="welcome-checklist.ics"'},
    )


@bp.route("/welcome/items/<code>/referral", methods=["GET", "POST"])
@roles(Role.TALENT)
def refer(code: str):
    try:
        proposal = referrals.propose(current_user, code)
    except Invalid as error:
        for messages in error.errors.values():
            for message in messages:
                flash(message, "warning")
        return redirect(url_for("welcome.checklist", _anchor=f"item-{code}"))
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            referral = referrals.refer(current_user, code, consent=form.consent.data)
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            flash(
                _("Your request has been sent to %(service)s.", service=proposal.partner.name),
                "success",
            )
            return redirect(url_for("welcome.referral", referral_id=referral.id))
    return render_template(
        "onboarding/consent.html",
        form=form,
        proposal=proposal,
        label=referrals.label,
        shown=referrals.shown,
        municipality=referrals.municipality_label(proposal.partner.refnis, _lang()),
    )


@bp.get("/welcome/referrals/<int:referral_id>")
@roles(Role.TALENT)
def referral(referral_id: int):
    found = referrals.talent_referral(current_user, referral_id)
    return render_template(
        "onboarding/referral.html",
        referral=found,
        label=referrals.label,
        shown=referrals.shown,
        form=CsrfForm(),
    )


@bp.post("/welcome/referrals/<int:referral_id>/withdraw")
@roles(Role.TALENT)
def withdraw(referral_id: int):
    if CsrfForm().validate_on_submit():
        found = referrals.withdraw(current_user, referral_id)
        flash(
            _(
                "Your consent has been withdrawn. %(service)s no longer receives or sees your data.",
                service=found.partner.name,
            ),
            "success",
        )
    return redirect(url_for("welcome.referral", referral_id=referral_id))


@bp.route("/welcome/withdraw", methods=["GET", "POST"])
@roles(Role.TALENT)
def withdraw_consent():
    """Withdraw consent for the welcome: referrals stop and, if asked, the data go now."""
    profile = services.require_profile(current_user)
    form = WithdrawForm()
    if form.validate_on_submit():
        erase_now = form.choice.data == "erase"
        withdrawal.withdraw(current_user, erase_now=erase_now)
        if erase_now:
            flash(
                _(
                    "Your consent has been withdrawn and your welcome data have been erased. The services you were referred to have been told to delete your data."
                ),
                "success",
            )
            return redirect(url_for("home.dashboard"))
        flash(
            _(
                "Your consent has been withdrawn. No service receives your data any more, and the services you were referred to have been told to delete them."
            ),
            "success",
        )
        return redirect(url_for("welcome.checklist"))
    open_referrals = [r for r in withdrawal.referrals_of(profile) if not r.withdrawn]
    return render_template(
        "onboarding/withdraw.html", form=form, profile=profile, referrals=open_referrals
    )
