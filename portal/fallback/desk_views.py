"""The helpdesk agents' desk: tickets, proofs, and what the mail intake received."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from portal import clock, uploads
from portal.accounts.models import Role
from portal.errors import Invalid, NotFound
from portal.fallback import desk_rows, intake_rows, proof_rows, proofs, quarantine, tickets
from portal.fallback.forms import (
    DeskFilterForm,
    NoteForm,
    ProofForm,
    ReplyForm,
    ResolveForm,
    ReviewForm,
)
from portal.fallback.models import OUTCOME_TITLES, TICKET_STATUS_TITLES
from portal.forms import CsrfForm, options
from portal.i18n import _, _l
from portal.security import roles

bp = Blueprint("desk", __name__, url_prefix="/helpdesk/desk")
AGENTS = (Role.HELPDESK, Role.ADMIN)

QUEUE_CHOICES = [
    ("open", _l("Waiting for the helpdesk")),
    ("answered", _l("Answered")),
    ("resolved", _l("Resolved")),
    ("all", _l("All tickets")),
]
PROOF_CHOICES = [
    ("all", _l("All proofs")),
    ("unused", _l("Not used yet")),
    ("used", _l("Used")),
    ("expired", _l("Expired unused")),
    ("revoked", _l("Revoked")),
]
INTAKE_CHOICES = [
    ("quarantine", _l("Quarantine: to review")),
    ("all", _l("All messages")),
    ("accepted", _l("Accepted")),
    ("rejected", _l("Rejected")),
    ("duplicate", _l("Duplicate")),
    ("error", _l("Error")),
]


def _filter(choices, default: str) -> DeskFilterForm:
    form = DeskFilterForm(formdata=request.args)
    form.state.choices = options(choices)
    if form.state.data not in {value for value, _label in choices}:
        form.state.data = default
    return form


@bp.get("")
@roles(*AGENTS)
def queue():
    form = _filter(QUEUE_CHOICES, "open")
    try:
        page = tickets.desk_page(current_user, form.state.data, request.args.get("after"))
    except Invalid:
        abort(400)  # a cursor that is no ticket: garbage or hand-made
    return render_template(
        "fallback/desk.html",
        form=form,
        tickets=page.tickets,
        rows=desk_rows.render(page.tickets, ticket_url=url_for("desk.queue") + "/tickets/"),
        page=page,
        counts=tickets.desk_counts(current_user),
        titles=TICKET_STATUS_TITLES,
    )


def _ticket_page(ticket_id: int, **bound):
    ticket = tickets.get_ticket(current_user, ticket_id)
    forms = {
        "reply_form": ReplyForm(prefix="reply", formdata=None),
        "note_form": NoteForm(prefix="note", formdata=None),
        "resolve_form": ResolveForm(prefix="resolve", formdata=None),
        "reopen_form": CsrfForm(prefix="reopen", formdata=None),
        "proof_form": ProofForm(
            prefix="proof",
            formdata=None,
            email=ticket.requester_email,
            kbo=ticket.organisation_kbo,
            days=proofs.default_days(),
        ),
    }
    forms.update(bound)
    status = 400 if bound else 200
    return render_template(
        "fallback/desk_ticket.html",
        ticket=ticket,
        form=next(iter(bound.values()), None),
        intake_address=proofs.intake_address(),
        today=clock.today(),
        state_of=proofs.state_of,
        **forms,
    ), status


@bp.get("/tickets/<int:ticket_id>")
@roles(*AGENTS)
def ticket(ticket_id: int):
    return _ticket_page(ticket_id)


def _back(ticket_id: int, anchor: str | None = None):
    return redirect(url_for("desk.ticket", ticket_id=ticket_id, _anchor=anchor))


def _post(ticket_id: int, name: str, form, action, message: str):
    """Validate `form`, run `action(form)`, commit and go back; or show the page again."""
    if form.carry_out(lambda: action(form)):
        flash(message, "success")
        return _back(ticket_id)
    return _ticket_page(ticket_id, **{name: form})


@bp.post("/tickets/<int:ticket_id>/reply")
@roles(*AGENTS)
def reply(ticket_id: int):
    return _post(
        ticket_id,
        "reply_form",
        ReplyForm(prefix="reply"),
        lambda f: tickets.reply(current_user, ticket_id, f.body.data),
        _("Your answer has been sent."),
    )


@bp.post("/tickets/<int:ticket_id>/note")
@roles(*AGENTS)
def note(ticket_id: int):
    return _post(
        ticket_id,
        "note_form",
        NoteForm(prefix="note"),
        lambda f: tickets.note(current_user, ticket_id, f.body.data),
        _("The note has been added."),
    )


@bp.post("/tickets/<int:ticket_id>/resolve")
@roles(*AGENTS)
def resolve(ticket_id: int):
    return _post(
        ticket_id,
        "resolve_form",
        ResolveForm(prefix="resolve"),
        lambda f: tickets.resolve(current_user, ticket_id, f.body.data or ""),
        _("The ticket is resolved."),
    )


@bp.post("/tickets/<int:ticket_id>/reopen")
@roles(*AGENTS)
def reopen(ticket_id: int):
    return _post(
        ticket_id,
        "reopen_form",
        CsrfForm(prefix="reopen"),
        lambda f: tickets.reopen(current_user, ticket_id),
        _("The ticket is open again."),
    )


@bp.post("/tickets/<int:ticket_id>/proof")
@roles(*AGENTS)
def issue_proof(ticket_id: int):
    return _post(
        ticket_id,
        "proof_form",
        ProofForm(prefix="proof"),
        lambda f: proofs.issue(
            current_user,
            ticket_id,
            email=f.email.data,
            kbo=f.kbo.data,
            foreign_registration=f.foreign_registration.data,
            days=f.days.data,
            identity_confirmed=bool(f.identity_confirmed.data),
        ),
        _("The proof has been issued and e-mailed to the requester."),
    )


@bp.get("/tickets/<int:ticket_id>/screenshot")
@roles(*AGENTS)
def screenshot(ticket_id: int):
    ticket = tickets.get_ticket(current_user, ticket_id)
    if not ticket.screenshot_stored_name:
        raise NotFound
    return uploads.send(ticket.screenshot_stored_name, ticket.screenshot_name or "screenshot")


@bp.get("/proofs")
@roles(*AGENTS)
def proof_list():
    form = _filter(PROOF_CHOICES, "all")
    today = clock.today()
    try:
        page = proofs.desk_proofs(current_user, form.state.data, today, request.args.get("before"))
    except Invalid:
        abort(400)  # a cursor that cannot be a proof's id
    return render_template(
        "fallback/proofs.html",
        form=form,
        page=page,
        rows=proof_rows.render(page.items, desk_url=url_for("desk.queue")),
    )


@bp.post("/proofs/<int:proof_id>/revoke")
@roles(*AGENTS)
def revoke_proof(proof_id: int):
    form = CsrfForm()
    if form.validate_on_submit():
        try:
            proofs.revoke(current_user, proof_id)
        except Invalid as error:
            flash(" ".join(str(m) for ms in error.errors.values() for m in ms), "warning")
        else:
            flash(_("The proof is revoked: the intake will refuse it."), "success")
    return redirect(url_for("desk.proof_list"))


@bp.get("/intake")
@roles(*AGENTS)
def intake_list():
    form = _filter(INTAKE_CHOICES, "quarantine")
    try:
        page = quarantine.messages(current_user, form.state.data, request.args.get("before"))
    except Invalid:
        abort(400)  # a cursor that cannot be a message's id
    return render_template(
        "fallback/intake.html",
        form=form,
        page=page,
        rows=intake_rows.render(page.items, message_url=url_for("desk.intake_list") + "/"),
    )


@bp.route("/intake/<int:message_id>", methods=["GET", "POST"])
@roles(*AGENTS)
def intake_message(message_id: int):
    record = quarantine.get_message(current_user, message_id)
    form = ReviewForm()
    if record.in_quarantine and form.validate_on_submit():
        try:
            if form.decision.data == "convert":
                dossier = quarantine.convert(
                    current_user,
                    record.id,
                    reason=form.reason.data,
                    kbo=form.kbo.data,
                    foreign_registration=form.foreign_registration.data,
                )
                message = _(
                    "File %(reference)s has been made from the message.",
                    reference=dossier.reference,
                )
            else:
                quarantine.dismiss(current_user, record.id, form.reason.data)
                message = _("The message has been reviewed and left without a file.")
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            flash(message, "success")
            return redirect(url_for("desk.intake_message", message_id=record.id))
    return render_template(
        "fallback/intake_message.html",
        record=record,
        content=quarantine.content(record),
        form=form,
        outcomes=OUTCOME_TITLES,
    ), (400 if form.errors else 200)


@bp.get("/intake/<int:message_id>/raw")
@roles(*AGENTS)
def intake_raw(message_id: int):
    record = quarantine.get_message(current_user, message_id)
    return Response(
        quarantine.raw_bytes(record),
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="message-{record.id}.eml"'},
    )
