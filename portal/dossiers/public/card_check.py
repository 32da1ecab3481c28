"""The professional-card exemption check: one question per page, the answers in the URL.

A walk over the questions in order: the first question without a valid answer is asked
(again, with a message, when its answer is not one of the choices); an answer that settles
the matter ends the walk with an outcome. Nothing is stored and no account is needed. The
exemption grounds come from the rules data (`card_rules.exemption_grounds()`), in its order.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from wtforms import RadioField
from wtforms.validators import AnyOf, InputRequired

from portal.dossiers import card_rules
from portal.forms import BaseForm, options
from portal.i18n import _l

YES, NO = "yes", "no"
FLANDERS = "flanders"

# Outcomes
EMPLOYEE = "employee"  # not self-employed: the single permit, not a card
EXEMPT = "exempt"  # needs no card: the residence document is the proof
OTHER_REGION = "other_region"  # another region grants the card
NEEDED = "needed"  # a card from Flanders: the conditions apply

SELF_EMPLOYED = "self_employed"
REGION = "region"

QUESTION_TEXTS = {
    SELF_EMPLOYED: _l(
        "Will you work in Belgium as self-employed: as a sole trader, a company director "
        "or a partner?"
    ),
    "eea_swiss": _l(
        "Are you a national of a country of the European Economic Area (the EU, Iceland, "
        "Liechtenstein, Norway) or of Switzerland?"
    ),
    "eea_family": _l(
        "Are you a family member of a national of the European Economic Area or "
        "Switzerland, and do you stay in Belgium as such?"
    ),
    "belgian_spouse": _l("Are you the spouse or registered partner of a Belgian?"),
    "unlimited_stay": _l("Do you have a right of unlimited stay or of settlement in Belgium?"),
    "recognised_refugee": _l("Are you recognised as a refugee in Belgium?"),
    "temporary_protection": _l(
        "Do you have temporary protection in Belgium (for example as a person displaced "
        "from Ukraine)?"
    ),
    "assisting_spouse": _l(
        "Will you only help your spouse or partner in their own self-employed activity, "
        "as an assisting spouse?"
    ),
    "short_stay": _l("Will you stay in Belgium for less than 3 months?"),
    REGION: _l("Where will you establish your activity?"),
}

QUESTION_HINTS = {
    SELF_EMPLOYED: _l("An employee needs no professional card: the employer applies for a permit."),
    "unlimited_stay": _l(
        "For example a residence card for unlimited stay, or a long-term resident's card."
    ),
    REGION: _l("The place of establishment of the company, or where you work as a sole trader."),
}

REGION_TITLES = {
    FLANDERS: _l("In the Flemish Region"),
    "brussels": _l("In the Brussels-Capital Region"),
    "wallonia": _l("In the Walloon Region (outside the German-speaking area)"),
    "german_speaking": _l("In the German-speaking area (Eupen, Sankt Vith and surroundings)"),
}

YES_NO = ((YES, _l("Yes")), (NO, _l("No")))


@dataclass(frozen=True)
class Question:
    name: str
    choices: tuple[tuple[str, object], ...]
    ends: Mapping[str, tuple[str, str | None]]  # answer -> (outcome kind, ground or region)

    @property
    def text(self) -> str:
        return str(QUESTION_TEXTS[self.name])

    @property
    def hint(self) -> str:
        return str(QUESTION_HINTS.get(self.name, ""))

    def label(self, answer: str) -> str:
        return str(dict(self.choices)[answer])


def questions() -> tuple[Question, ...]:
    """The questions in the order they are asked."""
    result = [Question(SELF_EMPLOYED, YES_NO, {NO: (EMPLOYEE, None)})]
    for ground in card_rules.exemption_grounds():
        result.append(Question(ground, YES_NO, {YES: (EXEMPT, ground)}))
    regions = tuple((code, REGION_TITLES[code]) for code in (FLANDERS, *card_rules.REGIONS))
    ends = {code: (OTHER_REGION, code) for code in card_rules.REGIONS}
    result.append(Question(REGION, regions, ends))
    return tuple(result)


def question_names() -> tuple[str, ...]:
    return tuple(question.name for question in questions())


@dataclass(frozen=True)
class Step:
    """A question to ask, with the answers before it (already valid) and its number."""

    question: Question
    answers: dict[str, str]
    number: int
    total: int
    invalid: bool = False  # the query string held an answer that is not a choice


@dataclass(frozen=True)
class Outcome:
    kind: str
    answers: dict[str, str]
    ground: str | None = None
    region: card_rules.Region | None = None
    confirmed: bool = True  # False: an exemption the sources state only loosely
    asked: tuple[Question, ...] = field(default=())


ASKED = "asked"  # the form names its question: sent without a choice, it is asked again


def walk(args: Mapping[str, str]) -> Step | Outcome:
    """The next question, or the outcome, for the answers in `args` (a query string).

    Unknown parameters are ignored; an answer that is not one of the choices, or a form
    sent without a choice, asks that question again with a message."""
    all_questions = questions()
    answers: dict[str, str] = {}
    asked: list[Question] = []
    for number, question in enumerate(all_questions, start=1):
        answer = args.get(question.name)
        if answer not in dict(question.choices):
            invalid = answer is not None or args.get(ASKED) == question.name
            return Step(question, answers, number, len(all_questions), invalid=invalid)
        answers[question.name] = answer
        asked.append(question)
        if answer in question.ends:
            kind, code = question.ends[answer]
            if kind == EXEMPT:
                confirmed = card_rules.exemption_confirmed(code)
                return Outcome(kind, answers, ground=code, confirmed=confirmed, asked=tuple(asked))
            if kind == OTHER_REGION:
                return Outcome(kind, answers, region=card_rules.region(code), asked=tuple(asked))
            return Outcome(kind, answers, asked=tuple(asked))
    return Outcome(NEEDED, answers, asked=tuple(asked))


def question_form(step: Step, formdata=None) -> BaseForm:
    """A one-field form for the step's question, so the error summary can name it."""

    class QuestionForm(BaseForm):
        class Meta:
            csrf = False  # a GET form: nothing is stored or changed

    question = step.question
    setattr(
        QuestionForm,
        question.name,
        RadioField(
            question.text,
            [
                InputRequired(message=_l("Choose one of the answers.")),
                AnyOf(
                    [value for value, _label in question.choices],
                    message=_l("Choose one of the answers."),
                ),
            ],
            choices=options(question.choices),
            validate_choice=False,  # AnyOf says it in the portal's own words
            description=question.hint or None,
        ),
    )
    form = QuestionForm(formdata=formdata)
    if formdata is not None:
        form.validate()
    return form
