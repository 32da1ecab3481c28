"""What each status means: the one table, beside the transitions (`ALLOWED`).

For every `DossierStatus` one row says whether Flanders is deciding, whether the legal
clock stands still, whether the procedure has ended, whether the applicant can withdraw
the file, where the file is on the applicant's timeline, which decision the status
records, and what the applicant reads about now, next and whom to contact. The queue,
the e-mail completion, the timeline, the letters, the import, the templates (through the
`meaning` template global) and the OpenAPI document read it instead of working it out.

Adding a status: a member of `DossierStatus`, a row in `TABLE`, its transitions in
`ALLOWED`, and the handling function and back-office action that move a file into it.

Both kinds of file (`Permit`: single permit, professional card) share this one table.
Where they differ, the table says so: a row's `permit` names the only kind of file that
may reach its status (the single permit's work authorisation, forwarding to DVZ and
residence decision; the card's grant and refusal), and `allowed()` reads `ALLOWED`
through it. `OVERRIDES` holds a kind's own words for a shared status (a card's
"submitted" says nothing of DVZ), and `PROGRESS_OF` its timeline steps.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from portal.dossiers.models import (
    Dossier,
    DossierStatus,
    FederalDecision,
    FlemishDecision,
    Permit,
)
from portal.i18n import _l

S = DossierStatus
P = Permit

# The official steps after submission, in order, as the applicant's timeline lists them.
# An information request is a step of its own between "submitted" and "flemish";
# a withdrawal ends the timeline with the step "withdrawn".
PROGRESS = ("flemish", "forwarded", "residence", "final")
# A professional card: Flanders decides admissibility and the card itself; no DVZ.
CARD_PROGRESS = ("card_decision", "final")
PROGRESS_OF: dict[Permit, tuple[str, ...]] = {
    P.SINGLE_PERMIT: PROGRESS,
    P.PROFESSIONAL_CARD: CARD_PROGRESS,
}

STEP_TITLES = {
    "submitted": _l("Application submitted"),
    "info_requested": _l("Additional information requested"),
    "flemish": _l("Admissibility and work authorisation (Flanders decides both together)"),
    "forwarded": _l("Forwarded to the Immigration Office (DVZ)"),
    "residence": _l("Decision on residence (Immigration Office)"),
    "card_decision": _l(
        "Admissibility and decision on the professional card (Flanders decides, no Immigration Office)"
    ),
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

_CARD_FLANDERS = _l(
    "The Flemish Department of Work and Social Economy, service Economic Migration. Contact the helpdesk of the portal and give the reference of the file."
)
_CARD_APPEAL = _l(
    "The reasons are given below. You can appeal in writing to the Flemish minister of Work within 30 days, then to the Council of State within 60 days; the decision letter explains how. You can also submit a new, complete application."
)

# A submitted file that came back from an information request: same status, other words.
ANSWERED_NOW = _l(
    "The officer has your answer and continues handling the file. The legal clock runs again."
)


# The transitions: the one table the status machine (`status.change`) checks.
ALLOWED: dict[DossierStatus, frozenset[DossierStatus]] = {
    S.DRAFT: frozenset({S.SUBMITTED}),
    S.SUBMITTED: frozenset(
        {
            S.INFO_REQUESTED,
            S.WORK_AUTHORISED,
            S.INADMISSIBLE,
            S.WORK_REFUSED,
            S.CARD_GRANTED,
            S.CARD_REFUSED,
            S.WITHDRAWN,
        }
    ),
    S.INFO_REQUESTED: frozenset({S.SUBMITTED, S.WITHDRAWN}),
    S.WORK_AUTHORISED: frozenset({S.FORWARDED}),
    S.FORWARDED: frozenset({S.RESIDENCE_GRANTED, S.RESIDENCE_REFUSED}),
}


@dataclass(frozen=True)
class Meaning:
    """One row of the table; `now`, `next` and `contact` are lazy strings."""

    status: DossierStatus
    # The only kind of file this row is for (None: every kind). On a row of `TABLE` it
    # means only that kind may reach the status (`allowed`).
    permit: Permit | None = None
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
        """The statuses this one may change to (`ALLOWED`; for this row's kind of file
        only, when the row is a kind's own)."""
        if self.permit is None:
            return ALLOWED.get(self.status, frozenset())
        return allowed(self.permit, self.status)

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
        permit=P.SINGLE_PERMIT,
        step="forwarded",
        flemish_decision=FlemishDecision.AUTHORISED,
        now=_FORWARDED_NOW,
        next=_FORWARDED_NEXT,
        contact=_FORWARDED_CONTACT,
    ),
    Meaning(
        S.FORWARDED,
        permit=P.SINGLE_PERMIT,
        step="residence",
        now=_FORWARDED_NOW,
        next=_FORWARDED_NEXT,
        contact=_FORWARDED_CONTACT,
    ),
    Meaning(
        S.RESIDENCE_GRANTED,
        permit=P.SINGLE_PERMIT,
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
        permit=P.SINGLE_PERMIT,
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
        permit=P.SINGLE_PERMIT,
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
    Meaning(
        S.CARD_GRANTED,
        permit=P.PROFESSIONAL_CARD,
        final=True,
        step="final",
        flemish_decision=FlemishDecision.AUTHORISED,
        now=_l(
            "The professional card is granted for the period stated in the decision. The procedure has ended."
        ),
        next=_l(
            "Register the enterprise in the Crossroads Bank for Enterprises (KBO) and join a social insurance fund, through a business counter. From abroad: apply for the D visa at the Belgian embassy or consulate. Renew the card in time before it expires."
        ),
        contact=_CARD_FLANDERS,
    ),
    Meaning(
        S.CARD_REFUSED,
        permit=P.PROFESSIONAL_CARD,
        final=True,
        step="card_decision",
        flemish_decision=FlemishDecision.REFUSED,
        now=_l("Flanders has refused the professional card. The procedure has ended."),
        next=_CARD_APPEAL,
        contact=_CARD_FLANDERS,
    ),
)
TABLE: dict[DossierStatus, Meaning] = {row.status: row for row in ROWS}

# A kind's own words (and timeline step) for a status both kinds share.
OVERRIDES: dict[Permit, dict[DossierStatus, Meaning]] = {
    P.PROFESSIONAL_CARD: {
        S.SUBMITTED: replace(
            TABLE[S.SUBMITTED],
            permit=P.PROFESSIONAL_CARD,
            step="card_decision",
            now=_l(
                "The Flemish Department of Work and Social Economy checks whether your application is complete (admissibility) and then decides on the professional card."
            ),
            next=_l(
                "You get an e-mail when Flanders has decided. If the officer needs more information, you get an e-mail and answer online."
            ),
            contact=_CARD_FLANDERS,
        ),
        S.INFO_REQUESTED: replace(
            TABLE[S.INFO_REQUESTED],
            permit=P.PROFESSIONAL_CARD,
            next=_l(
                "You or your business counter answer online before the due date. Then the officer continues handling the file and the clock runs again."
            ),
            contact=_CARD_FLANDERS,
        ),
        S.INADMISSIBLE: replace(
            TABLE[S.INADMISSIBLE],
            permit=P.PROFESSIONAL_CARD,
            step="card_decision",
            now=_l("Flanders has found the application inadmissible. The procedure has ended."),
            next=_CARD_APPEAL,
            contact=_CARD_FLANDERS,
        ),
        S.WITHDRAWN: replace(TABLE[S.WITHDRAWN], permit=P.PROFESSIONAL_CARD),
    },
}

# Derived from the table, never typed out again.
DECIDING = tuple(s for s, row in TABLE.items() if row.deciding)
CLOCK_STOPPED = tuple(s for s, row in TABLE.items() if row.clock_stopped)
FINAL = frozenset(s for s, row in TABLE.items() if row.final)
WITHDRAWABLE = frozenset(s for s, row in TABLE.items() if row.withdrawable)
FLEMISH_DECISIONS = {s: row.flemish_decision for s, row in TABLE.items() if row.flemish_decision}
FEDERAL_DECISIONS = {s: row.federal_decision for s, row in TABLE.items() if row.federal_decision}
# Which status each decision leads to, per kind of file (`STATUS_OF_FLEMISH`: a single
# permit's, as the exchange API and the import know them).
STATUS_OF_FLEMISH_BY_PERMIT: dict[Permit, dict[FlemishDecision, DossierStatus]] = {
    permit: {
        row.flemish_decision: s
        for s, row in TABLE.items()
        if row.flemish_decision and row.permit in (None, permit)
    }
    for permit in Permit
}
STATUS_OF_FLEMISH = STATUS_OF_FLEMISH_BY_PERMIT[P.SINGLE_PERMIT]
STATUS_OF_FEDERAL = {decision: s for s, decision in FEDERAL_DECISIONS.items()}


def permit_of(value) -> Permit:
    """The kind of file (a dossier not yet flushed has no permit yet: a single permit)."""
    return Permit(value) if value else P.SINGLE_PERMIT


def allowed(permit, status: DossierStatus) -> frozenset[DossierStatus]:
    """The statuses a file of kind `permit` may go to from `status`: `ALLOWED`, without
    the statuses whose row belongs to the other kind."""
    permit = permit_of(permit)
    return frozenset(
        to for to in ALLOWED.get(status, frozenset()) if TABLE[to].permit in (None, permit)
    )


def progress(permit) -> tuple[str, ...]:
    """The official steps after submission of a kind of file, in order."""
    return PROGRESS_OF[permit_of(permit)]


def of(subject: Dossier | DossierStatus, permit: Permit | str | None = None) -> Meaning:
    """The row of a dossier's status (or of a status, for a kind of file): the kind's own
    row where it has one (`OVERRIDES`), else the shared one."""
    if isinstance(subject, Dossier):
        status, permit = subject.status, subject.permit
    else:
        status = DossierStatus(subject)
    own = OVERRIDES.get(permit_of(permit), {}).get(status)
    return own or TABLE[status]
