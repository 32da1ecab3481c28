"""Forms of the welcome space, the partner inbox and the partner administration."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from onboarding.models import PARTNER_KIND_TITLES, MessageKind
from portal.forms import BaseForm, options, required
from portal.i18n import LANGUAGES, _l
from portal.validation import DateWindow, days_from_today

DATE_HINT = _l("For example 15 3 2026.")


class ProfileForm(BaseForm):
    arrival_on = DateField(
        _l("Expected arrival date in Belgium"),
        # Somebody who arrived years ago has no welcome deadlines left; nobody plans further
        # ahead than a permit's validity.
        [Optional(), DateWindow(days_from_today(-5 * 366), days_from_today(3 * 366))],
        description=_l(
            "Why we ask: your deadline to register at the municipality counts from this day. For example 15 3 2026."
        ),
    )
    street = StringField(
        _l("Street and number"),
        [Optional(), Length(max=200)],
        description=_l(
            "Why we ask: the municipality registers you at this address. It is only shared with your consent."
        ),
        render_kw={"autocomplete": "street-address"},
    )
    postal_code = StringField(
        _l("Postal code"),
        [Optional(), Length(max=4)],
        description=_l(
            "Why we ask: the postal code tells us your municipality and which local services can help you."
        ),
        render_kw={"autocomplete": "postal-code", "inputmode": "numeric", "maxlength": 4},
    )
    has_partner = RadioField(
        _l("Does a partner come with you?"),
        choices=options([("yes", _l("Yes")), ("no", _l("No"))]),
        validate_choice=False,
        description=_l(
            "Why we ask: your partner registers at the municipality too. You may leave this empty."
        ),
    )
    preferred_locale = SelectField(
        _l("Preferred language"),
        choices=options(LANGUAGES.items()),
        description=_l(
            "Why we ask: we write to you, and tell the services you are referred to, in this language."
        ),
    )


class ChildForm(BaseForm):
    birth_date = DateField(
        _l("Date of birth of the child"),
        # A child coming along is under 25, or not yet born.
        [required(), DateWindow(days_from_today(-25 * 366), days_from_today(366))],
        description=_l(
            "Why we ask: the age decides whether school or childcare applies. For example 15 3 2026."
        ),
    )


class DoneForm(BaseForm):
    done = HiddenField(default="1")


class ConsentForm(BaseForm):
    consent = BooleanField(_l("I agree that exactly these data are sent to this service"))


class WithdrawForm(BaseForm):
    choice = RadioField(
        _l("What should happen to your welcome data?"),
        [InputRequired(message=_l("Choose what should happen to your welcome data."))],
        choices=options(
            [
                (
                    "stop",
                    _l(
                        "Stop all referrals. Keep my checklist for now: it is erased at the end of the welcome period."
                    ),
                ),
                (
                    "erase",
                    _l(
                        "Stop all referrals and erase my profile, my children's dates of birth and my answers now."
                    ),
                ),
            ]
        ),
        validate_choice=False,
    )


ANSWER_LABELS = {
    MessageKind.ACKNOWLEDGEMENT: _l("Confirm that you received the referral"),
    MessageKind.APPOINTMENT: _l("Propose an appointment"),
    MessageKind.NEXT_STEP: _l("Explain the next step"),
    MessageKind.MESSAGE: _l("Send a message"),
    MessageKind.CLOSED: _l("Close the referral"),
}


class PartnerAnswerForm(BaseForm):
    kind = RadioField(
        _l("What do you answer?"),
        [required()],
        choices=[],
        validate_choice=False,
    )
    appointment_on = DateField(
        _l("Date of the appointment"),
        [Optional(), DateWindow(days_from_today(-366), days_from_today(2 * 366))],
        description=DATE_HINT,
    )
    appointment_time = TimeField(
        _l("Time of the appointment"), [Optional()], description=_l("For example 09:30.")
    )
    place = StringField(_l("Place of the appointment"), [Optional(), Length(max=300)])
    body = TextAreaField(
        _l("Next step or message"),
        [Optional(), Length(max=4000)],
        description=_l("The newcomer reads this on their checklist and by e-mail."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = options(
            [(kind.value, str(ANSWER_LABELS[kind])) for kind in MessageKind]
        )


class PartnerForm(BaseForm):
    name = StringField(_l("Name of the service"), [required(), Length(max=200)])
    kind = SelectField(_l("Kind of service"), [required()], choices=[])
    refnis = StringField(
        _l("Municipality (REFNIS code)"),
        [required(), Length(max=5)],
        description=_l("The 5-digit code of Statbel, e.g. 44021 for Ghent."),
        render_kw={"inputmode": "numeric", "maxlength": 5},
    )
    email = EmailField(
        _l("E-mail address for referrals"),
        [
            required(),
            Email(message=_l("Enter an e-mail address like name@example.be.")),
            Length(max=254),
        ],
        description=_l("Receives a link for each referral, never personal data."),
    )
    webhook_url = StringField(
        _l("Webhook address"),
        [Optional(), Length(max=500)],
        description=_l(
            "Only for services with their own system: the data are sent there as signed JSON."
        ),
    )
    webhook_secret = PasswordField(
        _l("Webhook secret"),
        [Optional(), Length(max=200)],
        description=_l(
            "At least 16 characters, shared with the service to check the signature. Leave empty to keep the current secret."
        ),
        render_kw={"autocomplete": "off"},
    )
    locale = SelectField(
        _l("Language of the service's e-mails"),
        choices=options(LANGUAGES.items()),
        default="nl",
    )
    active = BooleanField(_l("Active: receives new referrals"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = options(
            [(kind.value, str(title)) for kind, title in PARTNER_KIND_TITLES.items()]
        )
