"""Account forms."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from portal.accounts.models import RESIDENCE_DOCUMENT_TITLES, MandateKind
from portal.forms import (
    BaseForm,
    address_fields,
    email_field,
    new_password_fields,
    options,
    required,
    validate_kbo,
    validate_nace,
)
from portal.i18n import LANGUAGES, _l
from portal.validation import PAST_WINDOW, DateWindow, today


class LoginForm(BaseForm):
    email = EmailField(_l("E-mail address"), [required()], render_kw={"autocomplete": "username"})
    password = PasswordField(
        _l("Password"), [required()], render_kw={"autocomplete": "current-password"}
    )


class EmployerRegistrationForm(BaseForm):
    organisation_name = StringField(
        _l("Name of the organisation"),
        [required(), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    kbo_number = StringField(
        _l("Enterprise number (KBO/BCE)"),
        [required(), validate_kbo],
        description=_l("10 digits, as in the Crossroads Bank for Enterprises, e.g. 0403.170.701."),
        render_kw={"inputmode": "numeric"},
    )
    street, postal_code = address_fields()
    nace_code = StringField(
        _l("Main activity (NACE-BEL code)"),
        [required(), validate_nace],
        description=_l("Type the 5-digit code or pick it from the suggestions, e.g. 49410."),
        render_kw={"list": "nace-codes", "inputmode": "numeric", "autocomplete": "off"},
    )
    join_existing = BooleanField(
        _l("If this enterprise number is already registered, ask its administrator to let me join"),
        description=_l(
            "The administrator decides; until then you see nothing of the organisation."
        ),
    )
    contact_name = StringField(
        _l("Your name"), [required(), Length(max=200)], render_kw={"autocomplete": "name"}
    )
    email = email_field()
    password, confirm = new_password_fields()


class MandataryRegistrationForm(BaseForm):
    kind = RadioField(
        _l("You register as"),
        choices=options([("person", _l("A natural person")), ("company", _l("A company"))]),
        validators=[required()],
        default="company",
    )
    name = StringField(
        _l("Name of the person or company"),
        [required(), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    kbo_number = StringField(
        _l("Enterprise number (KBO/BCE)"),
        [Optional(), validate_kbo],
        description=_l("Required for a company. 10 digits, e.g. 0403.170.701."),
        render_kw={"inputmode": "numeric"},
    )
    street, postal_code = address_fields()
    contact_name = StringField(
        _l("Your name"), [required(), Length(max=200)], render_kw={"autocomplete": "name"}
    )
    email = email_field()
    password, confirm = new_password_fields()

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Checked here, not inline: Optional() ends the field's own validation when empty.
        if self.kind.data == "company" and not (self.kbo_number.data or "").strip():
            self.kbo_number.errors = [_l("A company needs its enterprise number.")]
            valid = False
        return valid


class EmailOnlyForm(BaseForm):
    email = email_field()


class ResetPasswordForm(BaseForm):
    password, confirm = new_password_fields()


class InviteForm(BaseForm):
    name = StringField(_l("Name of your colleague"), [required(), Length(max=200)])
    email = email_field(_l("E-mail address of your colleague"))


class ForeignEmployerForm(BaseForm):
    name = StringField(_l("Name of the foreign employer"), [required(), Length(max=200)])
    country = SelectField(_l("Country where it is established"), [required()], choices=[])
    registration_number = StringField(
        _l("Registration number in that country"),
        [required(), Length(max=60)],
        description=_l("The number of the company register of that country."),
    )
    kbo_number = StringField(
        _l("Enterprise number (KBO/BCE), if it has one"),
        [Optional(), validate_kbo],
        description=_l("A foreign employer registered in Belgium has a 10-digit number."),
        render_kw={"inputmode": "numeric"},
    )


class MandateForm(BaseForm):
    file = FileField(
        _l("The signed mandate (PDF)"),
        [FileRequired(message=_l("Choose the PDF file of the mandate."))],
        render_kw={"accept": "application/pdf,.pdf"},
    )
    start_quarter = SelectField(_l("First quarter of the mandate"), [required()], choices=[])
    end_quarter = SelectField(_l("Last quarter (leave empty if open-ended)"), choices=[])
    kind = RadioField(
        _l("The mandate allows you to file"),
        # Sent without it, the form files single permits (the default); sent empty, it is
        # refused like any other value that is not a choice (no Optional(): the view needs
        # a kind of mandate).
        choices=options([(kind.value, kind.title) for kind in MandateKind]),
        default=MandateKind.EMPLOYER.value,
        description=_l(
            "A business counter filing a professional card for an entrepreneur chooses the "
            "professional card: record the person with their nationality and passport number."
        ),
    )


class DecisionForm(BaseForm):
    decision = RadioField(
        _l("Decision"),
        choices=options(
            [("verify", _l("Verify the mandate")), ("reject", _l("Reject the mandate"))]
        ),
        validators=[required()],
    )
    reason = TextAreaField(
        _l("Reason for a rejection"),
        [Optional(), Length(max=2000)],
        description=_l("The mandatary reads this reason."),
    )


class LanguageForm(BaseForm):
    locale = SelectField(
        _l("Language of your e-mails and letters"),
        [required()],
        choices=options(list(LANGUAGES.items())),
    )


class ChangePasswordForm(BaseForm):
    current_password = PasswordField(
        _l("Current password"), [required()], render_kw={"autocomplete": "current-password"}
    )
    password, confirm = new_password_fields()


def residence_document_choices():
    return options([(code.value, title) for code, title in RESIDENCE_DOCUMENT_TITLES.items()])


class EntrepreneurRegistrationForm(BaseForm):
    """A foreign entrepreneur registers to file their own professional card."""

    first_name = StringField(
        _l("First name(s)"), [required(), Length(max=100)], render_kw={"autocomplete": "given-name"}
    )
    last_name = StringField(
        _l("Last name"), [required(), Length(max=100)], render_kw={"autocomplete": "family-name"}
    )
    birth_date = DateField(
        _l("Date of birth"),
        [required(), PAST_WINDOW],
        description=_l("For example 15 3 2026."),
        render_kw={"autocomplete": "bday"},
    )
    nationality = SelectField(_l("Nationality"), [required()], choices=[])
    residence_document = RadioField(
        _l("Your residence document in Belgium"),
        [required()],
        choices=residence_document_choices(),
    )
    residence_valid_until = DateField(
        _l("Valid until"),
        [Optional(), DateWindow(today, lambda: today().replace(year=today().year + 10))],
        description=_l("As on the document. Not needed if you live abroad."),
    )
    address_street = StringField(
        _l("Street and number"),
        [required(), Length(max=200)],
        render_kw={"autocomplete": "street-address"},
    )
    address_postal_code = StringField(
        _l("Postal code"),
        [required(), Length(max=10)],
        render_kw={"autocomplete": "postal-code"},
    )
    address_city = StringField(
        _l("Town or city"),
        [required(), Length(max=100)],
        render_kw={"autocomplete": "address-level2"},
    )
    address_country = SelectField(_l("Country"), [required()], choices=[])
    email = email_field()
    password, confirm = new_password_fields()
