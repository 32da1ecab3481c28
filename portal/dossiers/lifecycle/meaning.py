"""What each status means: the one table, beside the transitions (`ALLOWED`).

For every `DossierStatus` one row says whether Flanders is deciding, whether the legal
clock stands still, whether the procedure has ended, whether the applicant can withdraw
the file, where the file is on the applicant's timeline, which decision the status
records, and what the applicant reads about now, next and whom to contact. The queue,
the e-mail completion, the timeline, the letters, the import, the templates (through the
`meaning` template global) and the OpenAPI document read it instead of working it out.

Adding a status: a member of `DossierStatus`, a row in `TABLE`, its transitions in
`ALLOWED`, and the handling function and back-office action that move a file into it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from portal.dossiers.models import Dossier, DossierStatus, FederalDecision, FlemishDecision
from portal.i18n import _l

S = DossierStatus

# The official steps after submission, in order, as the applicant's timeline lists them.
# An information request is a step of its own between "submitted" and "flemish";
# a withdrawal ends the timeline with the step "withdrawn".
PROGRESS = ("flemish", "forwarded", "residence", "final")

STEP_TITLES = {
    "submitted": _l("Application submitted"),
    "info_requested": _l("Additional information requested"),
    "flemish": _l("Admissibility and work authorisation (Flanders decides both together)"),
    "forwarded": _l("Forwarded to the Immigration Office (DVZ)"),
    "residence": _l("Decision on residence (Immigration Office)"),
    "final": _l("Final decision"),
    "withdrawn": _l("Withdrawn"),
}

_FLANDERS = _l(
    "The Flemish Department of Work and Social Economy. Contact the helpdesk of the portal and give the reference of the file."
)
_DVZ = _l("The Immigration Office (DVZ). Give the reference of the file.")
_DECIDING_NEXT = _l(
    "If the decision is positive, the file goes to the Immigration Office (DVZ) at once. If the officer needs more information, you get an e-mail and answer online."
)
_FORWARDED_NOW = _l(
    "Flanders has authorised the work. The Immigration Office (DVZ) now decides on residence; this includes a security check."
)
_FORWARDED_NEXT = _l(
    "When the Immigration Office grants residence, the single permit is granted: that is the final decision. You get an e-mail."
)
_FORWARDED_CONTACT = _l(
    "The Immigration Office (DVZ) for questions about residence. Give the reference of the file."
)
_FLEMISH_REFUSED = (
    _l("Flanders has decided on your file. The procedure has ended."),
    _l(
        "The reasons are given below; the decision explains how to appeal. You can submit a new, complete application."
    ),
    _FLANDERS,
)

# A submitted file that came back from an information request: same status, other words.
ANSWERED_NOW = _l(
    "The officer has your answer and continues handling the file. The legal clock runs again."
)


# The transitions: the one table the status machine (`status.change`) checks.
ALLOWED: dict[DossierStatus, frozenset[DossierStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset(
        {S.INFO_REQUESTED, S.WORK_AUTHORISED, S.INADMISSIBLE, S.WORK_REFUSED, S.WITHDRAWN}
    ),
    S.INFO_REQUESTED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.WORK_AUTHORISED: frozenset({S.FORWARDED}),
    S.FORWARDED: frozenset({S.RESIDENCE_GRANTED, S.RESIDENCE_REFUSED}),
}


@dataclass(frozen=True)
class Meaning:
    """One row of the table; `now`, `next` and `contact` are lazy strings."""

    status: DossierStatus
    deciding: bool = False  # open at Flemish level: the officer decides, the legal clock counts
    clock_stopped: bool = False  # the legal clock stands still (waiting for the applicant)
    final: bool = False  # the procedure has ended; no transition leaves this status
    withdrawable: bool = False  # the applicant may withdraw the file
    step: str | None = None  # the current step on the applicant's timeline (a PROGRESS key…)
    flemish_decision: FlemishDecision | None = None  # recorded on entering this status
    federal_decision: FederalDecision | None = None  # recorded on entering this status
    follow_up: bool = False  # a permit in force: it can be renewed or the employer changed
    now: Any = None  # what happens now, for the applicant
    next: Any = None  # what happens next
    contact: Any = None  # whom to contact

    @property
    def title(self) -> str:
        return self.status.title

    @property
    def step_title(self) -> str:
        return str(STEP_TITLES[self.step]) if self.step else ""

    @property
    def moves_to(self) -> frozenset[DossierStatus]:
        """The statuses this one may change to (`ALLOWED`)."""
        return ALLOWED.get(self.status, frozenset())

    @property
    def decidable(self) -> bool:
        """An officer can take the Flemish decision now."""
        return any(TABLE[to].flemish_decision for to in self.moves_to)

    @property
    def awaits_residence(self) -> bool:
        """The Immigration Office's decision on residence can be recorded now."""
        return any(TABLE[to].federal_decision for to in self.moves_to)


# The rows, one per status (a test checks that none is missing and none is there twice).
ROWS: tuple[Meaning, ...] = (
    Meaning(S.DRAFT),
    Meaning(
        S.SUBMITTED,
        deciding=True,
        withdrawable=True,
        step="flemish",
        now=_l(
            "The Flemish Department of Work and Social Economy checks whether your file is complete (admissibility) and decides on the work authorisation, both at the same time."
        ),
        next=_DECIDING_NEXT,
        contact=_FLANDERS,
    ),
    Meaning(
        S.INFO_REQUESTED,
        deciding=True,
        clock_stopped=True,
        withdrawable=True,
        step="info_requested",
        now=_l(
            "The officer needs more information before deciding. The legal clock has stopped until you answer."
        ),
        next=_l(
            "The employer or the mandatary answers online before the due date. Then the officer continues handling the file and the clock runs again."
        ),
        contact=_l(
            "The officer who asked the question, through the helpdesk of the portal. Give the reference of the file."
        ),
    ),
    Meaning(
        S.WORK_AUTHORISED,
        step="forwarded",
        flemish_decision=FlemishDecision.AUTHORISED,
        now=_FORWARDED_NOW,
        next=_FORWARDED_NEXT,
        contact=_FORWARDED_CONTACT,
    ),
    Meaning(
        S.FORWARDED,
        step="residence",
        now=_FORWARDED_NOW,
        next=_FORWARDED_NEXT,
        contact=_FORWARDED_CONTACT,
    ),
    Meaning(
        S.RESIDENCE_GRANTED,
        final=True,
        step="final",
        federal_decision=FederalDecision.GRANTED,
        follow_up=True,
        now=_l("The single permit is granted. The procedure has ended."),
        next=_l(
            "The worker applies for a visa at the Belgian embassy or consulate, and registers with the municipality within 8 working days of arrival."
        ),
        contact=_l(
            "The Belgian embassy or consulate for the visa; after arrival, the municipality where the worker lives."
        ),
    ),
    Meaning(
        S.RESIDENCE_REFUSED,
        final=True,
        step="residence",
        federal_decision=FederalDecision.REFUSED,
        now=_l("The Immigration Office has refused residence. The procedure has ended."),
        next=_l(
            "The decision explains the reasons and how to appeal. You can submit a new application."
        ),
        contact=_DVZ,
    ),
    Meaning(
        S.INADMISSIBLE,
        final=True,
        step="flemish",
        flemish_decision=FlemishDecision.INADMISSIBLE,
        now=_FLEMISH_REFUSED[0],
        next=_FLEMISH_REFUSED[1],
        contact=_FLEMISH_REFUSED[2],
    ),
    Meaning(
        S.WORK_REFUSED,
        final=True,
        step="flemish",
        flemish_decision=FlemishDecision.REFUSED,
        now=_FLEMISH_REFUSED[0],
        next=_FLEMISH_REFUSED[1],
        contact=_FLEMISH_REFUSED[2],
    ),
    Meaning(
        S.WITHDRAWN,
        final=True,
        step="withdrawn",
        now=_l("The file has been withdrawn. Nobody handles it any more."),
        next=_l("You can start a new application at any time."),
        contact=_l("The helpdesk of the portal. Give the reference of the file."),
    ),
)
TABLE: dict[DossierStatus, Meaning] = {row.status: row for row in ROWS}

# Derived from the table, never typed out again.
DECIDING = tuple(s for s, row in TABLE.items() if row.deciding)
CLOCK_STOPPED = tuple(s for s, row in TABLE.items() if row.clock_stopped)
FINAL = frozenset(s for s, row in TABLE.items() if row.final)
WITHDRAWABLE = frozenset(s for s, row in TABLE.items() if row.withdrawable)
FLEMISH_DECISIONS = {s: row.flemish_decision for s, row in TABLE.items() if row.flemish_decision}
FEDERAL_DECISIONS = {s: row.federal_decision for s, row in TABLE.items() if row.federal_decision}
STATUS_OF_FLEMISH = {decision: s for s, decision in FLEMISH_DECISIONS.items()}
STATUS_OF_FEDERAL = {decision: s for s, decision in FEDERAL_DECISIONS.items()}


def of(subject: Dossier | DossierStatus) -> Meaning:
    """The row of a dossier's status (or of a status)."""
    status = subject.status if isinstance(subject, Dossier) else DossierStatus(subject)
    return TABLE[status]
