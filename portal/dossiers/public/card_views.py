"""Public pages of the professional card, no account needed: the exemption check and the
information page (categories, conditions, documents, fees, timing, renewal, appeal).

The check is a GET form, one question per page: every step and every result has its own
URL (bookmarkable, the language switch keeps the answers), and nothing is stored. Only
answers that are one of a question's choices go back into links, never the raw query.
"""

from __future__ import annotations

from flask import Blueprint, render_template, url_for
from flask import request as flask_request
from werkzeug.datastructures import MultiDict

from portal import clock
from portal.dossiers import card_rules
from portal.dossiers.public import card_check
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
        **_facts(),
    )


@bp.get("/card")
@public
def info():
    return render_template("public/card_info.html", **_facts())
