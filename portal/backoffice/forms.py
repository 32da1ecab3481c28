"""Officer forms: the queue's filters (a GET form) and the actions on a file."""

from __future__ import annotations

import unicodedata
from datetime import date

from wtforms import (
    DateField,
    HiddenField,
    IntegerField,
    RadioField,
    SearchField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import InputRequired, Length, NumberRange, Optional

from portal.dossiers import card_rules, rules
from portal.dossiers.lifecycle import reasons as grounds
from portal.dossiers.models import FederalDecision, FlemishDecision, Permit
from portal.forms import BaseForm, options, required
from portal.i18n import _l
from portal.validation import DateWindow, days_from_today

CHANNEL_TITLES = {"online": _l("Online"), "email": _l("By e-mail")}


def _controls_as_spaces(value):
    """A search box takes pasted text as it comes: invisible control and direction
    characters separate words (portal.textsearch), rather than refusing the search."""
    if not isinstance(value, str):
        return value
    return "".join(" " if unicodedata.category(char)[0] == "C" else char for char in value)


class QueueFilterForm(BaseForm):
    """Filters read from the query string, so the queue works without JavaScript."""

    class Meta:
        csrf = False

    q = SearchField(
        _l("Search"),
        [Length(max=200, message=_l("Search with at most 200 characters."))],
        description=_l(
            "A reference, the worker's first or last name, the employer's name or KBO number."
        ),
        filters=[_controls_as_spaces],
        render_kw={"spellcheck": "false", "autocomplete": "off"},
    )
    state = SelectField(
        _l("Files"),
        choices=options(
            [
                ("open", _l("Waiting for a decision")),
                ("forwarded", _l("Recently forwarded to the Immigration Office")),
            ]
        ),
        default="open",
    )
    kind = SelectField(
        _l("Kind"),
        choices=options([("", _l("All kinds")), *Permit.choices()]),
        default="",
    )
    category = SelectField(_l("Category"), choices=[], default="")
    channel = SelectField(
        _l("Channel"),
        choices=options([("", _l("All channels")), *CHANNEL_TITLES.items()]),
        default="",
    )
    older_than = IntegerField(
        _l("Submitted more than this many days ago"),
        [
            Optional(),
            NumberRange(min=0, max=3650, message=_l("Give a number of days from 0 to 3650.")),
        ],
        render_kw={"inputmode": "numeric", "class": "input-short"},
    )
    owner = SelectField(
        _l("Assigned to"),
        choices=options(
            [
                ("all", _l("All files")),
                ("mine", _l("Files I took")),
                ("unassigned", _l("Files nobody took")),
            ]
        ),
        default="all",
    )
    sort = SelectField(
        _l("Sort by"),
        choices=options(
            [
                ("deadline", _l("Legal deadline, soonest first")),
                ("submitted", _l("Submission date, oldest first")),
                ("newest", _l("Submission date, newest first")),
            ]
        ),
        default="deadline",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = options(
            [("", _l("All categories"))]
            + [(code, spec.title) for code, spec in rules.categories().items()]
            + [(code, title) for code, title in card_rules.category_choices()]
        )

    @staticmethod
    def category_codes() -> tuple[str, ...]:
        """The values the category filter offers ("" first), without building the form."""
        return ("", *rules.category_codes(), *card_rules.category_codes())

    def values(self) -> dict:
        """The filters to apply: a field with an error falls back to its default."""
        result = {}
        for name in ("q", "state", "kind", "category", "channel", "older_than", "owner", "sort"):
            field = self[name]
            result[name] = field.default if field.errors else field.data
        return result


class InfoRequestForm(BaseForm):
    question = TextAreaField(
        _l("Which information or documents do you need?"),
        [
            InputRequired(message=_l("Say which information or documents you need.")),
            Length(max=5000),
        ],
        description=_l("The applicant reads this question and answers it online."),
    )
    due_on = DateField(
        _l("Answer by"),
        [required(), DateWindow(latest=days_from_today(366))],
        description=_l("The legal clock stops until the applicant answers."),
    )


class FlemishDecisionForm(BaseForm):
    outcome = RadioField(
        _l("Decision"),
        [InputRequired(message=_l("Choose a decision."))],
        choices=options(FlemishDecision.choices()),
    )
    reason_codes = SelectMultipleField(
        _l("Grounds"),
        choices=options(grounds.DECISION.items()),
        validate_choice=False,  # the service refuses unknown codes with a clear message
        description=_l(
            "Required for an inadmissible or refused file. Choose every ground that applies."
        ),
    )
    reasons = TextAreaField(
        _l("Explanation"),
        [Optional(), Length(max=10000)],
        description=_l(
            "In your own words, for the applicant (required for “another reason”). The applicant reads it in the decision letter."
        ),
    )
    # Set by the confirmation page: the officer saw the consequence and confirmed.
    confirmed = HiddenField()


# The choices of a card's decision: the stored outcomes, in the card's own words.
CARD_OUTCOMES = {
    FlemishDecision.AUTHORISED: _l("Grant the professional card"),
    FlemishDecision.INADMISSIBLE: _l("Inadmissible"),
    FlemishDecision.REFUSED: _l("Refuse the professional card"),
}
# A validity date an officer can type: a generous window, refined by the service.
CARD_DATE_WINDOW = DateWindow(date(2000, 1, 1), date(2099, 12, 31))


class CardDecisionForm(FlemishDecisionForm):
    """The decision on a professional card: the same outcomes and grounds of the card's
    own vocabulary, and for a grant the validity the officer sets (`handling.check_validity`
    holds the rules: 1–3 years, never beyond the right of residence)."""

    outcome = RadioField(
        _l("Decision"),
        [InputRequired(message=_l("Choose a decision."))],
        choices=options(CARD_OUTCOMES.items()),
    )
    reason_codes = SelectMultipleField(
        _l("Grounds"),
        choices=options(grounds.CARD_DECISION.items()),
        validate_choice=False,
        description=_l(
            "Required for an inadmissible or refused application. Choose every ground that applies."
        ),
    )
    valid_from = DateField(
        _l("Card valid from"),
        [Optional(), CARD_DATE_WINDOW],
        description=_l("For a grant: the first day the card is valid."),
    )
    valid_until = DateField(
        _l("Card valid until"),
        [Optional(), CARD_DATE_WINDOW],
        description=_l(
            "For a grant: the last day. One to three years, never beyond the right of residence."
        ),
    )


class ResidenceForm(BaseForm):
    decision = RadioField(
        _l("Decision of the Immigration Office on residence"),
        [InputRequired(message=_l("Choose a decision."))],
        choices=options(FederalDecision.choices()),
    )


class HoldForm(BaseForm):
    reason = TextAreaField(
        _l("Why is the file kept?"),
        [
            InputRequired(message=_l("Say why the file is kept, for example the appeal.")),
            Length(max=1000),
        ],
        description=_l(
            "For example: appeal at the Council for Alien Law Litigation, with its number. "
            "While the hold lasts, the file is not anonymised or deleted."
        ),
    )
