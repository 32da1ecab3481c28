"""The shared input bounds (portal/validation.py) and Belgian amounts, on every form."""

from __future__ import annotations

import importlib
from datetime import date, timedelta
from decimal import Decimal

import pytest
from babel.numbers import format_currency, format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from wtforms import (
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import Length, NumberRange

from portal import clock, validation
from portal.accounts.models import Role
from portal.extensions import db
from portal.fallback.models import HelpdeskTicket as Ticket
from portal.forms import BaseForm
from portal.validation import AmountError, DateWindow, parse_amount
from tests.applications_support import fill, job, start
from tests.support import check_page, field_error, login, make_user

FORM_MODULES = (
    "portal.forms",
    "portal.accounts.forms",
    "portal.dossiers.wizard.forms",
    "portal.dossiers.public.eligibility",
    "portal.backoffice.forms",
    "portal.fallback.forms",
    "portal.dossiers.tracking.forms",
    "portal.api.admin_views",
    "onboarding.forms",
)


def all_forms() -> list[type[BaseForm]]:
    for name in FORM_MODULES:
        importlib.import_module(name)
    found, todo = [], [BaseForm]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return sorted(set(found), key=lambda c: (c.__module__, c.__name__))


# -- every form keeps the bounds ----------------------------------------------------------


def test_every_field_of_every_form_is_bounded(app):
    forms = all_forms()
    assert len(forms) > 40
    with app.test_request_context("/"):
        for form_class in forms:
            form = form_class(formdata=None)
            for field in form:
                where = f"{form_class.__name__}.{field.name}"
                validators = field.validators
                if isinstance(field, StringField):
                    lengths = [v.max for v in validators if isinstance(v, Length)]
                    assert any(m and m > 0 for m in lengths), f"{where} has no maximum length"
                    assert any(isinstance(v, validation.PlainText) for v in validators), where
                if isinstance(field, IntegerField):
                    assert any(isinstance(v, NumberRange) for v in validators), where
                    assert validators[0] is validation.within_int, where
                if isinstance(field, DecimalField):
                    assert validation.finite in validators, where
                if isinstance(field, DateField):
                    assert any(isinstance(v, DateWindow) for v in validators), where
                if isinstance(field, SelectMultipleField):
                    assert validation.few_choices in validators, where
                elif isinstance(field, SelectField):
                    assert any(isinstance(v, validation.PlainText) for v in validators), where


@pytest.mark.parametrize("number", ["9" * 400, "-" + "9" * 400, "9" * 4300, str(2**31)])
def test_every_whole_number_field_refuses_a_huge_number_with_a_message(app, number):
    """A number beyond a float (310 digits or more) once made WTForms' range check raise."""
    checked = 0
    for form_class in all_forms():
        with app.test_request_context("/?lang=en", method="POST"):
            names = [f.name for f in form_class(formdata=None) if isinstance(f, IntegerField)]
        for name in names:
            form = bound(form_class, {name: number}, app)
            assert form[name].errors, f"{form_class.__name__}.{name}"
            checked += 1
    assert checked >= 2  # the wizard's job form and the back office's, at least


@pytest.mark.parametrize("lang", ["nl", "en"])
def test_a_huge_duration_is_a_message_on_both_job_pages(client, tmp_path, lang):
    """What the form fuzzer found: 400 nines as the duration of an e-mailed file's job
    answered 500 in the back office; the applicants' own job page shares the field."""
    from tests.fallback.test_pages import email_file

    dossier = email_file(make_user("agent@helpdesk.example", Role.HELPDESK), tmp_path)
    login(client, make_user("olivia@officer.example", Role.OFFICER).email)
    client.post(f"/backoffice/email-files/{dossier.id}/category", data={"category": "researcher"})
    huge = job(duration_months="9" * 400)
    response = client.post(f"/backoffice/email-files/{dossier.id}/job?lang={lang}", data=huge)
    assert response.status_code == 200
    error = field_error(check_page(response.get_data(as_text=True)), "duration_months")
    assert (
        error
        == {"nl": "Fout: Vul een kleiner getal in.", "en": "Error: Enter a smaller number."}[lang]
    )
    client.post("/account/logout")
    login(client, make_user("eva@bouw.example").email)
    draft = start(client)
    response = client.post(f"/applications/{draft.id}/job?lang={lang}", data=huge)
    assert response.status_code == 200
    assert field_error(check_page(response.get_data(as_text=True)), "duration_months")
    db.session.refresh(draft)
    assert draft.duration_months is None


def bound(form_class, data: dict, app):
    from werkzeug.datastructures import MultiDict

    with app.test_request_context("/?lang=en", method="POST"):
        form = form_class(formdata=MultiDict(data))
        form.validate()
        return form


@pytest.mark.parametrize(
    "value",
    ["Jan\x00", "Jan\x1b[31m", "Jan\x7f", "Jan\u0085Peeters", "Jan\u2028Peeters", "Jan\tPeeters"],
)
def test_control_characters_are_refused_in_a_name(app, value):
    from portal.accounts.forms import InviteForm

    form = bound(InviteForm, {"name": value, "email": "a@example.be"}, app)
    assert "control characters" in " ".join(map(str, form.name.errors))


def test_a_single_line_field_refuses_line_breaks_and_a_text_area_keeps_them(app):
    from portal.accounts.forms import InviteForm
    from portal.fallback.forms import MessageForm

    form = bound(InviteForm, {"name": "Jan\r\nBcc: x@evil.example", "email": "a@b.be"}, app)
    assert form.name.errors == ["Write this on one line, without line breaks."]
    form = bound(MessageForm, {"body": "line one\r\nline two\nthree"}, app)
    assert form.validate() and form.body.data == "line one\r\nline two\nthree"
    form = bound(MessageForm, {"body": "line one\x00"}, app)
    assert form.body.errors


def test_bidi_controls_are_removed_from_names_and_surrounding_space_is_trimmed(app):
    from portal.accounts.forms import InviteForm

    form = bound(InviteForm, {"name": "  invoice\u202efdp.exe \u200f", "email": "a@b.be"}, app)
    assert form.validate()
    assert form.name.data == "invoicefdp.exe"


def test_a_text_field_without_its_own_length_gets_one(app):
    from portal.dossiers.wizard.forms import CategoryForm

    form = bound(CategoryForm, {"category": "x", "vacancy_reference": "y" * 100_000}, app)
    assert form.vacancy_reference.errors  # declared Length(max=60)
    from portal.forms import BaseForm as Base

    class Free(Base):
        text = StringField("Text")

    form = bound(Free, {"text": "y" * (validation.MAX_LINE + 1)}, app)
    assert form.text.errors == ["Shorten this text to at most 500 characters."]


def test_a_free_choice_is_plain_text_too(app):
    from onboarding.forms import ProfileForm

    form = bound(ProfileForm, {"has_partner": "yes\x00", "preferred_locale": "en"}, app)
    assert "control characters" in form.has_partner.errors[0]
    form = bound(ProfileForm, {"has_partner": "y" * 100_000, "preferred_locale": "en"}, app)
    assert form.has_partner.errors == ["Choose one of the options."]


def test_a_list_of_choices_is_bounded(app):
    from werkzeug.datastructures import MultiDict

    from portal.api.admin_views import ApiClientForm

    with app.test_request_context("/?lang=en", method="POST"):
        data = MultiDict([("name", "DVZ")] + [("scopes", "dossiers:read")] * 10_000)
        form = ApiClientForm(formdata=data)
        assert not form.validate()
        assert form.scopes.errors == ["Choose each option at most once."]


@pytest.mark.parametrize("kbo", ["9" * 5000, "٠٤٠٣١٧٠٧٠١", "0403.170.701" + "." * 100])
def test_an_enterprise_number_of_any_length_or_script_is_an_error_not_a_crash(app, kbo):
    from portal.accounts.forms import EmployerRegistrationForm
    from portal.fallback.forms import ReviewForm

    form = bound(EmployerRegistrationForm, {"kbo_number": kbo}, app)
    assert form.kbo_number.errors
    form = bound(ReviewForm, {"decision": "convert", "reason": "x", "kbo": kbo}, app)
    assert form.kbo.errors


def test_dates_outside_the_window_are_refused(app):
    from portal.dossiers.wizard.forms import WorkerForm

    form = bound(WorkerForm, {"worker_birth_date": "0001-01-01"}, app)
    assert "Enter a date from" in form.worker_birth_date.errors[0]
    tomorrow = (clock.today() + timedelta(days=1)).isoformat()  # the portal's, in Brussels
    form = bound(WorkerForm, {"worker_birth_date": tomorrow}, app)
    assert "Enter a date from" in form.worker_birth_date.errors[0]


# -- Belgian amounts ----------------------------------------------------------------------

EVERYWHERE = {
    "55000": "55000",
    "55.000": "55000",
    "55 000": "55000",
    "55\u00a0000": "55000",
    "55\u202f000": "55000",
    "55.000,50": "55000.50",
    "55000,50": "55000.50",
    "55000,5": "55000.50",
    "1.234.567,89": "1234567.89",
    "€ 55.000": "55000",
    "55.000 EUR": "55000",
    "0": "0",
}
ENGLISH_ONLY = {"55,000": "55000", "55,000.50": "55000.50", "55000.50": "55000.50"}
NEVER = ["55,5,5", "1.234.5", "1.234,567.00", "55.000.50", "5 5000", "1e5", "Infinity", "NaN",
         "sNaN", "1e999", "∞", "€ ∞", "١٢٣", "55,0000", "55000,123", "", "abc", "9" * 10,
         "55.000,00,00", ".5", "55..000"]  # fmt: skip


@pytest.mark.parametrize("locale", ["nl", "fr", "de", "en"])
def test_amounts_every_language_reads(locale):
    for typed, amount in EVERYWHERE.items():
        assert parse_amount(typed, locale) == Decimal(amount), typed


def test_english_also_reads_the_comma_as_a_thousands_separator():
    for typed, amount in ENGLISH_ONLY.items():
        assert parse_amount(typed, "en") == Decimal(amount)
        for locale in ("nl", "fr", "de"):
            with pytest.raises(AmountError):
                parse_amount(typed, locale)


@pytest.mark.parametrize("locale", ["nl", "fr", "de", "en"])
def test_ambiguous_amounts_are_refused_with_how_to_write_them(locale):
    for typed in NEVER:
        with pytest.raises(AmountError) as caught:
            parse_amount(typed, locale)
        assert "55" in str(caught.value), typed
    with pytest.raises(AmountError) as caught:
        parse_amount("55.00", "nl")
    assert "55.000 or 55.000,50" in str(caught.value)


amounts = st.decimals(
    min_value=0, max_value=Decimal("99999999.99"), places=2, allow_nan=False, allow_infinity=False
)


@settings(max_examples=300, deadline=None)
@given(amount=amounts, locale=st.sampled_from(["nl", "fr", "de", "en", "nl_BE", "fr_BE"]))
def test_an_amount_formatted_in_any_language_reads_back_as_itself(amount, locale):
    language = locale.split("_")[0]
    with_cents = format_decimal(amount, format="#,##0.00", locale=locale)
    assert parse_amount(with_cents, language) == amount
    assert parse_amount(format_currency(amount, "EUR", locale=locale), language) == amount
    whole = amount.to_integral_value()
    assert parse_amount(format_decimal(whole, locale=locale), language) == whole


# -- the wizard's salary ------------------------------------------------------------------


@pytest.fixture
def employer(client):
    make_user("hr@acme.example", Role.EMPLOYER)
    login(client, "hr@acme.example")


def test_a_dutch_thousands_point_is_saved_as_thousands_not_cents(client, employer):
    dossier = start(client)
    fill(client, dossier)
    response = client.post(
        f"/applications/{dossier.id}/job?lang=nl", data=job(annual_salary="55.000")
    )
    assert response.status_code == 302
    db.session.refresh(dossier)
    assert dossier.annual_salary == Decimal("55000")
    page = client.get(f"/applications/{dossier.id}/job?lang=nl").get_data(as_text=True)
    assert 'value="55.000"' in page


@pytest.mark.parametrize(
    "salary", ["Infinity", "-Infinity", "1e999", "sNaN", "NaN", "€ ∞", "100000000", "1e8"]
)
def test_non_finite_or_huge_salaries_are_refused(client, employer, salary):
    dossier = start(client)
    response = client.post(
        f"/applications/{dossier.id}/job?lang=en", data=job(annual_salary=salary)
    )
    assert response.status_code == 200
    assert field_error(check_page(response.get_data(as_text=True)), "annual_salary")
    db.session.refresh(dossier)
    assert dossier.annual_salary is None
    assert client.get(f"/applications/{dossier.id}/job").status_code == 200


def test_the_amount_is_read_back_next_to_the_field(client, employer):
    dossier = start(client)
    response = client.post(
        f"/applications/{dossier.id}/job?lang=en",
        data=job(annual_salary="55.000,50", workplace_postal_code="0000"),
    )
    soup = check_page(response.get_data(as_text=True))
    readback = soup.find(id="annual_salary-readback").get_text(" ", strip=True)
    assert readback == "We read: €55,000.50 per year."
    assert "annual_salary-readback" in soup.find(id="annual_salary")["aria-describedby"]
    response = client.post(
        f"/applications/{dossier.id}/job?lang=nl",
        data=job(annual_salary="55.000", workplace_postal_code="0000"),
    )
    soup = check_page(response.get_data(as_text=True))
    assert "€\u00a055.000,00 per jaar" in soup.find(id="annual_salary-readback").get_text()


def test_a_saved_salary_below_the_threshold_is_warned_about_on_the_job_page(client, employer):
    dossier = start(client)
    dossier.category = "highly_qualified"
    dossier.annual_salary = Decimal("30000")
    dossier.start_date = date(2025, 6, 1)
    db.session.flush()
    soup = check_page(client.get(f"/applications/{dossier.id}/job?lang=en").get_data(as_text=True))
    warning = soup.find(id="annual_salary-warning").get_text(" ", strip=True)
    assert "below the threshold" in warning and "2025" in warning
    assert soup.find(id="annual_salary-readback") is None  # nothing typed yet


# -- the known crashers -------------------------------------------------------------------


def test_nul_bytes_in_the_anonymous_helpdesk_form_are_refused(client):
    before = db.session.scalar(select(db.func.count(Ticket.id)))
    response = client.post(
        "/helpdesk/new?lang=en",
        data={
            "name": "Jan\x00",
            "email": "jan@example.be",
            "tried": "submit\x00",
            "error_text": "500",
        },
    )
    assert response.status_code == 200
    soup = check_page(response.get_data(as_text=True))
    assert field_error(soup, "name") and field_error(soup, "tried")
    assert db.session.scalar(select(db.func.count(Ticket.id))) == before


def test_a_follow_up_expiring_in_year_one_is_refused(client, employer):
    dossier = start(client)
    response = client.post(
        f"/applications/{dossier.id}/follow-up?lang=en",
        data={"kind": "renewal", "expires_on": "0001-01-01"},
    )
    assert response.status_code in (200, 302, 404)
    if response.status_code == 200:
        assert "Enter a date from" in field_error(
            check_page(response.get_data(as_text=True)), "expires_on"
        )


def test_the_follow_up_form_refuses_year_one(app):
    from portal.dossiers.wizard.forms import FollowUpForm

    form = bound(FollowUpForm, {"kind": "renewal", "expires_on": "0001-01-01"}, app)
    assert "Enter a date from" in form.expires_on.errors[0]


def test_an_arrival_in_the_year_9999_is_refused(app):
    from onboarding.forms import ProfileForm

    form = bound(ProfileForm, {"arrival_on": "9999-12-28", "preferred_locale": "en"}, app)
    assert "Enter a date from" in form.arrival_on.errors[0]


def test_the_back_office_reads_the_salary_with_the_same_field(client, tmp_path):
    from tests.fallback.test_pages import email_file

    dossier = email_file(make_user("agent@helpdesk.example", Role.HELPDESK), tmp_path)
    login(client, make_user("olivia@officer.example", Role.OFFICER).email)
    client.post(f"/backoffice/email-files/{dossier.id}/category", data={"category": "researcher"})
    response = client.post(
        f"/backoffice/email-files/{dossier.id}/job?lang=fr",
        data=job(annual_salary="55\u202f000,50", workplace_postal_code="0000"),
    )
    soup = check_page(response.get_data(as_text=True))
    assert "55\u202f000,50\u00a0€" in soup.find(id="annual_salary-readback").get_text()
    response = client.post(
        f"/backoffice/email-files/{dossier.id}/job?lang=fr", data=job(annual_salary="Infinity")
    )
    assert field_error(check_page(response.get_data(as_text=True)), "annual_salary")


def test_the_welcome_profile_refuses_an_arrival_in_the_year_9999(client):
    from tests.onboarding.support import granted_dossier, make_talent

    talent = make_talent(dossier=granted_dossier(make_user("hr@acme.example")))
    login(client, talent.email)
    response = client.post(
        "/welcome/profile?lang=en",
        data={"arrival_on": "9999-12-28", "preferred_locale": "en", "postal_code": "9000"},
    )
    assert "Enter a date from" in field_error(
        check_page(response.get_data(as_text=True)), "arrival_on"
    )
    assert client.get("/welcome?lang=en").status_code == 200
    assert client.get("/welcome/calendar.ics").status_code == 200
