"""Wizard forms: one per section, plus documents, check-answers and follow-ups."""

from __future__ import annotations

from datetime import date

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Email, Length, NumberRange, Optional, ValidationError

from portal import reference
from portal.dossiers import rules
from portal.forms import BaseForm, options, required, validate_kbo, validate_postal_code
from portal.i18n import LANGUAGES, _l
from portal.validation import (
    PAST_WINDOW,
    START_WINDOW,
    AmountField,
    DateWindow,
    days_from_today,
    today,
)

DATE_HINT = _l("For example 15 3 2026.")


def validate_isco(_form, field) -> None:
    if field.data and not reference.is_isco_unit(field.data.strip()):
        raise ValidationError(_l("Choose a 4-digit ISCO-08 occupation from the list, e.g. 8332."))


class StartForm(BaseForm):
    foreign_employer = SelectField(
        _l("Foreign employer"),
        [required()],
        choices=[],
        description=_l("Only employers with a verified mandate in force are listed."),
    )


class CardStartForm(BaseForm):
    person = SelectField(
        _l("The person you file for"),
        [required()],
        choices=[],
        description=_l(
            "Only people with a verified professional-card mandate in force are listed."
        ),
    )


class WorkerForm(BaseForm):
    worker_first_name = StringField(_l("First name(s)"), [required(), Length(max=100)])
    worker_last_name = StringField(_l("Last name"), [required(), Length(max=100)])
    worker_birth_date = DateField(
        _l("Date of birth"), [required(), PAST_WINDOW], description=DATE_HINT
    )
    worker_nationality = SelectField(_l("Nationality"), [required()], choices=[])
    worker_passport = StringField(_l("Passport number"), [required(), Length(max=40)])
    worker_national_number = StringField(
        _l("Belgian national register or BIS number"),
        [Optional(), Length(max=20)],
        description=_l("Only if the worker has one: 11 digits."),
        render_kw={"inputmode": "numeric"},
    )
    worker_residence_country = SelectField(
        _l("Country where the worker lives now"), [required()], choices=[]
    )
    worker_diplomatic_post = StringField(
        _l("Belgian embassy or consulate for the visa"),
        [Optional(), Length(max=100)],
        description=_l("Required when the worker lives abroad, e.g. Belgian Embassy in New Delhi."),
    )
    worker_email = EmailField(
        _l("E-mail address of the worker"),
        [
            Optional(),
            Email(message=_l("Enter an e-mail address like name@example.be.")),
            Length(max=254),
        ],
        description=_l(
            "To invite the worker to follow the file and to welcome them after approval."
        ),
    )
    worker_locale = SelectField(
        _l("Language of the worker"),
        [Optional()],
        choices=options([("", _l("Not known"))] + list(LANGUAGES.items())),
    )


class CategoryForm(BaseForm):
    category = SelectField(_l("Category of the permit"), [required()], choices=[])
    vacancy_reference = StringField(
        _l("Reference of the VDAB vacancy"),
        [Optional(), Length(max=60)],
        description=_l(
            "Only for the category “Other”: the vacancy must have been published for %(weeks)s weeks on VDAB and EURES.",
            weeks=rules.Figure("labour_market_test_weeks"),
        ),
    )
    vacancy_published_on = DateField(
        _l("Date the vacancy was published"),
        [Optional(), DateWindow(date(2000, 1, 1), today)],
        description=DATE_HINT,
    )


class JobForm(BaseForm):
    isco_code = StringField(
        _l("Occupation (ISCO-08)"),
        [required(), validate_isco],
        description=_l(
            "Type a word of the job title or the 4-digit code and choose from the list, e.g. 8332."
        ),
        render_kw={"list": "isco-codes", "autocomplete": "off"},
    )
    annual_salary = AmountField(
        _l("Gross annual salary in euro"),
        [required()],
        description=_l("For example 52.000 or 52.000,50."),
        per=_l("per year"),
    )
    reduced_threshold = BooleanField(_l("The worker is under 30, or a nurse"))
    start_date = DateField(
        _l("Start date"),
        [required(), START_WINDOW],
        description=_l(
            "At most %(months)s months from now.", months=rules.Figure("max_months_before_start")
        ),
    )
    duration_months = IntegerField(
        _l("Duration in months"),
        [
            required(),
            NumberRange(min=1, max=60, message=_l("Enter a number of months from 1 to 60.")),
        ],
    )
    workplace_street = StringField(
        _l("Place of work: street and number"), [required(), Length(max=200)]
    )
    workplace_postal_code = StringField(
        _l("Place of work: postal code"),
        [required(), validate_postal_code],
        render_kw={"inputmode": "numeric", "maxlength": 4},
    )


class PostingForm(BaseForm):
    posting_start = DateField(
        _l("First day of the posting"), [required(), START_WINDOW], description=DATE_HINT
    )
    posting_end = DateField(
        _l("Last day of the posting"), [required(), START_WINDOW], description=DATE_HINT
    )
    client_name = StringField(_l("Belgian client"), [required(), Length(max=200)])
    client_kbo = StringField(_l("Enterprise number of the client"), [Optional(), validate_kbo])
    # The site in Belgium is the place of work given in the job step: not asked twice.
    limosa_reference = StringField(
        _l("Limosa declaration number"),
        [required(), Length(max=60)],
        description=_l("The reference of the Limosa declaration for this posting."),
    )


class DocumentForm(BaseForm):
    requirement = SelectField(_l("Which document is this?"), [required()], choices=[])
    file = FileField(_l("File (PDF, JPEG or PNG)"), [FileRequired(message=_l("Choose a file."))])
    issued_on = DateField(
        _l("Date of issue"),
        [Optional(), PAST_WINDOW],
        description=_l("Required for the medical certificate and the certificate of good conduct."),
    )


class CheckForm(BaseForm):
    token = HiddenField()
    declaration = BooleanField(
        _l(
            "I declare that the information is correct and complete, and that the worker agrees to this application."
        ),
        [required()],
    )


class WithdrawForm(BaseForm):
    reason = TextAreaField(_l("Why do you withdraw the file?"), [Optional(), Length(max=2000)])


class FollowUpForm(BaseForm):
    kind = RadioField(
        _l("What do you want to file?"),
        [required()],
        choices=options(
            [
                ("renewal", _l("A renewal of this permit")),
                ("change_of_employer", _l("A change of employer")),
            ]
        ),
    )
    expires_on = DateField(
        _l("Date the current permit expires"),
        # A permit runs for at most 3 years; an expired one is no longer renewed.
        [required(), DateWindow(days_from_today(-366), days_from_today(4 * 366))],
        description=DATE_HINT,
    )


class InviteWorkerForm(BaseForm):
    email = EmailField(
        _l("E-mail address of the worker"),
        [
            required(),
            Email(message=_l("Enter an e-mail address like name@example.be.")),
            Length(max=254),
        ],
    )
    locale = SelectField(
        _l("Language of the invitation"), [required()], choices=options(list(LANGUAGES.items()))
    )


def fill_choices(form, locale: str) -> None:
    """The country and category lists of a section form, in `locale`."""
    from portal.dossiers import rules
    from portal.i18n import _

    countries = reference.countries(locale)
    if isinstance(form, WorkerForm):
        form.worker_nationality.choices = options([("", _("Choose a country")), *countries])
        form.worker_residence_country.choices = options([("", _("Choose a country")), *countries])
    if isinstance(form, CategoryForm):
        form.category.choices = options(
            [("", _("Choose a category"))]
            + [(code, spec.title) for code, spec in rules.categories().items()]
        )


def warn_about_salary(form, category: str | None) -> None:
    """Next to the salary of a job form: a warning when the amount read is below the
    category's threshold for the year of the start date (the save itself decides)."""
    if not isinstance(form, JobForm) or form.annual_salary.errors:
        return
    from portal.dossiers.contents import sections

    form.annual_salary.warning = sections.salary_warning(
        category,
        form.annual_salary.data,
        form.start_date.data if not form.start_date.errors else None,
        reduced=bool(form.reduced_threshold.data),
    )


def section_data(form) -> dict:
    """A section form's answers as plain values: text trimmed, empty text as None."""
    data = {}
    for name, field in form._fields.items():
        if name == "csrf_token":
            continue
        value = field.data
        data[name] = (value.strip() or None) if isinstance(value, str) else value
    if data.get("client_kbo"):
        data["client_kbo"] = reference.normalise_kbo(data["client_kbo"])
    return data
