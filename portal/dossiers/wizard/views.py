"""The application wizard: task list, sections, documents, check answers, submit, receipt."""

from __future__ import annotations

import secrets

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

from portal import audit, clock, reference, transactions, uploads
from portal.accounts import mandates
from portal.accounts.models import MandateKind, Role
from portal.dossiers import access, card_rules, rules
from portal.dossiers.contents import card, documents, sections, summary
from portal.dossiers.letters import stored
from portal.dossiers.models import DossierKind
from portal.dossiers.wizard import card_forms, list_rows, services, viewers
from portal.dossiers.wizard.forms import (
    CardStartForm,
    CategoryForm,
    CheckForm,
    DocumentForm,
    FollowUpForm,
    InviteWorkerForm,
    JobForm,
    PostingForm,
    StartForm,
    WithdrawForm,
    WorkerForm,
    fill_choices,
    section_data,
    warn_about_salary,
)
from portal.errors import Invalid
from portal.forms import CsrfForm, options
from portal.i18n import _, format_date, language
from portal.limits import mail_limits
from portal.security import reads_organisation, roles
from portal.web import datalist

bp = Blueprint("applications", __name__, url_prefix="/applications")
FILERS = (Role.EMPLOYER, Role.MANDATARY, Role.ENTREPRENEUR)
READERS = (
    Role.EMPLOYER,
    Role.MANDATARY,
    Role.ENTREPRENEUR,
    Role.TALENT,
    Role.OFFICER,
    Role.ADMIN,
)
SECTION_FORMS = {
    "worker": WorkerForm,
    "category": CategoryForm,
    "job": JobForm,
    "posting": PostingForm,
}
SAVERS = {
    "worker": sections.save_worker,
    "category": sections.save_category,
    "job": sections.save_job,
    "posting": sections.save_posting,
}


def _locale() -> str:
    return language()


@bp.get("/")
@roles(*FILERS, Role.TALENT)
def index():
    try:
        page = access.dossiers_page(current_user, request.args.get("before"))
    except Invalid:
        abort(400)  # a cursor that is not one of the actor's files: garbage or tampered
    return render_template(
        "applications/index.html",
        dossiers=page.dossiers,
        rows=list_rows.render(page.dossiers, file_url=url_for("applications.index")),
        page=page,
        can_file=access.can_file(current_user),
    )


def _chosen_category() -> str | None:
    """The category carried over from the eligibility check (?category=…), when it is one."""
    code = request.values.get("category", "")
    return code if code in rules.categories() else None


@bp.route("/new", methods=["GET", "POST"])
@roles(*FILERS)
@reads_organisation
def new():
    if current_user.role == Role.ENTREPRENEUR:  # files a professional card, nothing else
        return redirect(url_for("applications.new_card"))
    chosen = _chosen_category()
    form = StartForm() if current_user.role == Role.MANDATARY else CsrfForm()
    if current_user.role == Role.MANDATARY:
        eligible = mandates.represented(current_user, clock.today())
        form.foreign_employer.choices = options(
            [("", _("Choose an employer"))] + [(str(e.id), e.name) for e in eligible]
        )
    if form.validate_on_submit():
        employer_id = getattr(form, "foreign_employer", None)
        try:
            dossier = services.start_dossier(
                current_user,
                locale=_locale(),
                foreign_employer_id=int(employer_id.data) if employer_id is not None else None,
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            if chosen:  # from the eligibility check: confirm the category it was run for
                return redirect(
                    url_for(
                        "applications.section",
                        dossier_id=dossier.id,
                        section="category",
                        category=chosen,
                    )
                )
            return redirect(url_for("applications.task_list", dossier_id=dossier.id))
    return render_template(
        "applications/new.html",
        form=form,
        chosen=chosen,
        chosen_title=rules.category(chosen).title if chosen else None,
    )


@bp.route("/new-card", methods=["GET", "POST"])
@roles(Role.MANDATARY, Role.ENTREPRENEUR)
def new_card():
    """Start a professional card: the entrepreneur's own, or for a person whose verified
    professional-card mandate the mandatary (a business counter) holds."""
    form = CardStartForm() if current_user.role == Role.MANDATARY else CsrfForm()
    if current_user.role == Role.MANDATARY:
        people = mandates.represented(current_user, clock.today(), MandateKind.PROFESSIONAL_CARD)
        form.person.choices = options(
            [("", _("Choose a person"))] + [(str(p.id), p.name) for p in people]
        )
    if form.validate_on_submit():
        person = getattr(form, "person", None)
        try:
            dossier = services.start_card(
                current_user,
                locale=_locale(),
                person_id=int(person.data) if person is not None else None,
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            return redirect(url_for("applications.task_list", dossier_id=dossier.id))
    return render_template("applications/new_card.html", form=form, fees=card.fee_lines())


@bp.get("/<int:dossier_id>")
@roles(*READERS)
@reads_organisation
def task_list(dossier_id: int):
    dossier, answered = access.get_dossier_answered(current_user, dossier_id)
    if not dossier.is_draft:
        access.load_contents(dossier)
        plugin_links = [
            link
            for provider in current_app.extensions.get("dossier_links", [])
            for link in provider(dossier, current_user)
        ]
        return render_template(
            "applications/overview.html",
            dossier=dossier,
            plugin_links=plugin_links,
            answered=answered,
            summary_rows=summary.rows(dossier, _locale()),
        )
    return render_template(
        "applications/task_list.html",
        dossier=dossier,
        sections=sections.sections_for(dossier),
        titles=sections.SECTION_TITLES,
        progress=sections.progress(dossier),
    )


@bp.route(
    "/<int:dossier_id>/<any(worker, category, job, posting, person, activity, benefit,"
    " qualifications, means):section>",
    methods=["GET", "POST"],
)
@roles(*FILERS)
def section(dossier_id: int, section: str):
    dossier = access.editable_dossier(current_user, dossier_id)
    order = sections.sections_for(dossier)
    if section not in order:
        return redirect(url_for("applications.task_list", dossier_id=dossier.id))
    if card.is_card(dossier):
        return _card_section(dossier, section)
    form = SECTION_FORMS[section](obj=dossier if request.method == "GET" else None)
    fill_choices(form, _locale())
    carried = _chosen_category() if section == "category" and request.method == "GET" else None
    if carried and not dossier.category:
        form.category.data = carried  # chosen in the eligibility check, still to be saved
    if form.carry_out(lambda: SAVERS[section](dossier, section_data(form))):
        flash(_("Saved. You can come back to this section at any time."), "success")
        return redirect(_next_step(dossier, section))
    warn_about_salary(form, dossier.category)
    return render_template(
        "applications/section.html",
        form=form,
        dossier=dossier,
        section=section,
        progress=sections.progress(dossier, section),
        title=sections.SECTION_TITLES[section],
        isco=datalist("isco-codes", tuple(reference.isco_units(_locale())))
        if section == "job"
        else None,
    )


CARD_SAVERS = {
    "person": card.save_person,
    "activity": card.save_activity,
    "benefit": card.save_benefit,
    "qualifications": card.save_qualifications,
    "means": card.save_means,
}


def _card_section(dossier, section: str):
    """A section of a professional-card file: the same page, the card's own form."""
    form = card_forms.FORMS[section](
        obj=card_forms.Answers(dossier) if request.method == "GET" else None
    )
    card_forms.fill_choices(form, _locale())
    if form.carry_out(lambda: CARD_SAVERS[section](dossier, card_forms.section_data(form))):
        flash(_("Saved. You can come back to this section at any time."), "success")
        return redirect(_next_step(dossier, section))
    if section == "means" and not form.means_eur.errors:
        form.means_eur.warning = card.means_warning(form.means_eur.data, clock.today())
    if section == "benefit" and request.method == "GET":
        form.start_capital_eur.warning = card.start_capital_warning(dossier)
    if section == "qualifications" and request.method == "GET":
        form.diploma_level.warning = card.diploma_warning(dossier)
    return render_template(
        "applications/section.html",
        form=form,
        dossier=dossier,
        section=section,
        progress=sections.progress(dossier, section),
        title=sections.SECTION_TITLES[section],
        isco=datalist("nace-codes", tuple(reference.nace_choices(_locale())))
        if section == "activity"
        else None,
    )


def _next_step(dossier, section: str) -> str:
    order = sections.sections_for(dossier)
    following = order[order.index(section) + 1 :]
    for name in following:
        if name not in dossier.done:
            target = "documents" if name == "documents" else name
            if target == "documents":
                return url_for("applications.documents_page", dossier_id=dossier.id)
            return url_for("applications.section", dossier_id=dossier.id, section=target)
    return url_for("applications.task_list", dossier_id=dossier.id)


@bp.route("/<int:dossier_id>/documents", methods=["GET", "POST"])
@roles(*FILERS)
def documents_page(dossier_id: int):
    dossier = access.editable_dossier(current_user, dossier_id)
    form = DocumentForm()
    required, form.requirement.choices = documents.requirement_choices(dossier)
    if card.is_card(dossier):
        form.issued_on.description = _(
            "Required for the extract from the criminal record: it must have been issued at "
            "most %(months)s months before you submit, so on or after %(date)s.",
            months=card_rules.criminal_record_max_age_months(),
            date=format_date(card.oldest_dated_document(clock.today())),
        )
    else:
        form.issued_on.description = _(
            "Required for the medical certificate and the certificate of good conduct: they may be at most %(months)s months old, so issued on or after %(date)s.",
            months=rules.procedure("certificate_max_age_months"),
            date=format_date(rules.oldest_certificate_date(clock.today())),
        )
    per_file, per_dossier = documents.limits()
    if form.validate_on_submit():
        upload = form.file.data
        try:
            documents.add_document(
                current_user,
                dossier,
                requirement=form.requirement.data,
                data=upload.read(per_file + 1),
                file_name=upload.filename or "",
                issued_on=form.issued_on.data,
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            flash(_("The file has been added."), "success")
            return redirect(url_for("applications.documents_page", dossier_id=dossier.id))
    return render_template(
        "applications/documents.html",
        form=form,
        dossier=dossier,
        required=required,
        missing=sections.missing_documents(dossier),
        per_file=uploads.megabytes(per_file),
        per_dossier=uploads.megabytes(per_dossier),
        used=uploads.megabytes(documents.used_bytes(dossier)),
        progress=sections.progress(dossier, "documents"),
        dated=documents.dated(dossier),
        titles=documents.titles(dossier),
        delete_form=CsrfForm(),
    )


@bp.post("/<int:dossier_id>/documents/<int:document_id>/delete")
@roles(*FILERS)
def delete_document(dossier_id: int, document_id: int):
    dossier = access.editable_dossier(current_user, dossier_id)
    if CsrfForm().validate_on_submit():
        documents.remove_document(dossier, document_id)
        flash(_("The file has been removed."), "success")
    return redirect(url_for("applications.documents_page", dossier_id=dossier.id))


@bp.get("/<int:dossier_id>/documents/<int:document_id>")
@transactions.writes  # audits the read
@roles(*READERS)
def download_document(dossier_id: int, document_id: int):
    dossier = access.get_dossier(current_user, dossier_id)
    document = documents.get_document(dossier, document_id)
    if dossier.is_draft:
        # A draft may still be deleted, which a chained audit row pointing at it would
        # forbid: the download is recorded, but not linked to the draft.
        audit.record_read(
            "download",
            dossier_id=None,
            actor_id=current_user.id,
            detail=f"draft {dossier.id}: {document.file_name}",
        )
    else:
        audit.record_read(
            "download", dossier_id=dossier.id, actor_id=current_user.id, detail=document.file_name
        )
    return uploads.send(document.stored_name, document.file_name)


@bp.route("/<int:dossier_id>/check", methods=["GET", "POST"])
@roles(*FILERS)
@reads_organisation
def check(dossier_id: int):
    # Loaded once, and locked for a POST: a double click waits for the first submission.
    dossier = access.get_dossier(current_user, dossier_id, for_update=request.method == "POST")
    if not dossier.is_draft:
        return redirect(url_for("applications.confirmation", dossier_id=dossier.id))
    form = CheckForm()
    if card.is_card(dossier):  # no worker: the person applies, or agrees to a counter's filing
        form.declaration.label.text = (
            _(
                "I declare that the information is correct and complete, and that the person "
                "agrees to this application."
            )
            if dossier.mandatary_id
            else _("I declare that the information is correct and complete.")
        )
    if request.method == "GET":
        form.token.data = secrets.token_urlsafe(32)
    if form.validate_on_submit():
        dossier.declared_at = clock.now()
        try:
            result = services.submit(current_user, dossier, token=form.token.data)
        except Invalid as error:
            dossier.declared_at = None
            form.add_errors(error.errors)
        else:
            if not result.replayed:  # the receipt is issued now, in the submitter's language
                stored.issue(result.dossier, stored.RECEIPT, _locale())
            return redirect(url_for("applications.confirmation", dossier_id=result.dossier.id))
    return render_template(
        "applications/check.html",
        form=form,
        dossier=dossier,
        problems=sections.completeness(dossier, clock.today()),
        summary_rows=summary.rows(dossier, _locale()),
        progress=sections.progress(dossier, "check"),
        fees=card.fee_lines() if card.is_card(dossier) else None,
    )


@bp.get("/<int:dossier_id>/confirmation")
@roles(*FILERS)
def confirmation(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id)
    if dossier.is_draft:
        return redirect(url_for("applications.check", dossier_id=dossier.id))
    return render_template("applications/confirmation.html", dossier=dossier)


def _stored_letter(dossier, kind: str, locale: str) -> bytes:
    """The letter as issued; a damaged one (logged and counted there) is the error page."""
    try:
        return stored.letter_pdf(dossier, kind, locale)
    except stored.LetterDamaged:
        abort(500)


@bp.get("/<int:dossier_id>/receipt.pdf")
@transactions.writes  # audits the read
@roles(*READERS)
def receipt(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id)
    if dossier.is_draft:
        return redirect(url_for("applications.task_list", dossier_id=dossier.id))
    pdf = _stored_letter(dossier, stored.RECEIPT, _locale())
    audit.record_read("download", dossier_id=dossier.id, actor_id=current_user.id, detail="receipt")
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="receipt-{dossier.reference}.pdf"',
        },
    )


@bp.get("/<int:dossier_id>/decision-letter.pdf")
@transactions.writes  # audits the read
@roles(*READERS)
def decision_letter(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id)
    pdf = _stored_letter(dossier, stored.DECISION, dossier.locale)
    audit.record_read(
        "download", dossier_id=dossier.id, actor_id=current_user.id, detail="decision letter"
    )
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="decision-{dossier.reference}.pdf"',
        },
    )


@bp.route("/<int:dossier_id>/withdraw", methods=["GET", "POST"])
@roles(*FILERS)
def withdraw(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id, for_update=request.method == "POST")
    form = WithdrawForm()
    was_draft = dossier.is_draft  # before the withdrawal changes it
    if form.carry_out(lambda: services.withdraw(current_user, dossier, form.reason.data)):
        flash(
            _("The draft has been deleted.") if was_draft else _("The file has been withdrawn."),
            "success",
        )
        return redirect(url_for("applications.index"))
    return render_template("applications/withdraw.html", form=form, dossier=dossier)


@bp.route("/<int:dossier_id>/invite-worker", methods=["GET", "POST"])
@roles(*FILERS)
@mail_limits()
def invite_worker(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id)
    form = InviteWorkerForm()
    if request.method == "GET":
        form.email.data = dossier.worker_email
        form.locale.data = dossier.worker_locale or _locale()
    if form.validate_on_submit():
        viewers.invite_worker(current_user, dossier, email=form.email.data, locale=form.locale.data)
        flash(
            _(
                "If %(email)s can be invited, an e-mail is on its way to it.",
                email=form.email.data,
            ),
            "success",
        )
        return redirect(url_for("applications.task_list", dossier_id=dossier.id))
    return render_template("applications/invite_worker.html", form=form, dossier=dossier)


@bp.route("/<int:dossier_id>/follow-up", methods=["GET", "POST"])
@roles(*FILERS)
@reads_organisation
def follow_up(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id)
    form = FollowUpForm()
    if form.validate_on_submit():
        try:
            new_dossier = services.start_follow_up(
                current_user,
                dossier,
                kind=DossierKind(form.kind.data),
                expires_on=form.expires_on.data,
                locale=_locale(),
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            return redirect(url_for("applications.task_list", dossier_id=new_dossier.id))
    return render_template("applications/follow_up.html", form=form, dossier=dossier)


# The renewal of a professional card (its own module; routes of this blueprint).
from portal.dossiers.wizard import renewal_views  # noqa: E402, F401
