"""The person's own pages on privacy: their data as a download, and closing the account."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, logout_user

from portal import audit, clock, transactions
from portal.errors import Invalid
from portal.extensions import limiter
from portal.i18n import _, language
from portal.limits import per_person
from portal.privacy import closure, own_data
from portal.privacy.forms import CloseAccountForm
from portal.security import authenticated, reads_organisation

bp = Blueprint("privacy", __name__, url_prefix="/account")


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


# Both forms of a person's own data count together: each collects everything they hold.
own_data_limit = per_person("OWN_DATA_RATE_LIMIT", scope="own-data")


@bp.get("/my-data")
@authenticated
def my_data():
    return render_template("privacy/my_data.html")


def _download(body: bytes, mimetype: str, extension: str) -> Response:
    audit.record("account:own_data_downloaded", actor_id=current_user.id, detail=extension)
    stamp = clock.local_day(clock.now()).isoformat()
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="my-data-{stamp}.{extension}"'},
    )


@bp.get("/my-data.json")
@transactions.writes  # audits the read
@authenticated
@own_data_limit
@reads_organisation
def my_data_json():
    document = own_data.collect(current_user._get_current_object())
    body = own_data.to_json(document).encode("utf-8")
    return _download(body, "application/json", "json")


@bp.get("/my-data.pdf")
@transactions.writes  # audits the read
@authenticated
@own_data_limit
@reads_organisation
def my_data_pdf():
    body = own_data.render_pdf(current_user._get_current_object(), language())
    return _download(body, "application/pdf", "pdf")


@bp.route("/close", methods=["GET", "POST"])
@authenticated
@limiter.limit(_login_limit, methods=["POST"])
@reads_organisation
def close():
    user = current_user._get_current_object()
    form = CloseAccountForm()
    refusal = closure.refusal(user)
    if refusal is not None and request.method == "POST":
        form.form_errors.append(refusal)
    elif refusal is None and form.validate_on_submit():
        try:
            closure.close_account(user, password=form.password.data, now=clock.now())
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            logout_user()
            session.clear()
            flash(_("Your account is closed. We have removed your personal details."), "success")
            return redirect(url_for("home.index"))
    # A refused closure is shown on the page (200, as the login does): nothing was changed.
    return render_template("privacy/close.html", form=form, refusal=refusal)
