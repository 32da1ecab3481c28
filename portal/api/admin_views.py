"""Administrator pages for API clients: list, create (the key is shown once), revoke."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user
from wtforms import SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from portal.accounts.models import Role
from portal.api import keys
from portal.errors import Invalid
from portal.forms import BaseForm, CsrfForm, options, required
from portal.i18n import _, _l
from portal.security import roles

api_admin = Blueprint("api_admin", __name__, url_prefix="/admin/api-clients")


class ApiClientForm(BaseForm):
    name = StringField(
        _l("Name of the client"),
        [required(), Length(max=keys.MAX_NAME)],
        description=_l("The organisation and system, e.g. “DVZ – residence decisions”."),
    )
    scopes = SelectMultipleField(
        _l("What the client may do"),
        [InputRequired(message=_l("Choose at least one scope."))],
        choices=options(keys.SCOPES.items()),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


def _list_page(form: ApiClientForm) -> str:
    return render_template("api/clients.html", clients=keys.list_clients(current_user), form=form)


@api_admin.route("/", methods=["GET", "POST"])
@roles(Role.ADMIN)
def clients():
    form = ApiClientForm()
    if form.validate_on_submit():
        try:
            client, key = keys.create_client(current_user, form.name.data, form.scopes.data)
        except Invalid as error:
            form.add_errors(error.errors)
        else:
            page = render_template("api/created.html", client=client, key=key)
            # The key is on this page only: no cache may keep a copy.
            return page, 200, {"Cache-Control": "no-store"}
    return _list_page(form)


@api_admin.post("/<int:client_id>/revoke")
@roles(Role.ADMIN)
def revoke(client_id: int):
    form = CsrfForm()
    if form.validate_on_submit():
        client = keys.revoke(current_user, client_id)
        flash(_("The key of “%(name)s” is revoked.", name=client.name), "success")
    return redirect(url_for("api_admin.clients"))
