"""The personal welcome checklist, derived by rules from the profile and the permit.

Each rule says where it comes from (`source`, mostly `../shared/DOMAIN.md`, "After approval:
the orange carpet") and turns the facts into zero or more items. An item knows why it
matters, how to do it, by when and which partner can help; its texts are translated when
they are read, so the same item serves the page, the reminder e-mail and the calendar.

Interpretations, stated once:
- Ages are counted on the day of arrival, or today when that is later (or unknown).
- Under 3: childcare. From 3 up to (not including) 18: school pre-registration, since
  education is compulsory until 18. OKAN (reception class) is suggested from 12 up to 18.
- "Abroad" (the "before you travel" part): the application says the worker lives outside
  Belgium, and the profile gives no arrival date or one still to come. An arrival date that
  has passed, or a file of a worker who lives in Belgium, means already here.
- "Within 8 working days of arrival": the 8th working day after the arrival day, skipping
  weekends and Belgian public holidays (`portal.dossiers.lifecycle.deadlines.add_working_days`).
- An entrepreneur (a granted professional card, `Facts.entrepreneur`) gets the same steps,
  told without an employer or a single permit (`texts.ENTREPRENEUR_OVERRIDES`), and two of
  their own after the residence card (`ENTREPRENEUR_RULES`): registration in the KBO and
  joining a social insurance fund, both through an accredited business counter. There is
  no employer, so there is no employer view either (`invitations.employer_view`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date

from onboarding.texts import CARD_WHY, ENTREPRENEUR_OVERRIDES, ENTREPRENEUR_TEXTS, TEXTS
from portal.accounts.models import PartnerKind
from portal.dossiers.lifecycle.deadlines import add_working_days
from portal.i18n import _, format_date

REGISTRATION_WORKING_DAYS = 8
CHILDCARE_BELOW = 3
SCHOOL_FROM, SCHOOL_BELOW = 3, 18
OKAN_FROM, OKAN_BELOW = 12, 18
H_CARD_CATEGORIES = frozenset({"eu_blue_card"})
# Steps about the family: private to the talent, never shown to the employer.
FAMILY_RULES = frozenset({"family_registration", "school", "childcare"})


@dataclass(frozen=True)
class Facts:
    """What the rules look at: plain values, so the rules are easy to test."""

    today: date
    arrival_on: date | None = None
    category: str | None = None
    children: tuple[tuple[int, date], ...] = ()  # (child id, birth date)
    has_partner: bool | None = None
    in_flanders: bool | None = None  # None: no address yet
    abroad: bool = False  # still to travel to Belgium: the "before you travel" part applies
    diplomatic_post: str | None = None  # the Belgian post named in the application
    entrepreneur: bool = False  # a professional card, not a single permit: no employer

    @property
    def age_day(self) -> date:
        """The day ages are counted on: arrival, or today once that is later."""
        return max(self.today, self.arrival_on) if self.arrival_on else self.today


def age_on(birth_date: date, day: date) -> int:
    """Age in full years on `day` (a child born on 29 February turns a year older on 1 March)."""
    return day.year - birth_date.year - ((day.month, day.day) < (birth_date.month, birth_date.day))


@dataclass(frozen=True)
class Item:
    """One step of the checklist. `rule` names its rule; `code` is unique per talent."""

    code: str
    rule: str
    due_on: date | None = None
    optional: bool = False
    before_travel: bool = False  # part "Before you travel", shown while the worker is abroad
    refer_to: PartnerKind | None = None  # a referral to this kind of partner is possible
    params: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def texts(self) -> dict:
        texts = TEXTS.get(self.rule) or ENTREPRENEUR_TEXTS[self.rule]
        if self.params.get("entrepreneur") and self.rule in ENTREPRENEUR_OVERRIDES:
            return {**texts, **ENTREPRENEUR_OVERRIDES[self.rule]}
        return texts

    @property
    def title(self) -> str:
        values = {key: value for key, value in self.params.items() if key == "card"}
        if "birth_date" in self.params:
            values["date"] = format_date(self.params["birth_date"], "long")
        return str(self.texts["title"]) % values

    @property
    def short_title(self) -> str:
        """The step without its details (no birth dates): what an employer may see."""
        return str(self.texts["short"])

    @property
    def why(self) -> str:
        if self.rule == "residence_card" and not self.params.get("entrepreneur"):
            return str(CARD_WHY[self.params["card"]])
        return str(self.texts["why"])

    @property
    def how(self) -> str:
        return str(self.texts["how"])

    @property
    def when(self) -> str:
        """The deadline in words, when there is no date (yet)."""
        return str(self.texts["when"])

    @property
    def helper(self) -> str:
        return str(self.texts["helper"])

    @property
    def note(self) -> str | None:
        if self.params.get("post"):
            return _("The application named this post: %(post)s.", post=self.params["post"])
        if self.params.get("okan"):
            return _(
                "Your child is between 12 and 18: a reception class for newcomers who do not yet speak Dutch (OKAN) in secondary school can help in the first year."
            )
        return None


@dataclass(frozen=True)
class Rule:
    code: str
    source: str
    flemish: bool  # a service of the Flemish Community: not for addresses in other regions
    items: Callable[[Facts], list[Item]]


def _registration_due(facts: Facts) -> date | None:
    """None without an arrival date, and for one so far ahead the calendar ends first."""
    if facts.arrival_on is None:
        return None
    try:
        return add_working_days(facts.arrival_on, REGISTRATION_WORKING_DAYS)
    except OverflowError:  # an arrival in the last days of year 9999
        return None


def _municipal_registration(facts: Facts) -> list[Item]:
    return [
        Item(
            "municipal_registration",
            "municipal_registration",
            due_on=_registration_due(facts),
            refer_to=PartnerKind.MUNICIPALITY,
        )
    ]


def _family_registration(facts: Facts) -> list[Item]:
    if not (facts.has_partner or facts.children):
        return []
    return [Item("family_registration", "family_registration", due_on=_registration_due(facts))]


def _residence_card(facts: Facts) -> list[Item]:
    card = "H" if facts.category in H_CARD_CATEGORIES else "A"
    return [Item("residence_card", "residence_card", params={"card": card})]


def _health_insurance(facts: Facts) -> list[Item]:
    return [Item("health_insurance", "health_insurance")]


def _school(facts: Facts) -> list[Item]:
    items = []
    for child_id, birth_date in facts.children:
        age = age_on(birth_date, facts.age_day)
        if SCHOOL_FROM <= age < SCHOOL_BELOW:
            okan = OKAN_FROM <= age < OKAN_BELOW
            params = {"birth_date": birth_date, "okan": okan}
            items.append(
                Item(f"school-{child_id}", "school", refer_to=PartnerKind.SCHOOL, params=params)
            )
    return items


def _childcare(facts: Facts) -> list[Item]:
    return [
        Item(
            f"childcare-{child_id}",
            "childcare",
            refer_to=PartnerKind.CHILDCARE,
            params={"birth_date": birth_date},
        )
        for child_id, birth_date in facts.children
        if 0 <= age_on(birth_date, facts.age_day) < CHILDCARE_BELOW
    ]


def _before_travel(code: str) -> Callable[[Facts], list[Item]]:
    def items(facts: Facts) -> list[Item]:
        if not facts.abroad:
            return []
        params = (
            {"post": facts.diplomatic_post} if code == "d_visa" and facts.diplomatic_post else {}
        )
        return [Item(code, code, due_on=None, before_travel=True, params=params)]

    return items


def _single(code: str, optional: bool = False) -> Callable[[Facts], list[Item]]:
    return lambda _facts: [Item(code, code, optional=optional)]


AFTER_APPROVAL = "../shared/DOMAIN.md, After approval: the orange carpet"
BEFORE_TRAVEL = "issue #12, a welcome that starts before the flight"
RULES: tuple[Rule, ...] = (
    Rule(
        "d_visa",
        f"{BEFORE_TRAVEL} (D visa at the Belgian post; the application names the post for a worker who lives abroad)",
        False,
        _before_travel("d_visa"),
    ),
    Rule(
        "travel_documents",
        f"{BEFORE_TRAVEL} (travel documents)",
        False,
        _before_travel("travel_documents"),
    ),
    Rule(
        "municipality_documents",
        f"{BEFORE_TRAVEL} (what to bring to the municipality; {AFTER_APPROVAL}, municipal registration)",
        False,
        _before_travel("municipality_documents"),
    ),
    Rule(
        "municipal_registration",
        f"{AFTER_APPROVAL} (municipal registration: within 8 working days of arrival)",
        False,
        _municipal_registration,
    ),
    Rule(
        "family_registration",
        f"{AFTER_APPROVAL} (municipal registration applies to every household member)",
        False,
        _family_registration,
    ),
    Rule(
        "residence_card",
        f"{AFTER_APPROVAL} (electronic residence card: A card; H card for EU Blue Card)",
        False,
        _residence_card,
    ),
    Rule("health_insurance", f"{AFTER_APPROVAL} (health insurance)", False, _health_insurance),
    Rule(
        "school", f"{AFTER_APPROVAL} (school: pre-registration; OKAN for ages 12-18)", True, _school
    ),
    Rule("childcare", f"{AFTER_APPROVAL} (childcare under 3)", True, _childcare),
    Rule(
        "civic_integration",
        f"{AFTER_APPROVAL} (civic integration: voluntary for labour migrants)",
        True,
        _single("civic_integration", optional=True),
    ),
    Rule(
        "dutch_lessons",
        f"{AFTER_APPROVAL} (Dutch lessons: Huis van het Nederlands)",
        True,
        _single("dutch_lessons"),
    ),
    Rule("bank_account", "issue #6, practical items", False, _single("bank_account")),
    Rule("family_doctor", "issue #6, practical items", False, _single("family_doctor")),
)


ON_GRANTED_CARD = "../shared/DOMAIN.md, The professional card (after a grant from abroad: registration in the KBO and with a social insurance fund via a business counter)"
# The entrepreneur's own steps, after the residence card (a business counter does both).
ENTREPRENEUR_AFTER = "residence_card"
ENTREPRENEUR_RULES: tuple[Rule, ...] = (
    Rule("kbo_registration", ON_GRANTED_CARD, False, _single("kbo_registration")),
    Rule("social_insurance_fund", ON_GRANTED_CARD, False, _single("social_insurance_fund")),
)


def checklist(facts: Facts) -> list[Item]:
    """Every item for these facts, in the order they are best done."""
    items: list[Item] = []
    for rule in RULES:
        if rule.flemish and facts.in_flanders is False:
            continue  # another region's services apply; the page says which
        items.extend(rule.items(facts))
        if facts.entrepreneur and rule.code == ENTREPRENEUR_AFTER:
            for own in ENTREPRENEUR_RULES:
                items.extend(own.items(facts))
    if facts.entrepreneur:
        items = [replace(item, params={**item.params, "entrepreneur": True}) for item in items]
    return items
