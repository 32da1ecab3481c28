"""Public pages of the professional card, no account needed: the exemption check and the
information page (categories, conditions, documents, fees, timing, renewal, appeal).

The check is a GET form, one question per page: every step and every result has its own
URL (bookmarkable, the language switch keeps the answers), and nothing is stored. Only
answers that are one of a question's choices go back into links, never the raw query.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask import request as flask_request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from portal import clock
from portal.accounts.models import Role
from portal.dossiers import access, card_rules
from portal.dossiers.public import card_check
from portal.i18n import _
from portal.security import public

bp = Blueprint("card_public", __name__)


def _check_url(answers: dict[str, str]) -> str:
    return url_for("card_public.exemption_check", **answers)


def _facts() -> dict:
    """What both pages show, every figure from the rules."""
    today = clock.today()
    period = card_rules.means_period(today)
    low, high = card_rules.validity_years()
    fees = card_rules.fees()
    return {
        "today": today,
        "means": period,
        "categories": card_rules.categories(),
        "start_capital": card_rules.start_capital(),
        "fees": fees,
        "fee_examples": [(years, fees.on_delivery(years)) for years in range(low, high + 1)],
        "validity": (low, high),
        "appeal": card_rules.appeal(),
        "rules": card_rules,
        "number": card_rules.number,
        "euro": card_rules.euro,
        "document_title": card_rules.document_title,
        "regions": card_rules.regions(),
    }


def apply_link() -> tuple[str, str]:
    """Where "you need a card" leads (href, label), by who is asking.

    A visitor without an account registers as an entrepreneur: the one account that files
    a card for oneself. An entrepreneur goes straight to the card wizard's start, and so
    does a mandatary of a business counter (`access.can_file`), who chooses there the
    person it holds a card mandate for. Any other account (an employer, staff, a mandatary
    not yet linked to a company) cannot file a card from here; it is already logged in, so
    registering makes no sense either: the card page's "how to apply" explains who files.
    """
    if not current_user.is_authenticated:
        return url_for("accounts.register_entrepreneur"), _("Create an account to apply")
    if current_user.role == Role.ENTREPRENEUR:
        return url_for("applications.new_card"), _("Apply for a professional card")
    if current_user.role == Role.MANDATARY and access.can_file(current_user):
        return url_for("applications.new_card"), _("Apply for a professional card for a person")
    return url_for("card_public.info", _anchor="apply"), _("How to apply")


@bp.get("/card/exemption-check")
@public
def exemption_check():
    args = flask_request.args
    result = card_check.walk(args)
    if isinstance(result, card_check.Step):
        step = result
        formdata = None
        if step.invalid:
            answer = args.get(step.question.name)
            formdata = MultiDict({} if answer is None else {step.question.name: answer})
        form = card_check.question_form(step, formdata)
        previous = dict(list(step.answers.items())[:-1])
        return render_template(
            "public/card_check.html",
            step=step,
            form=form,
            back_url=_check_url(previous) if step.answers else url_for("card_public.info"),
            **_facts(),
        )
    outcome = result
    changes = []
    before: dict[str, str] = {}
    for question in outcome.asked:
        answer = outcome.answers[question.name]
        changes.append((question, question.label(answer), _check_url(before)))
        before = {**before, question.name: answer}
    return render_template(
        "public/card_result.html",
        outcome=outcome,
        changes=changes,
        restart_url=_check_url({}),
        apply=apply_link(),
        **_facts(),
    )


@bp.get("/card")
@public
def info():
    return render_template("public/card_info.html", **_facts())
