"""Public helpdesk pages: report a problem, follow the ticket; the form PDF of a draft."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from portal.accounts.models import Role
from portal.dossiers import access
from portal.errors import Invalid
from portal.extensions import limiter
from portal.fallback import blankform, formpdf, tickets
from portal.fallback.contact import helpdesk_contact
from portal.fallback.forms import MessageForm, ReportForm
from portal.i18n import _, language
from portal.limits import mail_limits, per_person
from portal.security import public, reads_organisation, roles

bp = Blueprint("helpdesk", __name__, url_prefix="/helpdesk")
# The helpdesk's contact details in every template, e-mails and error pages included.
bp.record_once(lambda state: state.app.jinja_env.globals.update(helpdesk_contact=helpdesk_contact))
FILERS = (Role.EMPLOYER, Role.MANDATARY, Role.ENTREPRENEUR)


def _report_limit() -> str:
    return current_app.config.get("HELPDESK_REPORT_RATE_LIMIT", "10 per hour")


@bp.route("/new", methods=["GET", "POST"])
@public
@limiter.limit(_report_limit, methods=["POST"])
@mail_limits()
@reads_organisation
def report():
    form = ReportForm()
    if not form.is_submitted() and current_user.is_authenticated:
        form.name.data, form.email.data = current_user.name, current_user.email
        organisation = current_user.organisation or current_user.mandatary
        if organisation is not None:
            form.organisation_name.data = organisation.name
            form.organisation_kbo.data = organisation.kbo_number
    if form.validate_on_submit():
        upload = form.screenshot.data
        screenshot = (upload.read(), upload.filename) if upload and upload.filename else None
        try:
            ticket = tickets.open_ticket(
                current_user if current_user.is_authenticated else None,
                name=form.name.data,
                email=form.email.data,
                organisation_name=form.organisation_name.data,
                organisation_kbo=form.organisation_kbo.data,
                tried=form.tried.data,
                error_text=form.error_text.data,
                locale=language(),
                screenshot=screenshot,
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            flash(
                _(
                    "Your ticket number is %(number)s. We sent it to %(email)s with a link to this page.",
                    number=ticket.number,
                    email=ticket.requester_email,
                ),
                "success",
            )
            return redirect(url_for("helpdesk.ticket", token=ticket.access_token))
    return render_template("fallback/report.html", form=form)


@bp.route("/tickets/<token>", methods=["GET", "POST"])
@public
def ticket(token: str):
    found = tickets.ticket_by_token(token)
    form = MessageForm()
    if form.carry_out(lambda: tickets.requester_reply(found, form.body.data)):
        flash(_("Your message has been added. The helpdesk will answer by e-mail."), "success")
        return redirect(url_for("helpdesk.ticket", token=found.access_token))
    return render_template(
        "fallback/ticket.html",
        ticket=found,
        entries=tickets.visible_entries(found),
        form=form,
    )


@bp.get("/application-form.pdf")
@public
def blank_form():
    """The blank, fillable application form in the page's language: no account needed."""
    locale = language()
    return Response(
        blankform.blank_form_pdf(locale),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="single-permit-application-form-{locale}.pdf"'
        },
    )


@bp.get("/drafts")
@roles(*FILERS)
def drafts():
    try:
        page = formpdf.drafts(current_user, request.args.get("before"))
    except Invalid:
        abort(400)  # a cursor that cannot be a draft's id
    return render_template("fallback/drafts.html", page=page, drafts=page.items)


@bp.get("/drafts/<int:dossier_id>/form.pdf")
@roles(*FILERS)
@per_person("FORM_PDF_RATE_LIMIT", scope="form-pdf")
def draft_form(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id)
    pdf = formpdf.application_form_pdf(dossier, language())
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="application-form-{dossier.id}.pdf"'
        },
    )
