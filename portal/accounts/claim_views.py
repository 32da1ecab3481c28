"""Enterprise claim pages: the claimant's proof, a public contest, the staff's claims queue."""

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

from portal import reference, transactions, uploads
from portal.accounts import claims
from portal.accounts.claim_forms import (
    ClaimDecisionForm,
    ContestDecisionForm,
    ContestForm,
    ProofForm,
)
from portal.accounts.models import ProofKind, Role
from portal.errors import Invalid, NotFound
from portal.extensions import limiter
from portal.i18n import _, language
from portal.security import public, reads_organisation, roles

bp = Blueprint("claims", __name__)
STAFF = (Role.OFFICER, Role.HELPDESK, Role.ADMIN)
KBO_PUBLIC_SEARCH = "https://kbopub.economie.fgov.be/kbopub/zoeknummerform.html?nummer="


def _max_bytes() -> int:
    return current_app.config["CLAIM_PROOF_MAX_BYTES"]


def _read(upload) -> tuple[bytes, str]:
    return upload.read(_max_bytes() + 1), upload.filename or ""


@bp.route("/account/claim", methods=["GET", "POST"])
@transactions.writes  # a lapsed claim expires when seen
@roles(Role.EMPLOYER)
@reads_organisation
def claim_page():
    claim = claims.own_claim(current_user)
    form = ProofForm()
    if current_user.is_org_admin and form.validate_on_submit():
        data, name = _read(form.file.data)
        try:
            claims.upload_proof(
                current_user,
                kind=ProofKind(form.kind.data),
                data=data,
                file_name=name,
                max_bytes=_max_bytes(),
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            flash(
                _("Your proof has been uploaded. We check it within two working days."), "success"
            )
            return redirect(url_for("claims.claim_page"))
    return render_template(
        "accounts/claim.html",
        claim=claim,
        form=form,
        max_mb=uploads.megabytes(_max_bytes()),
    )


def _contest_limit() -> str:
    return current_app.config["CONTEST_RATE_LIMIT"]


@bp.route("/account/register/contest", methods=["GET", "POST"])
@public
@limiter.limit(_contest_limit, methods=["POST"])
def contest():
    form = ContestForm()
    if request.method == "GET":
        # Only a checked number from the query string reaches the form.
        form.kbo_number.data = reference.normalise_kbo(request.args.get("kbo", "")[:20]) or ""
    if form.validate_on_submit():
        data, name = _read(form.file.data)
        try:
            claims.contest(
                kbo_number=reference.normalise_kbo(form.kbo_number.data),
                company_name=form.company_name.data,
                contact_name=form.contact_name.data,
                email=form.email.data,
                phone=form.phone.data,
                message=form.message.data,
                data=data,
                file_name=name,
                max_bytes=_max_bytes(),
                locale=language(),
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            return redirect(url_for("claims.contest_sent"))
    return render_template(
        "accounts/contest.html", form=form, max_mb=uploads.megabytes(_max_bytes())
    )


@bp.get("/account/register/contest/sent")
@public
def contest_sent():
    return render_template("accounts/contest_sent.html")


# --- Staff ------------------------------------------------------------------------------


@bp.get("/backoffice/claims")
@roles(*STAFF)
def queue():
    # Three lists, each a page at a time with a cursor of its own; the others show their
    # first page.
    args = request.args
    try:
        contests = claims.open_contests(current_user, args.get("contests_after"))
        to_review = claims.claims_to_review(current_user, args.get("review_after"))
        without_proof = claims.claims_without_proof(current_user, args.get("waiting_after"))
    except Invalid:
        abort(400)  # a cursor that is no such row: garbage or hand-made
    return render_template(
        "backoffice/claims.html",
        contests=contests,
        to_review=to_review,
        without_proof=without_proof,
        is_lapsed=claims.is_lapsed,
    )


@bp.route("/backoffice/claims/<int:claim_id>", methods=["GET", "POST"])
@roles(*STAFF)
def claim_detail(claim_id: int):
    claim = claims.get_claim(current_user, claim_id)
    form = ClaimDecisionForm()
    approve = form.decision.data == "approve"
    if form.carry_out(
        lambda: claims.decide_claim(current_user, claim, approve=approve, reason=form.reason.data)
    ):
        flash(
            _("The claim is approved.")
            if approve
            else _("The claim is rejected and the enterprise number is free again."),
            "success",
        )
        return redirect(url_for("claims.queue"))
    contests = claims.contests_of(current_user, claim)
    return render_template(
        "backoffice/claim_detail.html",
        claim=claim,
        form=form,
        contests=contests,
        kbo_link=KBO_PUBLIC_SEARCH + claim.kbo_number,
    )


def _send_proof(stored_name: str | None, file_name: str | None):
    """The proof as a download whose extension follows its sniffed type (portal.uploads)."""
    if not stored_name:
        raise NotFound
    return uploads.send(stored_name, file_name or "proof")


@bp.get("/backoffice/claims/<int:claim_id>/proof")
@roles(*STAFF)
def claim_proof(claim_id: int):
    claim = claims.get_claim(current_user, claim_id)
    return _send_proof(claim.proof_stored_name, claim.proof_file_name)


@bp.route("/backoffice/contests/<int:contest_id>", methods=["GET", "POST"])
@roles(*STAFF)
def contest_detail(contest_id: int):
    record = claims.get_contest(current_user, contest_id)
    form = ContestDecisionForm()
    uphold = form.decision.data == "uphold"
    if form.carry_out(
        lambda: claims.decide_contest(current_user, record, uphold=uphold, reason=form.reason.data)
    ):
        flash(
            _("The contest is upheld: the claim is revoked.")
            if uphold
            else _("The contest is dismissed."),
            "success",
        )
        return redirect(url_for("claims.queue"))
    return render_template(
        "backoffice/contest_detail.html",
        contest=record,
        form=form,
        kbo_link=KBO_PUBLIC_SEARCH + record.kbo_number,
    )


@bp.get("/backoffice/contests/<int:contest_id>/proof")
@roles(*STAFF)
def contest_proof(contest_id: int):
    record = claims.get_contest(current_user, contest_id)
    return _send_proof(record.proof_stored_name, record.proof_file_name)
