"""Forms of the helpdesk pages (public ticket, agents' desk, quarantine)."""

from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import BooleanField, IntegerField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.forms import BaseForm, email_field, options, required, validate_kbo
from portal.i18n import _l


class ReportForm(BaseForm):
    name = StringField(
        _l("Your name"), [required(), Length(max=200)], render_kw={"autocomplete": "name"}
    )
    email = email_field(_l("Your e-mail address"))
    organisation_name = StringField(
        _l("Organisation"),
        [Optional(), Length(max=200)],
        description=_l("The employer or mandatary you file for."),
        render_kw={"autocomplete": "organization"},
    )
    organisation_kbo = StringField(
        _l("Enterprise number"),
        [Optional(), validate_kbo],
        description=_l("10 digits, e.g. 0403.170.701."),
        render_kw={"inputmode": "numeric", "class": "input-medium"},
    )
    tried = TextAreaField(
        _l("What were you trying to do?"),
        [required(), Length(max=5000)],
        description=_l("For example: submit the application for a highly qualified worker."),
        render_kw={"rows": 5},
    )
    error_text = TextAreaField(
        _l("What went wrong?"),
        [required(), Length(max=5000)],
        description=_l("Copy the error message exactly, and say on which page it appeared."),
        render_kw={"rows": 5},
    )
    screenshot = FileField(
        _l("Screenshot"),
        description=_l("A PNG, JPEG or PDF file of at most 5 MB."),
    )


class MessageForm(BaseForm):
    body = TextAreaField(_l("Your message"), [required(), Length(max=10000)], render_kw={"rows": 6})


class ReplyForm(BaseForm):
    body = TextAreaField(
        _l("Answer to the requester"),
        [required(), Length(max=10000)],
        description=_l("The requester receives this answer by e-mail."),
        render_kw={"rows": 6},
    )


class NoteForm(BaseForm):
    body = TextAreaField(
        _l("Internal note"),
        [required(), Length(max=10000)],
        description=_l("Only agents see notes; nothing is sent."),
        render_kw={"rows": 4},
    )


class ResolveForm(BaseForm):
    body = TextAreaField(
        _l("Last message to the requester"),
        [Optional(), Length(max=10000)],
        render_kw={"rows": 3},
    )


class ProofForm(BaseForm):
    email = email_field(_l("E-mail address the application will come from"))
    kbo = StringField(
        _l("Enterprise number of the employer or mandatary"),
        [required(), validate_kbo],
        render_kw={"inputmode": "numeric", "class": "input-medium"},
    )
    foreign_registration = StringField(
        _l("Registration number of the foreign employer"),
        [Optional(), Length(max=60)],
        description=_l("Only for a mandatary that files for a foreign employer."),
    )
    days = IntegerField(
        _l("Valid for this many days"),
        [
            InputRequired(message=_l("This field is required.")),
            NumberRange(min=1, max=30, message=_l("Choose from 1 to 30 days.")),
        ],
        render_kw={"inputmode": "numeric", "class": "input-short"},
    )
    confirm = BooleanField(
        _l("I confirm that the technical problem cannot be solved in time for this application."),
        [InputRequired(message=_l("Confirm that the problem cannot be solved in time."))],
    )
    identity_confirmed = BooleanField(
        _l(
            "Only when the enterprise number is not registered: I checked who the requester is and that they act for this enterprise."
        ),
        description=_l("Written in the audit trail with your name."),
    )


class ReviewForm(BaseForm):
    decision = RadioField(
        _l("What should happen with this message?"),
        [InputRequired(message=_l("Choose what should happen with this message."))],
        choices=options(
            [
                ("convert", _l("Turn it into a file for the officers")),
                ("dismiss", _l("Leave it: no file")),
            ]
        ),
    )
    reason = TextAreaField(
        _l("Reason"),
        [required(), Length(max=2000)],
        description=_l("Written in the audit trail."),
        render_kw={"rows": 3},
    )
    kbo = StringField(
        _l("Enterprise number of the employer or mandatary"),
        [Optional(), validate_kbo],
        description=_l("Needed when the message has no proof."),
        render_kw={"inputmode": "numeric", "class": "input-medium"},
    )
    foreign_registration = StringField(
        _l("Registration number of the foreign employer"),
        [Optional(), Length(max=60)],
        description=_l("Only for a mandatary that files for a foreign employer."),
    )


class DeskFilterForm(BaseForm):
    class Meta:
        csrf = False

    state = SelectField(_l("Show"), choices=[], default="open")
