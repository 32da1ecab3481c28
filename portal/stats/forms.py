"""The forecast's inputs as a form (sent with GET: nothing is stored or changed)."""

from __future__ import annotations

from wtforms import StringField

from portal.forms import BaseForm
from portal.i18n import _l


class ForecastForm(BaseForm):
    class Meta:
        csrf = False  # a GET form carries no token

    fte = StringField(
        _l("Staff (FTE)"),
        description=_l("Empty: the latest configured staff."),
        render_kw={"inputmode": "decimal"},
    )
    inflow = StringField(
        _l("Applications per month"),
        description=_l("Empty: the mean of the reference period."),
        render_kw={"inputmode": "decimal"},
    )
    months = StringField(
        _l("Months ahead"),
        description=_l("From 1 to 36; empty: 12."),
        render_kw={"inputmode": "numeric"},
    )
