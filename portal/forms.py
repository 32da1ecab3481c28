"""Shared form fields and validators, with translated messages."""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable

from babel import support
from flask import current_app
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from wtforms import EmailField, PasswordField, SelectChoice, StringField, widgets
from wtforms.fields.choices import SelectFieldBase
from wtforms.i18n import messages_path
from wtforms.validators import Email, EqualTo, InputRequired, Length, ValidationError

from portal import csrftoken, reference, validation
from portal.errors import Invalid
from portal.i18n import _l, language

MIN_PASSWORD = 12


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def _anchor(field) -> str:
    # A hidden field has no id to go to (hidden_tag); its message stands without a link.
    if isinstance(field.widget, widgets.HiddenInput):
        return ""
    # Radio buttons are rendered one by one; the summary links to the first of them.
    return f"{field.id}-0" if field.type == "RadioField" else field.id


@functools.cache
def _wtforms_catalog(locale: str) -> support.NullTranslations:
    """WTForms' own messages in one language, read from disk once per process.

    Flask-WTF reads the catalog anew in every request that builds a form (about 1.5 ms, a
    tenth of the officer's queue); the files do not change while the process runs."""
    return support.Translations.load(messages_path(), [locale], domain="wtforms")


class KeptSelect(widgets.Select):
    """WTForms' select, its HTML kept per process for the same field, options and choice.

    A filter form renders every option of every select on every request (the officer's
    queue: seven selects, about forty options, each through WTForms' attribute building
    and escaping, and a signature inspection per select): a fifth of that page's template
    time, for HTML that only changes with the language and what is selected. The key is all
    the widget reads: the field's id, name and flags, the arguments of the call and each
    option's value, label (as shown, so each language has its own), state and attributes.
    Grouped options, or anything unhashable, are rendered as WTForms does.
    """

    MAX_KEPT = 4096
    _kept: dict[tuple, Markup] = {}

    def __call__(self, field, **kwargs):
        if field.has_groups():
            return super().__call__(field, **kwargs)
        try:
            key = (
                self.multiple,
                field.id,
                field.name,
                tuple(sorted(kwargs.items())),
                tuple(sorted(vars(field.flags).items())),
                tuple(_option_key(choice) for choice in field.iter_choices()),
            )
            html = self._kept.get(key)
        except TypeError:  # an unhashable attribute value
            return super().__call__(field, **kwargs)
        if html is None:
            if len(self._kept) >= self.MAX_KEPT:
                self._kept.clear()
            html = self._kept[key] = super().__call__(field, **kwargs)
        return html


def _option_key(choice) -> tuple:
    if isinstance(choice, tuple):  # the pre-3.3 shape: (value, label, selected[, render_kw])
        value, label, selected, *rest = choice
        render_kw = rest[0] if rest else None
    else:
        value, label, selected = choice.value, choice.label, choice.selected
        render_kw = choice.render_kw
    shown = None if label is None else str(label)
    return (type(value), value, shown, bool(selected), tuple(sorted((render_kw or {}).items())))


def attributes(**kwargs) -> Markup:
    """The HTML attributes WTForms' `html_params` writes, the same text, made faster.

    WTForms builds each attribute with `Markup.format`, which runs the string formatter and
    escapes the name and the value through it: 48 times on the officer's file page, about
    0.4 ms of its 6 ms (issue 15). Here the name and the value are escaped once each, as
    there, and a value that is markup already keeps its text but for `"`, as there.
    """
    params = []
    for key, value in sorted(kwargs.items()):
        key = escape(widgets.core.clean_key(key))
        if value is True:
            params.append(key)
        elif value is not False:
            params.append(f'{key}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(params))


class QuickTextArea(widgets.TextArea):
    """WTForms' text area (3.x), its attributes written by `attributes()`."""

    def __call__(self, field, **kwargs):
        kwargs.setdefault("id", field.id)
        flags = getattr(field, "flags", {})
        for k in dir(flags):
            if k in self.validation_attrs and k not in kwargs:
                kwargs[k] = getattr(flags, k)
        html = attributes(name=field.name, **kwargs)
        return Markup(f"<textarea {html}>\r\n{escape(field._value())}</textarea>")


_QUICK: dict[int, tuple[object, object]] = {}


def _quick(widget):
    """`widget` writing its attributes with `attributes()`, when it is WTForms' text area or
    one of its inputs that write them with `html_params` (its own copy, kept per process,
    so the field class's shared widget is never changed); any other widget as it is."""
    if type(widget) is widgets.TextArea:
        return QUICK_TEXT_AREA
    if not isinstance(widget, widgets.Input) or type(widget).html_params is not (
        widgets.Input.html_params
    ):
        return widget
    kept = _QUICK.get(id(widget))
    if kept is None or kept[0] is not widget:
        quick = copy.copy(widget)
        quick.html_params = attributes  # an instance's own function: called unbound
        kept = _QUICK[id(widget)] = (widget, quick)
    return kept[1]


QUICK_TEXT_AREA = QuickTextArea()


class BaseForm(FlaskForm):
    """A form whose errors the error summary can list in field order.

    Every field gets the shared input bounds of `portal.validation` (text free of control
    characters, a maximum length, bounded numbers and dates) on top of its own validators.
    """

    class Meta(FlaskForm.Meta):
        csrf_class = csrftoken.KeptCSRF  # the token signed once a minute (portal.csrftoken)

        def get_translations(self, form):
            if not current_app.config.get("WTF_I18N_ENABLED", True):
                return super().get_translations(form)
            return _wtforms_catalog(language())

        def bind_field(self, form, unbound_field, options):
            args, kwargs = list(unbound_field.args), dict(unbound_field.kwargs)
            validators = kwargs.pop("validators", None)
            if validators is None and len(args) > 1:
                validators = args.pop(1)
            validators, filters = validation.default_rules(
                unbound_field.field_class, validators or [], kwargs.pop("filters", None) or []
            )
            field_class = unbound_field.field_class
            if issubclass(field_class, SelectFieldBase) and "widget" not in kwargs:
                widget = field_class.widget
                if type(widget) is widgets.Select:  # WTForms' own, not a form's choice
                    kwargs["widget"] = KeptSelect(multiple=widget.multiple)
            widget = kwargs.get("widget") or getattr(field_class, "widget", None)
            if (quick := _quick(widget)) is not widget:
                kwargs["widget"] = quick
            if issubclass(field_class, SelectFieldBase):  # radio buttons, check boxes
                option = kwargs.get("option_widget") or field_class.option_widget
                if (quick := _quick(option)) is not option:
                    kwargs["option_widget"] = quick
            bound = field_class(*args, validators=validators, filters=filters, **kwargs).bind(
                form=form, **options
            )
            return bound

    def hidden_tag(self, *fields) -> Markup:
        """The form's hidden fields (all, or those named), rendered without an id.

        Two forms on one page (the account page's language and password forms, a helpdesk
        ticket's five) would each give their CSRF field the id `csrf_token`: a page with a
        duplicate id. Nothing points at a hidden input (no label, no link), so it needs
        no id at all.
        """
        chosen = (getattr(self, f, None) if isinstance(f, str) else f for f in fields or self)
        return Markup(
            "\n".join(
                str(f(id=False))
                for f in chosen
                if f is not None and isinstance(f.widget, widgets.HiddenInput)
            )
        )

    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) pairs in field order; form-wide messages have no id."""
        pairs = [("", str(message)) for message in self.form_errors]
        return pairs + [(_anchor(field), str(m)) for field in self for m in field.errors]

    def add_errors(self, errors: dict[str, list[str]]) -> None:
        """Attach a service's Invalid errors to the fields they name."""
        for name, messages in errors.items():
            field = self._fields.get(name)
            if field is None:
                self.form_errors.extend(messages)
            else:
                field.errors = [*field.errors, *messages]

    def carry_out(self, action: Callable[[], object]) -> bool:
        """Whether the form was sent valid and `action()`, the service call it asks for,
        accepted it. A refusal (`Invalid`) puts its errors beside the fields they name, for
        the page shown again; anything else it raises goes on up."""
        if not self.validate_on_submit():
            return False
        try:
            action()
        except Invalid as error:
            self.add_errors(error.errors)
            return False
        return True


class CsrfForm(BaseForm):
    """Only the CSRF token: for buttons that change something (log out, decide)."""


def required():
    return InputRequired(message=_l("This field is required."))


def email_field(label=None):
    return EmailField(
        label or _l("E-mail address"),
        [
            required(),
            Email(message=_l("Enter an e-mail address like name@example.be.")),
            Length(max=254),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def new_password_fields():
    password = PasswordField(
        _l("Password"),
        [
            required(),
            Length(
                min=MIN_PASSWORD,
                max=200,
                message=_l("Choose a password of at least 12 characters."),
            ),
        ],
        description=_l("At least 12 characters. A sentence you remember is a good choice."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        [required(), EqualTo("password", message=_l("The passwords do not match."))],
        render_kw={"autocomplete": "new-password"},
    )
    return password, confirm


def validate_kbo(_form, field) -> None:
    if field.data and reference.normalise_kbo(field.data) is None:
        raise ValidationError(
            _l("This is not a valid enterprise number: check the 10 digits, e.g. 0403.170.701.")
        )


def validate_postal_code(_form, field) -> None:
    if field.data and reference.municipality_for_postal_code(field.data) is None:
        raise ValidationError(_l("This is not a Belgian postal code."))


def validate_nace(_form, field) -> None:
    code = (field.data or "").strip().replace(".", "")
    if code and not reference.is_nace_code(code):
        raise ValidationError(_l("Choose a NACE-BEL code of 5 digits from the list, e.g. 49410."))


def address_fields():
    street = StringField(
        _l("Street and number"),
        [required(), Length(max=200)],
        render_kw={"autocomplete": "street-address"},
    )
    postal_code = StringField(
        _l("Postal code"),
        [required(), validate_postal_code],
        description=_l("4 digits. We look up the municipality for you."),
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": 4},
    )
    return street, postal_code
