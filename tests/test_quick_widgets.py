"""Inputs and text areas write their attributes with `portal.forms.attributes`, not WTForms'
slower `html_params`: the HTML must be exactly WTForms' own, for every field of every form
and for the nastiest values, and no field class's shared widget may be changed."""

from __future__ import annotations

import copy

from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import Markup
from werkzeug.datastructures import MultiDict
from wtforms import widgets
from wtforms.widgets.core import html_params

from portal.forms import QuickTextArea, attributes
from tests.test_validation import all_forms

NASTY = [
    '"><script>alert(1)</script>',
    Markup('a"b <i>kept</i>'),  # markup keeps its tags, but a quote would end the attribute
    "'; DROP TABLE x; --",
    "\u202e\u00e4\u0000\r\n",
    "&amp; &#34; &quot;",
    "x" * 10_000,
    0,
    -1,
    1.5,
    None,
    True,
    False,
]
KEYS = ["class_", "for_", "data_row_id", "aria_describedby", "name", "value", "x<y", 'on"x']


@settings(max_examples=400, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(KEYS) | st.text(min_size=1, max_size=8).filter(str.isidentifier),
        st.sampled_from(NASTY) | st.text(max_size=40) | st.integers(),
        max_size=6,
    )
)
def test_attributes_are_the_text_wtforms_writes(params):
    ours, theirs = attributes(**params), html_params(**params)
    assert ours == theirs and isinstance(ours, Markup)


def test_a_quoted_value_never_ends_its_attribute():
    assert str(attributes(title=Markup('a"b'))) == 'title="a&quot;b"'
    assert str(attributes(title='"><script>')) == 'title="&#34;&gt;&lt;script&gt;"'


def _rendered(field, widget) -> str:
    """The field through `widget`, or each of its options through it for radio buttons."""
    if hasattr(field, "option_widget") and field.type in {"RadioField"}:
        return "".join(str(widget(option)) for option in field)
    return str(widget(field, **{"aria-describedby": '"x"', "class": "<wide>"}))


def test_every_field_of_every_form_renders_as_wtforms_would(app):
    """Each field with a nasty value, through its own widget and through a copy of that
    widget that writes attributes with WTForms' `html_params` (the original behaviour)."""
    quick = 0
    with app.test_request_context("/?lang=fr", method="POST"):
        for form_class in all_forms():
            names = [field.name for field in form_class(formdata=None)]
            data = MultiDict({name: NASTY[0] for name in names})
            form = form_class(data, meta={"csrf": False})
            for field in form:
                widget = field.option_widget if field.type == "RadioField" else field.widget
                if isinstance(widget, QuickTextArea):
                    plain = widgets.TextArea()
                elif isinstance(widget, widgets.Input) and "html_params" in vars(widget):
                    plain = copy.copy(widget)
                    del plain.html_params  # the class's own: WTForms' html_params
                else:
                    continue
                quick += 1
                where = f"{form_class.__name__}.{field.name}"
                assert _rendered(field, widget) == _rendered(field, plain), where
                assert "<script>" not in _rendered(field, widget), where
    assert quick > 150  # most fields of the portal's sixty-odd forms


def test_the_field_classes_keep_wtforms_own_widgets(app):
    from wtforms import HiddenField, RadioField, StringField, TextAreaField

    from portal.forms import CsrfForm, options

    class _Form(CsrfForm):
        text = StringField("t")
        note = TextAreaField("n")
        choice = RadioField("c", choices=options([("a", "A")]))
        hidden = HiddenField()

    with app.test_request_context("/"):
        form = _Form(meta={"csrf": False})
        assert "html_params" in vars(form.text.widget)
        assert type(form.note.widget) is QuickTextArea
        assert "html_params" in vars(form.choice.option_widget)
    # The classes' shared widgets are WTForms' own, untouched: other code using WTForms
    # without the portal's forms renders exactly as before.
    for field_class in (StringField, HiddenField):
        assert "html_params" not in vars(field_class.widget)
    assert "html_params" not in vars(RadioField.option_widget)
    assert type(TextAreaField.widget) is widgets.TextArea
