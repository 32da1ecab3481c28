"""Forms of enterprise claims: the claimant's proof, a contest, and staff decisions."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from portal.accounts.models import PROOF_KIND_TITLES
from portal.forms import BaseForm, email_field, options, required, validate_kbo
from portal.i18n import _l

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class ProofForm(BaseForm):
    kind = RadioField(
        _l("What do you upload?"),
        choices=options([(kind.value, title) for kind, title in PROOF_KIND_TITLES.items()]),
        validators=[required()],
    )
    file = FileField(
        _l("The proof (PDF, JPEG or PNG)"),
        [FileRequired(message=_l("Choose the file of your proof."))],
        render_kw={"accept": ACCEPT},
    )


class ContestForm(BaseForm):
    kbo_number = StringField(
        _l("Enterprise number (KBO/BCE) that was registered"),
        [required(), validate_kbo],
        description=_l("10 digits, e.g. 0403.170.701."),
        render_kw={"inputmode": "numeric"},
    )
    company_name = StringField(
        _l("Name of your organisation"),
        [required(), Length(max=200)],
        render_kw={"autocomplete": "organization"},
    )
    contact_name = StringField(
        _l("Your name"), [required(), Length(max=200)], render_kw={"autocomplete": "name"}
    )
    email = email_field()
    phone = StringField(
        _l("Telephone number"),
        [required(), Length(max=40)],
        render_kw={"autocomplete": "tel", "inputmode": "tel"},
    )
    message = TextAreaField(
        _l("Why do you contest this registration?"),
        [required(), Length(max=4000)],
        description=_l(
            "Say who you are in the organisation and what you know of the registration."
        ),
    )
    file = FileField(
        _l("Proof that you act for the organisation (PDF, JPEG or PNG)"),
        [FileRequired(message=_l("Choose the file of your proof."))],
        description=_l("A KBO extract naming you as a director, or a power of attorney."),
        render_kw={"accept": ACCEPT},
    )


class ClaimDecisionForm(BaseForm):
    decision = RadioField(
        _l("Decision"),
        choices=options(
            [
                ("approve", _l("Approve: the proof matches the KBO data")),
                ("reject", _l("Reject the claim and free the enterprise number")),
            ]
        ),
        validators=[required()],
    )
    reason = TextAreaField(
        _l("Reason for a rejection"),
        [Optional(), Length(max=2000)],
        description=_l("The claimant reads this reason."),
    )


class ContestDecisionForm(BaseForm):
    decision = RadioField(
        _l("Decision"),
        choices=options(
            [
                ("uphold", _l("Uphold: revoke the claim and free the enterprise number")),
                ("dismiss", _l("Dismiss the contest")),
            ]
        ),
        validators=[required()],
    )
    reason = TextAreaField(
        _l("Reason"),
        [required(), Length(max=2000)],
        description=_l("The person who contested and, if you revoke it, the claimant read this."),
    )
