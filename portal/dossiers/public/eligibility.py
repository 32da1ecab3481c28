"""The "Check before you apply" page: the public eligibility form and its outcome.

The check stores nothing and needs no account. It reads everything from the rules
(`portal/data/rules.toml` through `rules`): thresholds per period, which categories allow a
posting, the labour-market test, the documents and the 4.5-month submission window.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from flask_babel import format_currency
from wtforms import BooleanField, SelectField
from wtforms.fields import DateField
from wtforms.validators import InputRequired, ValidationError

from portal import clock, validation
from portal.dossiers import rules
from portal.forms import BaseForm, options
from portal.i18n import _l
from portal.validation import AmountField

EARLIEST_YEAR = 2000
LATEST_YEAR = 2099


def parse_amount(text: str, locale=None) -> Decimal:
    """A euro amount as typed (the one parser of the portal: `validation.parse_amount`)."""
    return validation.parse_amount(text, locale)


class DayField(DateField):
    """A date (YYYY-MM-DD, as date inputs send it) where empty means missing, not invalid."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        super().process_formdata([valuelist[0].strip()])


def _known_category(_form, field) -> None:
    if field.data not in rules.categories():
        raise ValidationError(_l("Choose a category from the list."))


_plausible_year = validation.DateWindow(
    date(EARLIEST_YEAR, 1, 1),
    date(LATEST_YEAR, 12, 31),
    message=_l("Enter a start date between 2000 and 2099."),
)


class EligibilityForm(BaseForm):
    """Sent with GET: the outcome is a bookmarkable page, and no state changes."""

    class Meta:
        csrf = False  # nothing is stored or changed; a GET form carries no token

    category = SelectField(
        _l("Category of the permit"),
        [InputRequired(message=_l("Choose a category.")), _known_category],
        choices=[],
        validate_choice=False,  # _known_category says it in the portal's own words
    )
    annual_salary = AmountField(
        _l("Gross annual salary in euro"),
        [InputRequired(message=_l("Enter the gross annual salary in euro."))],
        description=_l(
            "The gross salary for a full year, including holiday pay and the end-of-year bonus."
        ),
        per=_l("per year"),
        minimum_message=_l("The salary cannot be negative."),
    )
    start_date = DayField(
        _l("Start date of the work"),
        [InputRequired(message=_l("Enter the start date.")), _plausible_year],
        invalid_value_message=_l("Enter the start date as a real date, e.g. 2027-03-01."),
        description=_l("For example 2027-03-01 (year-month-day)."),
    )
    reduced_threshold = BooleanField(_l("The worker is under 30, or a nurse"))
    posting = BooleanField(_l("This is a posting: a foreign employer sends the worker to Flanders"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = category_choices()


def category_choices():
    titles = [(code, spec.title) for code, spec in rules.categories().items()]
    return options([("", _l("Choose a category")), *titles])


@dataclass(frozen=True)
class Document:
    code: str
    title: str
    dated: bool  # a certificate that must be recent


@dataclass(frozen=True)
class Outcome:
    """What the check tells the applicant, in the order the page shows it."""

    category: rules.Category
    annual_salary: Decimal
    start_date: date
    reduced: bool
    posting: bool
    posting_refused: bool
    salary: rules.SalaryCheck
    period: rules.ThresholdPeriod | None  # the thresholds in force on the start date
    indication: rules.SalaryCheck | None  # a year not yet known: the latest known figures
    reduced_not_applicable: bool  # "under 30 or nurse" ticked for a category without it
    labour_market_test: bool
    earliest_submission: date | None  # set when the start date is more than 4.5 months away
    start_passed: bool
    documents: tuple[Document, ...]
    certificate_max_age_months: int

    @property
    def partial_period(self) -> bool:
        """The thresholds changed within the year (EU Blue Card on 1 May 2024)."""
        period = self.period
        return period is not None and (
            (period.valid_from.month, period.valid_from.day) != (1, 1)
            or (period.valid_to.month, period.valid_to.day) != (12, 31)
        )


def assess(
    category_code: str,
    annual_salary: Decimal,
    start_date: date,
    *,
    reduced: bool = False,
    posting: bool = False,
    today: date | None = None,
) -> Outcome:
    """The outcome of the check, from the rules alone."""
    today = today or clock.today()
    spec = rules.category(category_code)
    posting_refused = posting and not spec.posting_allowed
    check = rules.check_salary(category_code, annual_salary, start_date, reduced=reduced)
    indication = None
    if check.applies and not check.known:
        latest = rules.threshold_periods()[-1]
        if start_date > latest.valid_to:  # a year after the last known one
            indication = rules.check_salary(
                category_code, annual_salary, latest.valid_to, reduced=reduced
            )
    window = timedelta(days=rules.procedure("max_days_before_start"))
    earliest = start_date - window if start_date > today + window else None
    documents = ()
    if not posting_refused:
        dated = rules.dated_documents()
        documents = tuple(
            Document(code, str(rules.DOCUMENTS[code]), code in dated)
            for code in rules.required_documents(category_code, posting)
        )
    return Outcome(
        category=spec,
        annual_salary=annual_salary,
        start_date=start_date,
        reduced=reduced,
        posting=posting,
        posting_refused=posting_refused,
        salary=check,
        period=rules.thresholds_on(start_date),
        indication=indication,
        reduced_not_applicable=reduced and check.applies and not spec.reduced_threshold,
        labour_market_test=spec.labour_market_test,
        earliest_submission=earliest,
        start_passed=start_date < today,
        documents=documents,
        certificate_max_age_months=rules.procedure("certificate_max_age_months"),
    )


def assess_form(form: EligibilityForm, today: date | None = None) -> Outcome:
    return assess(
        form.category.data,
        form.annual_salary.data,
        form.start_date.data,
        reduced=bool(form.reduced_threshold.data),
        posting=bool(form.posting.data),
        today=today,
    )


def euro(amount: Decimal) -> str:
    return format_currency(amount, "EUR")


def threshold_title(kind: str | None) -> str:
    return str(rules.THRESHOLD_TITLES[kind]) if kind else ""
