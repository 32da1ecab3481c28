"""Selects keep their HTML per field, options and choice (`portal.forms.KeptSelect`): the
page must be exactly what WTForms renders, for each language and each choice."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict
from wtforms import RadioField, SelectField, SelectMultipleField, widgets

from portal.forms import CsrfForm, KeptSelect, options
from portal.i18n import _l, force_locale


class _Filters(CsrfForm):
    state = SelectField(
        _l("Status"),
        choices=options([("", _l("All categories")), ("open", "Open"), ("<b>", "<b>&amp;")]),
        default="",
    )
    many = SelectMultipleField("many", choices=options([("a", "A"), ("b", "B")]))
    radio = RadioField("radio", choices=options([("x", "X"), ("y", "Y")]))


def _render(app, lang: str, data: dict, **kwargs) -> tuple[str, str]:
    with app.test_request_context("/"), force_locale(lang):
        form = _Filters(MultiDict(data), meta={"csrf": False})
        kept = str(form.state(**kwargs))
        plain = str(widgets.Select()(form.state, **kwargs))  # WTForms' own rendering
        return kept, plain


@pytest.mark.parametrize("lang", ["nl", "fr", "de", "en"])
@pytest.mark.parametrize(
    "data", [{}, {"state": "open"}, {"state": "<b>"}, {"state": '"><script>x</script>'}]
)
def test_the_kept_html_is_wtforms_own(app, db_session, lang, data):
    for _ in range(2):  # the second time from the cache
        kept, plain = _render(app, lang, data)
        assert kept == plain
    assert "<script>" not in kept
    assert "&lt;b&gt;" in kept


def test_the_choice_the_language_and_the_attributes_each_change_the_html(app, db_session):
    nothing, _ = _render(app, "en", {})
    chosen, _ = _render(app, "en", {"state": "open"})
    assert '<option selected value="open">' in chosen and '<option selected value="">' in nothing
    assert _render(app, "fr", {})[0] != nothing  # "Toutes les catégories"
    described, plain = _render(app, "en", {}, **{"aria-describedby": "state-error"})
    assert described == plain and 'aria-describedby="state-error"' in described


def test_only_wtforms_own_select_widget_is_replaced(app, db_session):
    with app.test_request_context("/"):
        form = _Filters(meta={"csrf": False})
        assert type(form.state.widget) is KeptSelect and not form.state.widget.multiple
        assert type(form.many.widget) is KeptSelect and form.many.widget.multiple
        assert not isinstance(form.radio.widget, KeptSelect)
        assert 'multiple name="many"' in str(form.many())
