"""Account pages: register, verify, log in and out, reset a password, invite colleagues."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from portal import reference, tokens, transactions
from portal.accounts import memberships, services, sessions
from portal.accounts.forms import (
    ChangePasswordForm,
    EmailOnlyForm,
    EmployerRegistrationForm,
    EntrepreneurRegistrationForm,
    InviteForm,
    LanguageForm,
    LoginForm,
    MandataryRegistrationForm,
    ResetPasswordForm,
)
from portal.accounts.models import MandataryKind, ResidenceDocument, Role
from portal.errors import Invalid
from portal.extensions import limiter
from portal.forms import CsrfForm, options
from portal.i18n import _, language
from portal.limits import mail_limits
from portal.pagecache import cached
from portal.security import authenticated, public, reads_organisation, roles
from portal.web import datalist, safe_next

bp = Blueprint("accounts", __name__, url_prefix="/account")
bp.before_app_request(sessions.load_early)


@bp.app_context_processor
def _session_globals():
    return {"session_seconds_left": sessions.seconds_left}


def _locale() -> str:
    return language()


@bp.get("/register")
@public
def register():
    return render_template("accounts/register_choice.html")


@bp.route("/register/employer", methods=["GET", "POST"])
@public
@mail_limits()
def register_employer():
    form = EmployerRegistrationForm()
    held = None
    if form.validate_on_submit():
        kbo = reference.normalise_kbo(form.kbo_number.data)
        done = _register(
            form,
            services.register_employer,
            organisation_name=form.organisation_name.data,
            kbo_number=kbo,
            nace_code=form.nace_code.data.strip().replace(".", ""),
            join_existing=bool(form.join_existing.data),
        )
        if done:
            return done
        if str(services.NUMBER_HELD) in map(str, form.kbo_number.errors):
            held = kbo  # the page offers to contest the registration of this number
    return render_template(
        "accounts/register_employer.html",
        form=form,
        held=held,
        claim_hours=current_app.config["CLAIM_MAX_AGE"] // 3600,
        nace=datalist("nace-codes", tuple(reference.nace_choices(_locale()))),
    )


@bp.route("/register/mandatary", methods=["GET", "POST"])
@public
@mail_limits()
def register_mandatary():
    form = MandataryRegistrationForm()
    if form.validate_on_submit():
        kbo = reference.normalise_kbo(form.kbo_number.data) if form.kbo_number.data else None
        done = _register(
            form,
            services.register_mandatary,
            kind=MandataryKind(form.kind.data),
            name=form.name.data,
            kbo_number=kbo,
        )
        if done:
            return done
    return render_template("accounts/register_mandatary.html", form=form)


@bp.route("/register/entrepreneur", methods=["GET", "POST"])
@public
@mail_limits()
def register_entrepreneur():
    """A foreign entrepreneur's own account, to file a professional card."""
    form = EntrepreneurRegistrationForm()
    countries = reference.countries(_locale())
    form.nationality.choices = options([("", _("Choose a nationality")), *countries])
    form.address_country.choices = options([("", _("Choose a country")), *countries])
    if request.method == "GET" and not form.address_country.data:
        form.address_country.data = "BE"
    if form.validate_on_submit():
        try:
            services.register_entrepreneur(
                first_name=form.first_name.data,
                last_name=form.last_name.data,
                birth_date=form.birth_date.data,
                nationality=form.nationality.data,
                residence_document=ResidenceDocument(form.residence_document.data),
                residence_valid_until=form.residence_valid_until.data,
                address_street=form.address_street.data,
                address_postal_code=form.address_postal_code.data,
                address_city=form.address_city.data,
                address_country=form.address_country.data,
                email=form.email.data,
                password=form.password.data,
                locale=_locale(),
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            return redirect(url_for("accounts.check_email", reason="registered"))
    return render_template(
        "accounts/register_entrepreneur.html",
        form=form,
        exemption_url=_exemption_url(),
    )


def _exemption_url() -> str | None:
    """The public exemption check, when the card's public pages are on."""
    from flask import current_app as app

    if "card_public.exemption_check" in app.view_functions:
        return url_for("card_public.exemption_check")
    return None


def _register(form, register, **party):
    """Call a registration service with the address and first-user fields of `form`.

    The same "check your mailbox" page follows whether or not the address was new.
    """
    municipality = reference.municipality_for_postal_code(form.postal_code.data)
    try:
        register(
            **party,
            street=form.street.data,
            postal_code=form.postal_code.data.strip(),
            municipality_refnis=municipality.refnis,
            contact_name=form.contact_name.data,
            email=form.email.data,
            password=form.password.data,
            locale=_locale(),
        )
    except Invalid as error:
        form.add_errors(error.errors)
        return None
    return redirect(url_for("accounts.check_email", reason="registered"))


@bp.get("/check-email")
@public
def check_email():
    reason = request.args.get("reason", "registered")
    return render_template(
        "accounts/check_email.html", reason=reason, resend_form=EmailOnlyForm(formdata=None)
    )


@bp.get("/verify/<token>")
@transactions.writes  # marks the address verified
@public
def verify(token: str):
    try:
        services.verify_email(token)
    except tokens.LinkExpired:
        return render_template(
            "accounts/link_problem.html", problem="expired", form=EmailOnlyForm()
        ), 400
    except tokens.LinkInvalid:
        return render_template(
            "accounts/link_problem.html", problem="invalid", form=EmailOnlyForm()
        ), 400
    return render_template("accounts/verified.html")


@bp.post("/verify/resend")
@public
@mail_limits()
def resend_verification():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.resend_verification(form.email.data, _locale())
        return redirect(url_for("accounts.check_email", reason="resent"))
    return render_template("accounts/link_problem.html", problem="expired", form=form), 400


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


@bp.route("/login", methods=["GET", "POST"])
@cached()  # the CSRF token is put in per visitor (portal/pagecache.py)
@public
@limiter.limit(_login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome, user = services.authenticate(form.email.data, form.password.data)
        if outcome == services.LoginResult.OK:
            target = safe_next(request.args.get("next"))
            # A fresh session on login: nothing from before (a planted id) survives.
            session.clear()
            login_user(user)
            sessions.login(user)
            return redirect(target)
        if outcome == services.LoginResult.UNVERIFIED:
            form.form_errors.append(
                _(
                    "Confirm your e-mail address first: use the link we sent you. "
                    "No e-mail? Ask for a new link below."
                )
            )
            return render_template("accounts/login.html", form=form, unverified=True)
        form.form_errors.append(_("The e-mail address or password is not correct."))
    return render_template("accounts/login.html", form=form, unverified=False)


@bp.post("/logout")
@authenticated
def logout():
    form = CsrfForm()
    if form.validate_on_submit():
        _end_this_session()
        flash(_("You are logged out."), "success")
    return redirect(url_for("home.index"))


def _end_this_session() -> None:
    """End the server-side session (every copy of the cookie dies) and clear the cookie."""
    record = sessions.current()
    if record is not None:
        sessions.end(record)
    logout_user()
    session.clear()


@bp.get("/")
@authenticated
def account():
    return _account_page()


def _account_page(language_form=None, password_form=None, status=200):
    return render_template(
        "accounts/account.html",
        # The form not being sent is built without the request's data.
        language_form=language_form or LanguageForm(formdata=None, locale=current_user.locale),
        password_form=password_form or ChangePasswordForm(formdata=None),
        sessions=sessions.active_for(current_user),
        this_session=sessions.current(),
        browser_label=sessions.browser_label,
    ), status


@bp.post("/language")
@authenticated
def change_language():
    form = LanguageForm()
    if form.validate_on_submit():
        services.set_language(current_user, form.locale.data)
        session["lang"] = form.locale.data
        flash(_("Your language has been saved."), "success")
        return redirect(url_for("accounts.account"))
    return _account_page(language_form=form, status=400)


@bp.post("/password")
@authenticated
@limiter.limit(_login_limit, methods=["POST"])
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = services.change_password(
                current_user._get_current_object(),
                current_password=form.current_password.data,
                new_password=form.password.data,
                keep=sessions.current(),
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            login_user(user)  # the cookie names the new session token
            flash(_("Your password has been changed. Your other sessions have ended."), "success")
            return redirect(url_for("accounts.account"))
    return _account_page(password_form=form, status=400)


@bp.post("/sessions/<int:session_id>/end")
@authenticated
def end_session(session_id: int):
    form = CsrfForm()
    record = sessions.own(current_user, session_id)
    if record is None:
        abort(404)
    if form.validate_on_submit():
        if record is sessions.current():
            _end_this_session()
            flash(_("You are logged out."), "success")
            return redirect(url_for("home.index"))
        sessions.end(record)
        flash(_("The session has been ended."), "success")
    return redirect(url_for("accounts.account"))


@bp.post("/sessions/end-others")
@authenticated
def end_other_sessions():
    form = CsrfForm()
    if form.validate_on_submit():
        sessions.end_all(current_user, keep=sessions.current())
        flash(_("Your other sessions have been ended."), "success")
    return redirect(url_for("accounts.account"))


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
@mail_limits()
def forgot_password():
    form = EmailOnlyForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data, _locale())
        return redirect(url_for("accounts.check_email", reason="reset"))
    return render_template("accounts/forgot.html", form=form)


def _link_problem(error: Exception):
    problem = "expired" if isinstance(error, tokens.LinkExpired) else "invalid"
    return render_template("accounts/link_problem.html", problem=problem, form=None), 400


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    try:
        services.check_reset_token(token)
    except (tokens.LinkExpired, tokens.LinkInvalid) as error:
        return _link_problem(error)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(token, form.password.data)
        logout_user()
        session.pop(sessions.COOKIE_KEY, None)
        flash(_("Your password has been changed. Log in with your new password."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    try:
        user = services.check_invitation(token)
    except (tokens.LinkExpired, tokens.LinkInvalid) as error:
        return _link_problem(error)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.accept_invitation(token, form.password.data)
        flash(_("Welcome! Log in with your e-mail address and new password."), "success")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/invitation.html", form=form, invited=user)


@bp.route("/organisation", methods=["GET", "POST"])
@roles(Role.EMPLOYER)
@mail_limits()
@reads_organisation
def organisation():
    form = InviteForm()
    if request.method == "POST":
        if not current_user.is_org_admin:
            return render_template(
                "errors/error.html",
                status=403,
                title=_("Only the administrator of the organisation can invite colleagues"),
                explanation=_("Ask your administrator to invite your colleague."),
            ), 403
        if form.validate_on_submit():
            services.invite_colleague(
                current_user, email=form.email.data, name=form.name.data, locale=_locale()
            )
            flash(
                _(
                    "If %(email)s can be invited, an e-mail is on its way to it.",
                    email=form.email.data,
                ),
                "success",
            )
            return redirect(url_for("accounts.organisation"))
    try:
        members = services.organisation_members(current_user, request.args.get("after"))
        requests = memberships.requests_for(current_user, request.args.get("requests_after"))
    except Invalid:
        abort(400)  # a cursor that is not one of this organisation's members or requests
    return render_template(
        "accounts/organisation.html",
        form=form,
        members=members,
        requests=requests,
        decide_form=CsrfForm(),
    )


@bp.post("/organisation/requests/<int:request_id>")
@roles(Role.EMPLOYER)
@reads_organisation
def decide_membership(request_id: int):
    """A proven administrator answers a request to join the organisation."""
    memberships.load_for_admin(current_user, request_id)  # refuses others' requests first
    form = CsrfForm()
    decision = request.form.get("decision")
    if form.validate_on_submit() and decision in ("approve", "reject"):
        try:
            done = memberships.decide(current_user, request_id, approve=decision == "approve")
        except Invalid as error:
            flash(" ".join(str(m) for ms in error.errors.values() for m in ms), "error")
        else:
            message = (
                _("%(name)s has joined your organisation.", name=done.user.name)
                if decision == "approve"
                else _("You refused the request of %(name)s.", name=done.user.name)
            )
            flash(message, "success")
    return redirect(url_for("accounts.organisation"))
