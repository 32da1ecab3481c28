"""The professional card's section forms (the wizard renders them like every section)."""

from __future__ import annotations

from wtforms import DateField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, NumberRange, Optional

from portal import reference
from portal.dossiers import card_rules
from portal.dossiers.contents import card
from portal.dossiers.models import CardDetails
from portal.forms import (
    BaseForm,
    options,
    required,
    validate_kbo,
    validate_nace,
    validate_postal_code,
)
from portal.i18n import _, _l
from portal.validation import PAST_WINDOW, AmountField, DateWindow, today

DATE_HINT = _l("For example 15 3 2026.")
YES_NO = options([("yes", _l("Yes")), ("no", _l("No"))])


class PersonForm(BaseForm):
    worker_first_name = StringField(_l("First name(s)"), [required(), Length(max=100)])
    worker_last_name = StringField(_l("Last name"), [required(), Length(max=100)])
    worker_birth_date = DateField(
        _l("Date of birth"), [required(), PAST_WINDOW], description=DATE_HINT
    )
    worker_nationality = SelectField(_l("Nationality"), [required()], choices=[])
    worker_passport = StringField(_l("Passport number"), [required(), Length(max=40)])
    files_from = RadioField(
        _l("Where do you apply from?"),
        [required()],
        choices=options(
            [
                (
                    card.BELGIUM,
                    _l("From Belgium, online: I live in Belgium on a residence document"),
                ),
                (
                    card.ABROAD,
                    _l("From abroad: at a Belgian embassy or consulate, together with the D visa"),
                ),
            ]
        ),
        description=_l(
            "From abroad the embassy or consulate forwards the application; once the card is "
            "granted you receive a D visa, register with the municipality and get an A card."
        ),
    )
    residence_document = SelectField(
        _l("Your residence document in Belgium"),
        [Optional()],
        choices=[],
        description=_l("Only when you apply from Belgium."),
    )
    residence_valid_until = DateField(
        _l("Residence document valid until"),
        [Optional(), DateWindow(today, lambda: today().replace(year=today().year + 10))],
        description=_l("Only when you apply from Belgium. For example 15 3 2028."),
    )
    worker_diplomatic_post = StringField(
        _l("Belgian embassy or consulate"),
        [Optional(), Length(max=100)],
        description=_l("Only when you apply from abroad, e.g. Belgian Embassy in New Delhi."),
    )
    address_street = StringField(
        _l("Your address: street and number"), [required(), Length(max=200)]
    )
    address_postal_code = StringField(_l("Postal code"), [required(), Length(max=10)])
    address_city = StringField(_l("Town or city"), [required(), Length(max=100)])
    address_country = SelectField(_l("Country"), [required()], choices=[])


class ActivityForm(BaseForm):
    category = RadioField(_l("Category of the professional card"), [required()], choices=[])
    legal_form = RadioField(
        _l("You work as"),
        [required()],
        choices=options(
            [
                (card.SOLE_TRADER, _l("A sole trader (natural person)")),
                (card.COMPANY, _l("The director or partner of a company")),
            ]
        ),
    )
    company_name = StringField(
        _l("Name of the company"),
        [Optional(), Length(max=200)],
        description=_l("Only for a company."),
    )
    company_kbo = StringField(
        _l("Enterprise number (KBO/BCE), if known"),
        [Optional(), validate_kbo],
        description=_l("10 digits, e.g. 0403.170.701."),
        render_kw={"inputmode": "numeric"},
    )
    activity_description = TextAreaField(
        _l("Describe the activity"), [required(), Length(max=4000)]
    )
    nace_code = StringField(
        _l("Main activity (NACE-BEL code)"),
        [required(), validate_nace],
        description=_l("Type the 5-digit code or pick it from the suggestions, e.g. 49410."),
        render_kw={"list": "nace-codes", "inputmode": "numeric", "autocomplete": "off"},
    )
    workplace_street = StringField(
        _l("Place of establishment: street and number"), [required(), Length(max=200)]
    )
    workplace_postal_code = StringField(
        _l("Place of establishment: postal code"),
        [required(), validate_postal_code],
        description=_l("In the Flemish Region."),
        render_kw={"inputmode": "numeric", "maxlength": 4},
    )


class BenefitForm(BaseForm):
    jobs_planned = IntegerField(
        _l("Jobs you will create in the first years"),
        [
            required(),
            NumberRange(
                min=0,
                max=card.MAX_JOBS,
                message=_l("Give a number of jobs from 0 to %(max)s.", max=card.MAX_JOBS),
            ),
        ],
        render_kw={"inputmode": "numeric"},
    )
    investment_eur = AmountField(
        _l("Investment in euro"),
        [Optional()],
        description=_l("For example 18.600 or 18.600,50."),
    )
    start_capital_eur = AmountField(
        _l("Start capital in euro"),
        [Optional()],
        description=_l("For example 18.600 or 18.600,50."),
    )
    innovation = TextAreaField(
        _l("What is innovative or specialised about it?"), [Optional(), Length(max=4000)]
    )
    export = TextAreaField(_l("Export you will promote"), [Optional(), Length(max=4000)])


class QualificationsForm(BaseForm):
    diploma_level = SelectField(
        _l("Qualification level of your highest diploma"),
        [required()],
        choices=[],
        description=_l("On the European scale from 1 to 8; a bachelor is level 6."),
    )
    regulated_profession = RadioField(
        _l("Is the activity a regulated profession (for example architect or pharmacist)?"),
        [required()],
        choices=YES_NO,
        description=_l("If so, you need access to the profession: add the proof to the documents."),
    )


class MeansForm(BaseForm):
    means_eur = AmountField(
        _l("Your means of subsistence a year, in euro"),
        [required()],
        description=_l("For example 26.086,66."),
        per=_l("per year"),
    )


FORMS = {
    "person": PersonForm,
    "activity": ActivityForm,
    "benefit": BenefitForm,
    "qualifications": QualificationsForm,
    "means": MeansForm,
}


def fill_choices(form, locale: str) -> None:
    countries = reference.countries(locale)
    if isinstance(form, PersonForm):
        form.worker_nationality.choices = options([("", _("Choose a country")), *countries])
        form.address_country.choices = options([("", _("Choose a country")), *countries])
        form.residence_document.choices = options(
            [("", _("Choose a document"))] + card.residence_choices()
        )
    if isinstance(form, ActivityForm):
        form.category.choices = options(
            [(code, spec.title) for code, spec in card_rules.categories().items()]
        )
    if isinstance(form, QualificationsForm):
        form.diploma_level.choices = options(
            [("", _("Choose a level"))]
            + [(str(level), str(level)) for level in range(1, card.MAX_DIPLOMA_LEVEL + 1)]
        )


def section_data(form) -> dict:
    """A card form's answers as the card's values."""
    data = {}
    for name, field in form._fields.items():
        if name == "csrf_token":
            continue
        value = field.data
        data[name] = (value.strip() or None) if isinstance(value, str) else value
    if data.get("company_kbo"):
        data["company_kbo"] = reference.normalise_kbo(data["company_kbo"])
    if "nace_code" in data and data["nace_code"]:
        data["nace_code"] = data["nace_code"].replace(".", "")
    if "diploma_level" in data:
        data["diploma_level"] = int(data["diploma_level"]) if data["diploma_level"] else None
    if "regulated_profession" in data:
        data["regulated_profession"] = {"yes": True, "no": False}.get(data["regulated_profession"])
    return data


class Answers:
    """The saved answers of a card file as one object a form fills from (`obj=`)."""

    def __init__(self, dossier) -> None:
        self._dossier, self._card = dossier, card.details(dossier)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        source = self._card if hasattr(CardDetails, name) else self._dossier
        value = getattr(source, name)
        if name == "diploma_level":
            return None if value is None else str(value)
        if name == "regulated_profession":
            return None if value is None else ("yes" if value else "no")
        return value
