"""Public pages, no account needed: "Check before you apply" and the posting guide.

The eligibility check is a GET form. It changes and stores nothing, so GET is the
honest method: the result has its own URL that can be bookmarked, reloaded, sent to a
colleague and printed (`&print=1`), the back button works without "resend the form?",
the language switch keeps the answers (it re-uses the query string), and no CSRF token
is needed. The query string holds a category, an amount and a date, nothing that
identifies a person; the Referrer-Policy (same-origin) keeps it from other sites.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request, url_for

from portal import clock
from portal.dossiers import rules
from portal.dossiers.public import eligibility as checker
from portal.pagecache import cached
from portal.security import public

bp = Blueprint("public", __name__)
# Sentences in templates name legal periods from the rules: rule_figure("max_months_before_start").
bp.add_app_template_global(rules.figure, "rule_figure")


# The answers that make a submission; ?posting=y alone (a link from the posting guide)
# only pre-ticks the box.
ANSWERS = ("category", "annual_salary", "start_date")


@bp.get("/eligibility")
@cached(args=(*ANSWERS, "reduced_threshold", "posting", "print"))
@public
def eligibility():
    submitted = any(name in request.args for name in ANSWERS)
    if submitted:
        form = checker.EligibilityForm(formdata=request.args)
    else:
        form = checker.EligibilityForm(formdata=None, posting="posting" in request.args)
    outcome = None
    if submitted and form.validate():
        outcome = checker.assess_form(form)
    print_mode = outcome is not None and request.args.get("print") == "1"
    # Only the form's own answers go into the links: never url_for's "_external",
    # "_scheme" or "_anchor" from a crafted query string.
    args = {field.name: request.args[field.name] for field in form if field.name in request.args}
    return render_template(
        "public/eligibility.html",
        form=form,
        outcome=outcome,
        print_mode=print_mode,
        print_url=url_for("public.eligibility", **args, print="1"),
        check_url=url_for("public.eligibility", **args),
        euro=checker.euro,
        threshold_title=checker.threshold_title,
    )


@bp.get("/guide/fee")
@public
def fee_guide():
    """The federal fee: its amount (rules.toml, with its source) and how to pay it."""
    from portal.dossiers import rules

    today = clock.today()
    return render_template(
        "public/fee.html",
        fee=rules.fee_info(today.year),
        year=today.year,
        euro=checker.euro,
        document_title=rules.DOCUMENTS["fee_payment"],
    )


@bp.get("/guide/detachment")
@public
def detachment_guide():
    return render_template("public/detachment_guide.html")
