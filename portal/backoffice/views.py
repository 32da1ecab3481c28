"""Officer pages: mandates to verify, the queue of files, a file and its decisions."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType

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
from markupsafe import Markup

from portal import clock, fragments, textsearch, transactions, uploads
from portal.accounts import mandates
from portal.accounts.forms import DecisionForm
from portal.accounts.models import Role
from portal.backoffice import mandate_rows, queue, queue_rows, trail_rows
from portal.backoffice import services as backoffice_services
from portal.backoffice.forms import (
    CHANNEL_TITLES,
    CardDecisionForm,
    FlemishDecisionForm,
    HoldForm,
    InfoRequestForm,
    QueueFilterForm,
    ResidenceForm,
)
from portal.dossiers import rules
from portal.dossiers.contents import summary
from portal.dossiers.letters import stored
from portal.dossiers.lifecycle import handling, hold, timeline
from portal.dossiers.lifecycle import reasons as grounds
from portal.dossiers.models import Dossier, FlemishDecision
from portal.errors import Invalid
from portal.forms import BaseForm, CsrfForm
from portal.i18n import LANGUAGES, _, _l, language
from portal.keep import remember
from portal.security import roles

bp = Blueprint("backoffice", __name__, url_prefix="/backoffice")


@bp.get("/mandates")
@roles(Role.OFFICER, Role.ADMIN)
def mandate_queue():
    try:
        page = mandates.pending_page(current_user, request.args.get("after"))
    except Invalid:
        abort(400)  # a cursor that is no mandate: garbage or hand-made
    return render_template(
        "backoffice/mandates.html",
        page=page,
        pending=page.items,
        rows=mandate_rows.render(page.items, mandate_url=url_for("backoffice.mandate_queue") + "/"),
        decided=mandates.recent_decisions(current_user),
    )


@bp.route("/mandates/<int:mandate_id>", methods=["GET", "POST"])
@roles(Role.OFFICER, Role.ADMIN)
def mandate_detail(mandate_id: int):
    mandate = mandates.get_mandate(current_user, mandate_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            mandates.decide_mandate(
                current_user,
                mandate.id,
                verified=form.decision.data == "verify",
                reason=form.reason.data,
            )
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            message = (
                _("The mandate is verified.")
                if form.decision.data == "verify"
                else _("The mandate is rejected.")
            )
            flash(message, "success")
            return redirect(url_for("backoffice.mandate_queue"))
    return render_template("backoffice/mandate_detail.html", mandate=mandate, form=form)


# --- Files: the queue, a file's page, the actions on it -----------------------------------


def _today() -> date:
    return clock.today()


@bp.get("/dossiers")
@roles(Role.OFFICER, Role.ADMIN)
def dossier_queue():
    filters = _queue_filters()
    values = filters.values
    try:
        result = queue.dossier_queue(
            current_user,
            query=values["q"],
            state=values["state"],
            category=values["category"] or None,
            channel=values["channel"] or None,
            older_than_days=values["older_than"],
            owner=values["owner"],
            sort=values["sort"],
            kind=values["kind"] or None,
            after=request.args.get("after"),
            before=request.args.get("before"),
        )
    except Invalid:
        abort(400)  # a cursor that names no submitted file: garbage or tampered
    return render_template(
        "backoffice/dossiers.html",
        filters_html=filters.html,
        form=filters.form,
        result=result,
        state=values["state"],
        query=textsearch.visible(values["q"]),
        filters=filters.carried,
        head=queue_rows.head(state=values["state"]),
        rows=queue_rows.render(
            result.rows,
            state=values["state"],
            today=result.today,
            file_url=url_for("backoffice.dossier_queue") + "/",
        ),
    )


# The queue's filters as one query string gives them, per language and categories: officers
# ask the same few filter sets again and again, and reading the form's eight fields and
# rendering them cost a quarter of the queue's time. A form with an error is read and
# rendered anew each time (never kept: its error summary needs it), and so is a query
# string too long to be worth keeping. Bounded: at the limit all are dropped.
MAX_KEPT_FILTERS = 512
MAX_KEPT_QUERY = 1000  # characters of the query string


@dataclass(frozen=True)
class _QueueFilters:
    values: Mapping[str, object]  # the filters to apply (a field in error: its default)
    carried: Mapping[str, str]  # the valid ones given, for the links to other pages
    html: Markup  # the filter form
    form: QueueFilterForm | None  # only for a form with errors (the error summary)


def _queue_filters() -> _QueueFilters:
    raw = request.query_string
    key = (language(), request.script_root, raw, QueueFilterForm.category_codes())
    kept = current_app.extensions.setdefault("portal.queue_filters", {})
    found = kept.get(key)
    if found is not None:
        return found
    form = QueueFilterForm(formdata=request.args)
    form.validate()
    values = form.values()
    query = textsearch.visible(values["q"])
    made = _QueueFilters(
        values=MappingProxyType(values),
        carried=MappingProxyType(
            {
                name: value
                for name, value in request.args.items()
                if name in form._fields and value != "" and not form[name].errors
            }
        ),
        html=Markup(render_template("backoffice/_queue_filters.html", form=form, query=query)),
        form=form if form.errors else None,
    )
    if form.errors or len(raw) > MAX_KEPT_QUERY:
        return made
    return remember(kept, key, made, MAX_KEPT_FILTERS)


def _officer_dossier(dossier_id: int) -> Dossier:
    """The one load of the file in this request; a change (POST) locks its row."""
    return backoffice_services.officer_dossier(
        current_user, dossier_id, for_update=request.method == "POST"
    )


# The action forms of the file page: (template, form, the view its form posts to). A file
# shows two or three of them. Built and rendered empty they were more than a quarter of the
# page's time (issue 15): the same HTML for every file of a kind, in one language, on one day,
# but for the file's address and the officer's CSRF token. So an empty one is rendered once
# per such combination and kept per process, with holes for those two (portal.fragments). A
# form given back with its input and errors is rendered as it is, and never kept.
ACTIONS = {
    "claim": ("backoffice/actions/claim.html", "claim_form", "backoffice.claim"),
    "decide": ("backoffice/actions/decide.html", "decision_form", "backoffice.decide"),
    "ask": ("backoffice/actions/ask.html", "info_form", "backoffice.request_information"),
    "residence": (
        "backoffice/actions/residence.html",
        "residence_form",
        "backoffice.record_residence",
    ),
    "hold": ("backoffice/actions/hold.html", "hold_form", "backoffice.place_hold"),
    "lift": ("backoffice/actions/lift.html", "lift_form", "backoffice.lift_hold"),
}
ACTIONS_STORE = "portal.file_actions"
MAX_KEPT_ACTIONS = 512  # 6 forms × 4 languages × a few days and card validities, with room


def _empty_form(name: str, dossier: Dossier) -> tuple[Callable[[], object], tuple]:
    """How to build action `name`'s empty form for `dossier`, and what its HTML depends on
    besides the language, the day and the settings (its proposed values)."""
    if name == "decide":
        depends = (True, *_card_validity(dossier)) if handling.is_card(dossier) else (False,)
        return lambda: _decision_form(dossier, formdata=None), depends
    if name == "ask":
        due_on = _today() + timedelta(days=rules.procedure("info_request_days"))
        return lambda: InfoRequestForm(prefix="info", formdata=None, due_on=due_on), (due_on,)
    if name == "residence":
        return lambda: ResidenceForm(prefix="residence", formdata=None), ()
    if name == "hold":
        return lambda: HoldForm(prefix="hold", formdata=None), ()
    return lambda: CsrfForm(prefix=name, formdata=None), ()  # claim, lift: a button


def _actions(dossier: Dossier, bound: Mapping[str, object]) -> Callable[[str], Markup]:
    """The template's `action(name)`: the HTML of one action form of the file page."""
    card = handling.is_card(dossier)

    def action(name: str) -> Markup:
        template, form_name, endpoint = ACTIONS[name]
        url = url_for(endpoint, dossier_id=dossier.id)
        given = bound.get(form_name)
        if given is not None:
            return Markup(render_template(template, form=given, action_url=url, card=card))
        build, depends = _empty_form(name, dossier)
        key = (
            name,
            language(),
            request.script_root,
            _today(),
            current_app.config.get("WTF_CSRF_ENABLED", True),
            depends,
        )
        return fragments.kept(
            ACTIONS_STORE,
            key,
            lambda: render_template(
                template, form=build(), action_url=fragments.hole("url"), card=card
            ),
            lambda _hole: url,
            MAX_KEPT_ACTIONS,
        )

    return action


def _file_page(dossier: Dossier, *, record_view: bool = False, **bound):
    """The file's page with its action forms; a form given in `bound` keeps its input."""
    try:
        file = backoffice_services.officer_file(
            current_user,
            dossier,
            record_view=record_view,
            trail_before=request.args.get("trail_before"),
        )
    except Invalid:
        abort(400)  # a trail cursor that names no entry of this file: garbage or hand-made
    dossier = file.dossier
    by_name = {
        d.file_name: f"{rules.DOCUMENTS.get(d.requirement, d.requirement)} ({d.file_name})"
        for d in dossier.documents
    }
    submitted_on = timeline.submission_day(dossier)
    return render_template(
        "backoffice/dossier.html",
        trail_rows=trail_rows.render(file.trail.entries, by_name),
        document_age=lambda d: backoffice_services.document_age(d, submitted_on),
        certificate_months=rules.procedure("certificate_max_age_months"),
        reason_labels=grounds.reason_labels,
        file=file,
        dossier=file.dossier,
        summary_rows=summary.rows(file.dossier, language()),
        form=next(iter(bound.values()), None),  # the one that failed: title and error summary
        action_title=backoffice_services.action_title,
        documents_titles=rules.DOCUMENTS,
        categories=queue_rows.category_titles(),
        decision_titles={
            key: handling.outcome_status(dossier, key).title for key in FlemishDecision
        },
        channels=CHANNEL_TITLES,
        today=_today(),
        action=_actions(file.dossier, bound),
    )


def _back(dossier_id: int):
    return redirect(url_for("backoffice.dossier_page", dossier_id=dossier_id))


def _file_action(
    dossier_id: int, form_name: str, form: BaseForm, act: Callable[[Dossier], object], done: str
):
    """A button of the officer's file page, sent as `form` (its name on the page is
    `form_name`): with a valid form, `act` does the work on the file and the officer goes
    back to the file with `done`; otherwise, or when the service refuses (`Invalid`), the
    file page shows again with the form's errors beside its fields."""
    dossier = _officer_dossier(dossier_id)
    if form.carry_out(lambda: act(dossier)):
        flash(done, "success")
        return _back(dossier_id)
    return _file_page(dossier, **{form_name: form})


@bp.get("/dossiers/<int:dossier_id>")
@roles(Role.OFFICER, Role.ADMIN)
def dossier_page(dossier_id: int):
    # A read that audits itself: the entry is written apart, in a short transaction of its
    # own, before the page is built (`backoffice_services.officer_file`), so that on SQLite
    # the write lock is not held while the page renders (it was, for the whole request:
    # every officer's file view waited for every other's).
    return _file_page(_officer_dossier(dossier_id), record_view=True)


@bp.get("/dossiers/<int:dossier_id>/documents/<int:document_id>")
@transactions.writes  # audits the read
@roles(Role.OFFICER, Role.ADMIN)
def dossier_document(dossier_id: int, document_id: int):
    document = backoffice_services.document_for_officer(
        current_user, _officer_dossier(dossier_id), document_id
    )
    return uploads.send(document.stored_name, document.file_name)


@bp.get("/dossiers/<int:dossier_id>/decision-letter.pdf")
@transactions.writes  # audits the read
@roles(Role.OFFICER, Role.ADMIN)
def decision_letter(dossier_id: int):
    dossier = backoffice_services.decided_dossier(current_user, _officer_dossier(dossier_id))
    try:
        pdf = stored.letter_pdf(dossier, stored.DECISION, dossier.locale)
    except stored.LetterDamaged:
        abort(500)  # logged and counted where it was found; never re-rendered silently
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="decision-{dossier.reference}.pdf"'},
    )


@bp.post("/dossiers/<int:dossier_id>/claim")
@roles(Role.OFFICER, Role.ADMIN)
def claim(dossier_id: int):
    return _file_action(
        dossier_id,
        "claim_form",
        CsrfForm(prefix="claim"),
        lambda dossier: handling.claim(current_user, dossier),
        _("You took this file. It shows as yours in the queue."),
    )


@bp.post("/dossiers/<int:dossier_id>/information")
@roles(Role.OFFICER, Role.ADMIN)
def request_information(dossier_id: int):
    form = InfoRequestForm(prefix="info")
    return _file_action(
        dossier_id,
        "info_form",
        form,
        lambda dossier: handling.request_info(
            current_user, dossier, question=form.question.data, due_on=form.due_on.data
        ),
        _(
            "The applicant has been asked for more information. The legal clock stops until they answer."
        ),
    )


def _card_validity(dossier: Dossier) -> tuple[date, date]:
    """The validity proposed for a card: at its longest (the rules' longest validity from
    today), never beyond the right of residence."""
    today = _today()
    until = handling.longest_until(today, handling.validity_years()[1])
    residence = dossier.card.residence_valid_until if dossier.card else None
    if residence is not None:
        until = min(until, residence)
    return today, until


def _decision_form(dossier: Dossier, **kwargs):
    """The decision form of this kind of file; a card's validity is proposed at its longest
    (`_card_validity`)."""
    if not handling.is_card(dossier):
        return FlemishDecisionForm(prefix="decision", **kwargs)
    valid_from, valid_until = _card_validity(dossier)
    return CardDecisionForm(
        prefix="decision", valid_from=valid_from, valid_until=valid_until, **kwargs
    )


CARD_DECIDED = {
    FlemishDecision.AUTHORISED: _l("The professional card is granted."),
    FlemishDecision.INADMISSIBLE: _l("The application is declared inadmissible."),
    FlemishDecision.REFUSED: _l("The professional card is refused."),
}
CARD_CONSEQUENCES = {
    FlemishDecision.AUTHORISED: _l(
        "The professional card is granted for the period below. Flanders decides alone: nothing goes to the Immigration Office. This cannot be undone."
    ),
    FlemishDecision.INADMISSIBLE: _l(
        "The application is declared inadmissible. The applicant receives a decision letter with these grounds and the appeal route. This cannot be undone."
    ),
    FlemishDecision.REFUSED: _l(
        "The professional card is refused. The applicant receives a decision letter with these grounds and the appeal route. This cannot be undone."
    ),
}

DECIDED = {
    FlemishDecision.AUTHORISED: _l(
        "The work is authorised and the file was forwarded to the Immigration Office."
    ),
    FlemishDecision.INADMISSIBLE: _l("The file is declared inadmissible."),
    FlemishDecision.REFUSED: _l("The work authorisation is refused."),
}


# What an irreversible decision does, shown before the officer confirms it.
CONSEQUENCES = {
    FlemishDecision.AUTHORISED: _l(
        "The work is authorised and the file is forwarded to the Immigration Office (DVZ) at once. This cannot be undone."
    ),
    FlemishDecision.INADMISSIBLE: _l(
        "The file is declared inadmissible. The applicant receives a decision letter with these grounds and ends the procedure. This cannot be undone."
    ),
    FlemishDecision.REFUSED: _l(
        "The work authorisation is refused. The applicant receives a refusal letter with these grounds. This cannot be undone."
    ),
}


@bp.post("/dossiers/<int:dossier_id>/decision")
@roles(Role.OFFICER, Role.ADMIN)
def decide(dossier_id: int):
    """Step one checks the choice and shows its consequence; step two (confirmed) decides."""
    dossier = _officer_dossier(dossier_id)
    form = _decision_form(dossier)
    card = handling.is_card(dossier)
    if form.validate_on_submit():
        values = {
            "outcome": form.outcome.data,
            "reasons": form.reasons.data,
            "reason_codes": form.reason_codes.data or [],
        }
        if card:
            values["valid_from"] = form.valid_from.data
            values["valid_until"] = form.valid_until.data
        try:
            if form.confirmed.data != "yes":
                codes, text = handling.check_decision(dossier, **values)
                granted = card and form.outcome.data == FlemishDecision.AUTHORISED
                return render_template(
                    "backoffice/decision_confirm.html",
                    dossier=dossier,
                    form=form,
                    validity=granted and (values["valid_from"], values["valid_until"]),
                    outcome_title=handling.outcome_status(dossier, form.outcome.data).title,
                    consequence=(CARD_CONSEQUENCES if card else CONSEQUENCES)[form.outcome.data],
                    codes=grounds.split(codes),
                    ground_labels=grounds.reason_labels(codes),
                    letter_labels=grounds.reason_labels(codes, dossier.locale),
                    text=text,
                    applicant_language=LANGUAGES.get(dossier.locale, dossier.locale),
                )
            handling.decide(current_user, dossier, **values)
            stored.issue(dossier, stored.DECISION, dossier.locale)  # the letter, as issued
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            flash(str((CARD_DECIDED if card else DECIDED)[form.outcome.data]), "success")
            return _back(dossier_id)
    return _file_page(dossier, decision_form=form)


@bp.post("/dossiers/<int:dossier_id>/residence")
@roles(Role.OFFICER, Role.ADMIN)
def record_residence(dossier_id: int):
    form = ResidenceForm(prefix="residence")
    return _file_action(
        dossier_id,
        "residence_form",
        form,
        lambda dossier: handling.record_residence(dossier, form.decision.data, actor=current_user),
        _("The decision of the Immigration Office is recorded."),
    )


@bp.post("/dossiers/<int:dossier_id>/hold")
@roles(Role.OFFICER, Role.ADMIN)
def place_hold(dossier_id: int):
    form = HoldForm(prefix="hold")
    return _file_action(
        dossier_id,
        "hold_form",
        form,
        lambda dossier: hold.place(current_user, dossier, form.reason.data),
        _("The file is on legal hold: retention leaves it alone."),
    )


@bp.post("/dossiers/<int:dossier_id>/hold/lift")
@roles(Role.OFFICER, Role.ADMIN)
def lift_hold(dossier_id: int):
    return _file_action(
        dossier_id,
        "lift_form",
        CsrfForm(prefix="lift"),
        lambda dossier: hold.lift(current_user, dossier),
        _("The legal hold is lifted."),
    )
