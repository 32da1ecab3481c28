"""The renewal of a granted professional card: when it opens, and starting it (prefilled).

Routes of the `applications` blueprint (imported at the end of `views.py`); the service is
`card_renewal`. Any party to the card file may look (`get_dossier` authorises); the
renewal draft is then completed in the card wizard.
"""

from __future__ import annotations

from flask import redirect, render_template, url_for
from flask_babel import get_locale
from flask_login import current_user

from portal import clock
from portal.dossiers import access, card_rules
from portal.dossiers.wizard import card_renewal
from portal.dossiers.wizard.views import bp
from portal.errors import Invalid, NotFound
from portal.forms import CsrfForm
from portal.security import authenticated


def _page(dossier, form, status: int = 200):
    today = clock.today()
    window = card_renewal.window(dossier)
    return (
        render_template(
            "applications/card_renewal.html",
            dossier=dossier,
            window=window,
            state=window.state(today),
            refusal=card_renewal.refusal(dossier, today),
            renewal=card_renewal.renewal_of(dossier),
            form=form,
            criminal_months=card_rules.criminal_record_max_age_months(),
        ),
        status,
    )


@bp.get("/<int:dossier_id>/card-renewal")
@authenticated
def card_renewal_page(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id)
    if not card_renewal.is_granted_card(dossier):
        raise NotFound
    return _page(dossier, CsrfForm())


@bp.post("/<int:dossier_id>/card-renewal")
@authenticated
def start_card_renewal(dossier_id: int):
    dossier = access.get_dossier(current_user, dossier_id, for_update=True)
    if not card_renewal.is_granted_card(dossier):
        raise NotFound
    form = CsrfForm()
    if not form.validate_on_submit():
        return _page(dossier, form, 400)
    try:
        renewal = card_renewal.start_renewal(
            current_user, dossier, locale=str(get_locale() or dossier.locale)
        )
    except Invalid as error:
        form.add_errors(error.errors)
        return _page(dossier, form, 400)
    return redirect(url_for("applications.task_list", dossier_id=renewal.id))
