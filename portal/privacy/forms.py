"""Forms of the privacy pages on the account: closing the account."""

from __future__ import annotations

from wtforms import PasswordField

from portal.forms import BaseForm, required
from portal.i18n import _l


class CloseAccountForm(BaseForm):
    password = PasswordField(
        _l("Your password"),
        [required()],
        render_kw={"autocomplete": "current-password"},
        description=_l("So that we know it is you who closes the account."),
    )
