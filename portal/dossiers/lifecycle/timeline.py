"""What a party sees after submitting: the steps, the legal deadline, the expected date.

`build()` turns a dossier, its status events and its information requests into the
official steps in order (application → admissibility and work authorisation → forwarded to
DVZ → residence decision → final decision, plus "additional information requested" when it
happened), with the one current step and plain texts for "what happens now / next" and
who to contact. `expected_decision()` estimates the Flemish decision date from the median
processing time, in working days, of at least 20 recent decisions in the same category. `attach_to_answer()`
adds a file to the open information request.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Row, Select, bindparam, or_, select

from portal import audit, clock, pagecache, transactions
from portal.accounts.models import Role, User
from portal.dossiers import rules
from portal.dossiers.contents import documents
from portal.dossiers.lifecycle import deadlines, handling, meaning, reasons, status
from portal.dossiers.lifecycle.models import InfoRequest, StatusEvent
from portal.dossiers.models import Document, Dossier, DossierStatus, FederalDecision
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import _, format_date

S = DossierStatus
FILERS = (Role.EMPLOYER, Role.MANDATARY, Role.ENTREPRENEUR)  # the entrepreneur: own card


@dataclass(frozen=True)
class Step:
    key: str
    state: str  # "done", "current" or "upcoming"
    on: date | None = None
    outcome: str | None = None  # the decision, when the step is one
    reason: str | None = None  # the reasons of a refusal or withdrawal
    due_on: date | None = None  # an information request: answer by
    final: bool = False  # the procedure ended here
    grounds: tuple[str, ...] = ()  # the reasons as codes (tracking.reasons), labelled on display

    @property
    def ground_labels(self) -> list[str]:
        return [reasons.reason_label(code) for code in self.grounds]

    @property
    def title(self) -> str:
        return str(meaning.STEP_TITLES[self.key])


@dataclass(frozen=True)
class Deadline:
    on: date
    days_left: int  # negative when overdue
    clock_stopped: bool  # an information request is open now
    paused_days: int  # calendar days the clock stood still so far


@dataclass(frozen=True)
class Expected:
    on: date | None  # None: too few comparable decisions to estimate from
    working_days: int | None = None  # the median
    sample: int = 0
    minimum: int = 0
    low: int | None = None  # 25th percentile, working days
    high: int | None = None  # 75th percentile, working days
    earliest: date | None = None
    latest: date | None = None


@dataclass(frozen=True)
class Timeline:
    steps: list[Step]
    meaning: meaning.Meaning
    deadline: Deadline | None = None
    expected: Expected | None = None
    open_request: InfoRequest | None = None
    decided_on: date | None = None
    answered: bool = False  # back with the officer after an information request

    @property
    def current(self) -> Step | None:
        return next((step for step in self.steps if step.state == "current"), None)

    @property
    def now(self) -> str:
        return str(meaning.ANSWERED_NOW if self.answered else self.meaning.now)

    @property
    def next(self) -> str:
        return str(self.meaning.next)

    @property
    def contact(self) -> str:
        return str(self.meaning.contact)


def _today() -> date:
    return clock.today()


# A status event and an information request as the timeline reads them: a row of its
# table's columns, under the model's attribute names (`_history_statements`).
EventRow = Row
RequestRow = Row


@functools.cache
def _history_statements() -> tuple[Select, Select]:
    """A file's status events and information requests, by the parameter `file_id`: built
    once per process. The timeline is the page the parties follow their file on, and
    building the two statements (and their cache keys) on every view cost almost half of
    their time (245 µs together, 134 µs kept).

    Their columns are read as plain rows on the transaction's connection: the timeline
    only shows them, and as ORM objects (each identity-mapped, through the session's
    statement handling) they cost about 100 µs more of a 1.7 ms page (issue 15)."""
    events = (
        select(*StatusEvent.__table__.columns)
        .where(StatusEvent.dossier_id == bindparam("file_id"))
        .order_by(StatusEvent.at, StatusEvent.id)
    )
    requests = (
        select(*InfoRequest.__table__.columns)
        .where(InfoRequest.dossier_id == bindparam("file_id"))
        .order_by(InfoRequest.id)
    )
    return events, requests


def _history(dossier: Dossier) -> tuple[Sequence[EventRow], Sequence[RequestRow]]:
    """The file's status events and information requests (`_history_statements`)."""
    read = transactions.plain_reads()
    values = {"file_id": dossier.id}
    return tuple(read.execute(statement, values).all() for statement in _history_statements())


def _day_of(events: Sequence[EventRow], statuses: set[DossierStatus], fallback: date | None):
    """The day of the last event that reached one of `statuses`, else `fallback`."""
    found = [event for event in events if event.to_status in statuses]
    return clock.local_day(found[-1].at) if found else fallback


def _reason_of(events: Sequence[EventRow], to: DossierStatus) -> str | None:
    found = [event for event in events if event.to_status == to]
    return found[-1].reason if found else None


def _grounds_of(events: Sequence[EventRow], to: DossierStatus) -> tuple[str, ...]:
    found = [event for event in events if event.to_status == to]
    return tuple(reasons.split(found[-1].reason_codes)) if found else ()


def _reached(dossier: Dossier, events: Sequence[EventRow], key: str) -> Step:
    """A step of `PROGRESS` the file has passed or (when final) ended on, with its outcome."""
    state = dossier.status
    row = meaning.of(dossier)
    ended = row.final and row.step == key
    if key == "flemish":
        decided = set(meaning.FLEMISH_DECISIONS)
        on = _day_of(events, decided, dossier.flemish_decision_on)
        if not ended:
            return Step(key, "done", on, S.WORK_AUTHORISED.title)
        reason = dossier.flemish_reasons or _reason_of(events, state)
        codes = tuple(reasons.split(dossier.flemish_reason_codes)) or _grounds_of(events, state)
        return Step(key, "current", on, state.title, reason, final=True, grounds=codes)
    if key in ("card_decision", "final") and dossier.permit == meaning.P.PROFESSIONAL_CARD:
        # A card: Flanders decides alone; a grant is the final decision.
        on = _day_of(events, set(meaning.FLEMISH_DECISIONS), dossier.flemish_decision_on)
        if key == "card_decision" and not ended:
            return Step(key, "done", on, S.CARD_GRANTED.title)
        reason = dossier.flemish_reasons or _reason_of(events, state)
        codes = tuple(reasons.split(dossier.flemish_reason_codes)) or _grounds_of(events, state)
        return Step(key, "current", on, state.title, reason, final=True, grounds=codes)
    if key == "forwarded":
        return Step(key, "done", _day_of(events, {S.FORWARDED}, dossier.forwarded_on))
    on = _day_of(events, set(meaning.FEDERAL_DECISIONS), dossier.federal_decision_on)
    if key == "residence" and not ended:
        return Step(key, "done", on, FederalDecision.GRANTED.title)
    reason = _reason_of(events, state) if key == "residence" else None
    return Step(key, "current", on, state.title, reason, final=True)


def _request_steps(requests: Sequence[RequestRow], row: meaning.Meaning) -> list[Step]:
    """One step per information request; the open one is current while the file waits for it."""
    return [
        Step(
            "info_requested",
            "current" if request.answered_at is None and row.step == "info_requested" else "done",
            clock.local_day(request.created_at),
            due_on=request.due_on,
        )
        for request in requests
    ]


def _progress(dossier: Dossier, events: Sequence[EventRow], row: meaning.Meaning) -> list[Step]:
    """The steps of `PROGRESS`: before the row's step done, its step current, after it
    upcoming; a final status ends the list on its step."""
    progress = meaning.progress(dossier.permit)
    here = progress.index(row.step) if row.step in progress else 0
    passed = progress[: here + 1] if row.final else progress[:here]
    ahead = () if row.final else progress[here:]
    return [_reached(dossier, events, key) for key in passed] + [
        Step(key, "current" if key == row.step else "upcoming") for key in ahead
    ]


def _aside(
    events: Sequence[EventRow], row: meaning.Meaning, progress: tuple[str, ...]
) -> list[Step]:
    """A status whose step lies outside `PROGRESS` (a withdrawal, say): its own current
    step; a final one closes the timeline with its reason. Information requests have
    their own steps (`_request_steps`)."""
    if row.step in (None, "info_requested", *progress):
        return []
    on = _day_of(events, {row.status}, None)
    reason = _reason_of(events, row.status) if row.final else None
    outcome = row.title if row.final else None
    return [Step(row.step, "current", on, outcome, reason, final=row.final)]


def _steps(
    dossier: Dossier, events: Sequence[EventRow], requests: Sequence[RequestRow]
) -> list[Step]:
    """The official steps in order, read from the status's row in the meaning table."""
    row = meaning.of(dossier)
    first = [e for e in events if e.from_status in (None, S.DRAFT)]
    submitted = Step("submitted", "done", _day_of(first, {S.SUBMITTED}, submission_day(dossier)))
    progress = meaning.progress(dossier.permit)
    steps = [submitted, *_request_steps(requests, row), *_aside(events, row, progress)]
    if row.final and row.step not in progress:
        return steps
    return steps + _progress(dossier, events, row)


def legal_deadline(
    dossier: Dossier, today: date | None = None, history: Sequence[EventRow] | None = None
) -> Deadline | None:
    """The legal deadline while Flanders has to decide, with the days left.

    While an information request is open the clock stands still, so the date moves one
    day later for every day until the answer: it is computed afresh then.
    """
    start = submission_day(dossier)
    row = meaning.of(dossier)
    if not row.deciding or start is None:
        return None
    today = today or _today()
    pauses = status.pauses(dossier, history)
    stopped = row.clock_stopped
    on = dossier.deadline_on
    if stopped or on is None:
        on = deadlines.deadline(start, dossier.category, pauses, today)
    return Deadline(on, (on - today).days, stopped, deadlines.paused_days(pauses, today))


def submission_day(dossier: Dossier) -> date | None:
    """The day in Brussels the file was submitted (imported files only have the day)."""
    if dossier.submitted_on is not None:
        return dossier.submitted_on
    return clock.local_day(dossier.submitted_at) if dossier.submitted_at else None


def _percentile(values: list[int], fraction: float) -> int:
    """The `fraction` percentile of sorted `values` (linear interpolation), rounded up."""
    position = (len(values) - 1) * fraction
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return math.ceil(values[low] + (values[high] - values[low]) * (position - low))


@functools.cache
def _recent_decisions() -> Select:
    """The recent decisions of a category that the estimate reads, all values parameters:
    built once (building it on every view was a third of the estimate's time)."""
    return (
        select(Dossier.id, Dossier.submitted_on, Dossier.submitted_at, Dossier.flemish_decision_on)
        .where(
            Dossier.category == bindparam("category"),
            Dossier.flemish_decision_on >= bindparam("since"),
            Dossier.flemish_decision_on <= bindparam("today"),
            or_(Dossier.submitted_on.is_not(None), Dossier.submitted_at.is_not(None)),
        )
        .order_by(Dossier.flemish_decision_on.desc(), Dossier.id.desc())
        .limit(bindparam("size"))
    )


# The processing times of a category's recent decisions are the same for every file of the
# category on one day: reading them and counting each one's working days was about 5% of a
# timeline (issue 15), more where more files were decided. So they are kept per worker under
# the category, the window, the sample size and the data's generation (`pagecache.bump`: a
# decision committed by this process shows at once), at most ESTIMATE_MAX_AGE seconds (a
# decision by another process shows within a minute: an estimate may lag that much), and
# neither read from nor kept while this session may hold changes it has not committed
# (`pagecache.fresh`).
ESTIMATE_STORE = "portal.timeline_estimates"
ESTIMATE_MAX_AGE = 60.0
MAX_KEPT_ESTIMATES = 256


def _recent_durations(category: str, since: date, today: date, size: int) -> tuple:
    """(file id, working days from submission to decision) of the category's `size` most
    recent decisions between `since` and `today`, newest first."""

    def read() -> tuple:
        rows = transactions.plain_reads().execute(
            _recent_decisions(),
            {"category": category, "since": since, "today": today, "size": size},
        )
        return tuple(
            (file_id, deadlines.working_days_between(day or clock.local_day(at), decided))
            for file_id, day, at, decided in rows
        )

    return pagecache.fresh(
        ESTIMATE_STORE,
        (category, since, today, size),
        read,
        max_age=ESTIMATE_MAX_AGE,
        limit=MAX_KEPT_ESTIMATES,
    )


def expected_decision(
    dossier: Dossier, *, sample: int | None = None, today: date | None = None
) -> Expected:
    """The submission day plus the MEDIAN processing time, in working days, of recent
    comparable decisions: same category, decided in the last `expected_window_days`
    (rules.toml), the `expected_sample` most recent, the file itself left out. The range is
    the interquartile range (25th to 75th percentile). Fewer than `expected_minimum` such
    decisions: no estimate (Expected.on is None), since one or two files say nothing about
    the next."""
    start = submission_day(dossier)
    today = today or _today()
    size = sample or rules.procedure("expected_sample")
    minimum = rules.procedure("expected_minimum")
    since = today - timedelta(days=rules.procedure("expected_window_days"))
    # One more than the sample: the file's own decision, if it is among them, is left out.
    recent = (
        ()
        if dossier.category is None
        else _recent_durations(dossier.category, since, today, size + 1)
    )
    durations = sorted([days for file_id, days in recent if file_id != dossier.id][:size])
    if start is None or dossier.category is None or len(durations) < minimum:
        return Expected(None, sample=len(durations), minimum=minimum)
    median = _percentile(durations, 0.5)
    low, high = _percentile(durations, 0.25), _percentile(durations, 0.75)
    return Expected(
        deadlines.add_working_days(start, median),
        median,
        len(durations),
        minimum=minimum,
        low=low,
        high=high,
        earliest=deadlines.add_working_days(start, low),
        latest=deadlines.add_working_days(start, high),
    )


def build(dossier: Dossier, today: date | None = None) -> Timeline:
    """The whole picture of a submitted file for its parties."""
    today = today or _today()
    events, requests = _history(dossier)
    row = meaning.of(dossier)
    return Timeline(
        steps=_steps(dossier, events, requests),
        meaning=row,
        deadline=legal_deadline(dossier, today, events),
        expected=expected_decision(dossier) if row.deciding else None,
        open_request=handling.open_request(dossier) if row.clock_stopped else None,
        decided_on=dossier.flemish_decision_on,
        answered=dossier.status == S.SUBMITTED and status.any_answered(requests),
    )


# Answering an information request -------------------------------------------------------


@dataclass(frozen=True)
class Banner:
    """The open information request as the file's pages announce it."""

    request: InfoRequest
    working_days_left: int  # working days after today up to the due date; 0 on the day
    overdue: bool


def banner(dossier: Dossier, today: date | None = None) -> Banner | None:
    """The open information request of a file, with the working days left to answer it."""
    if not meaning.of(dossier).clock_stopped:
        return None
    request = handling.open_request(dossier)
    if request is None:
        return None
    today = today or _today()
    return Banner(
        request,
        deadlines.working_days_between(today, request.due_on),
        past_due(request, today),
    )


def request_to_answer(actor: User, dossier: Dossier) -> InfoRequest | None:
    """The file's open information request, for a filer who may answer it (None: there is none)."""
    if actor.role not in FILERS:
        raise NotAllowed
    request = handling.open_request(dossier)
    if request is not None and dossier.status != S.INFO_REQUESTED:
        raise NotFound
    return request


def past_due(request: InfoRequest, today: date | None = None) -> bool:
    return (today or _today()) > request.due_on


def answer_files(request: InfoRequest) -> list[Document]:
    return list(
        db.session.scalars(
            select(Document).where(Document.info_request_id == request.id).order_by(Document.id)
        )
    )


def attach_to_answer(
    actor: User,
    dossier: Dossier,
    request: InfoRequest,
    *,
    requirement: str,
    data: bytes,
    file_name: str,
    issued_on: date | None,
    today: date | None = None,
) -> Document:
    """Add a file to the answer of the open information request (from `request_to_answer`),
    before its due date."""
    if actor.role not in FILERS or request.dossier_id != dossier.id or request.answered_at:
        raise NotAllowed
    today = today or _today()
    if past_due(request, today):
        raise Invalid(
            {
                "file": [
                    _(
                        "The answer was due on %(date)s. Contact the officer about this file.",
                        date=format_date(request.due_on, "long"),
                    )
                ]
            }
        )
    document = documents.add_document(
        actor,
        dossier,
        requirement=requirement,
        data=data,
        file_name=file_name,
        issued_on=issued_on,
        today=today,
    )
    document.info_request_id = request.id
    audit.record(
        "info:document",
        dossier_id=dossier.id,
        actor_id=actor.id,
        detail=f"{document.requirement} sha256:{document.sha256}",
    )
    return document
