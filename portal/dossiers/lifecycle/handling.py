"""Handling a file: officers claim, request information and decide; applicants answer.

Every status change goes through `status.change`; a positive Flemish decision forwards the
file to DVZ in the same transaction (status "forwarded" and an exchange message), so no
file waits for a human to forward it.

Each service takes the file as the view loaded and authorised it (`access.get_dossier`,
with `for_update=True` for a change, so that a second request on the same file waits for
the first and then sees what it did); none reads the file again.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import audit, clock
from portal.accounts.models import Role, User
from portal.dossiers import rules
from portal.dossiers.lifecycle import deadlines, exchange, meaning, status
from portal.dossiers.lifecycle import reasons as grounds
from portal.dossiers.lifecycle.models import InfoRequest
from portal.dossiers.models import Dossier, DossierStatus, FederalDecision, FlemishDecision
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import _

S = DossierStatus
# The status each decision leads to, from the meaning table.
OUTCOMES: dict[FlemishDecision, DossierStatus] = meaning.STATUS_OF_FLEMISH
RESIDENCE: dict[FederalDecision, DossierStatus] = meaning.STATUS_OF_FEDERAL


def _officer(actor: User) -> None:
    if actor.role not in (Role.OFFICER, Role.ADMIN):
        raise NotAllowed


def _today() -> date:
    return clock.today()


def open_for_officer(actor: User, dossier: Dossier) -> Dossier:
    """An officer opens a file: allowed for any submitted file, and written to the trail."""
    _officer(actor)
    audit.record("view", dossier_id=dossier.id, actor_id=actor.id)
    return dossier


def claim(actor: User, dossier: Dossier) -> Dossier:
    """Take a file: it shows as yours in the queue."""
    _officer(actor)
    dossier.assigned_officer_id = actor.id
    audit.record("claim", dossier_id=dossier.id, actor_id=actor.id)
    return dossier


def open_request(dossier: Dossier) -> InfoRequest | None:
    return db.session.scalar(
        select(InfoRequest).where(
            InfoRequest.dossier_id == dossier.id, InfoRequest.answered_at.is_(None)
        )
    )


def request_info(
    actor: User, dossier: Dossier, *, question: str, due_on: date | None = None
) -> InfoRequest:
    """Ask the applicant for more; the legal clock stops until they answer online."""
    _officer(actor)
    question = (question or "").strip()
    today = _today()
    due_on = due_on or today + timedelta(days=rules.procedure("info_request_days"))
    errors: dict[str, list[str]] = {}
    if not status.can_change(dossier, S.INFO_REQUESTED):
        # Checked first, so that a refused request leaves nothing behind in the session.
        raise Invalid({"": [_("Information can only be requested for a submitted file.")]})
    if not question:
        errors["question"] = [_("Say which information or documents you need.")]
    if due_on <= today:
        errors["due_on"] = [_("The answer date must be after today.")]
    if errors:
        raise Invalid(errors)
    request = InfoRequest(
        dossier_id=dossier.id, requested_by_id=actor.id, question=question, due_on=due_on
    )
    db.session.add(request)
    db.session.flush()
    status.change(dossier, S.INFO_REQUESTED, actor, question, notify_parties=False)
    status.notify(
        dossier,
        "info_requested",
        due_on=due_on,
        working_days=deadlines.working_days_between(today, due_on),
    )
    return request


def answer_info(
    actor: User,
    dossier: Dossier,
    *,
    answer: str,
    request: InfoRequest | None = None,
    today: date | None = None,
) -> InfoRequest:
    """The applicant answers online before the due date; the file returns to the officer.

    `request` is the file's open information request when the caller has it already.
    """
    if actor.role not in (Role.EMPLOYER, Role.MANDATARY, Role.ENTREPRENEUR):
        raise NotAllowed
    if request is None or request.dossier_id != dossier.id or request.answered_at is not None:
        request = open_request(dossier)
    if request is None or dossier.status != S.INFO_REQUESTED:
        raise NotFound
    today = today or _today()
    if today > request.due_on:
        raise Invalid(
            {
                "answer": [
                    _(
                        "The answer was due on %(date)s. Contact the officer about this file.",
                        date=request.due_on.isoformat(),
                    )
                ]
            }
        )
    if not (answer or "").strip():
        raise Invalid({"answer": [_("Write your answer, or explain which documents you added.")]})
    request.answer = answer.strip()
    request.answered_at = clock.now()
    request.answered_by_id = actor.id
    db.session.flush()
    status.change(dossier, S.SUBMITTED, actor, reason_codes="info_provided")
    return request


def check_decision(
    dossier: Dossier, *, outcome: str, reasons: str = "", reason_codes=()
) -> tuple[str | None, str | None]:
    """The decision's stored grounds and text, or Invalid; changes nothing.

    A negative decision needs at least one ground (a code of `tracking.reasons.DECISION`);
    "other" also needs the officer's explanation in `reasons`.
    """
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise Invalid({"outcome": [_("Choose a decision.")]})
    positive = outcome == FlemishDecision.AUTHORISED
    reasons = (reasons or "").strip()
    if any(code not in grounds.DECISION for code in reason_codes or ()):
        raise Invalid({"reason_codes": [_("Choose the grounds from the list.")]})
    codes = None if positive else grounds.join(reason_codes)
    if not positive and not codes:
        raise Invalid(
            {
                "reason_codes": [
                    _("Choose at least one ground for this decision; the applicant reads it.")
                ]
            }
        )
    if codes and "other" in grounds.split(codes) and not reasons:
        raise Invalid({"reasons": [_("Explain the other reason; the applicant reads it.")]})
    if not status.can_change(dossier, OUTCOMES[FlemishDecision(outcome)]):
        raise Invalid(
            {"": [_("Only a submitted file that is not waiting for information can be decided.")]}
        )
    return codes, reasons or None


def decide(
    actor: User, dossier: Dossier, *, outcome: str, reasons: str = "", reason_codes=()
) -> Dossier:
    """Decide admissibility and work authorisation together; a positive decision forwards at once."""
    _officer(actor)
    codes, text = check_decision(
        dossier, outcome=outcome, reasons=reasons, reason_codes=reason_codes
    )
    status.change(dossier, OUTCOMES[FlemishDecision(outcome)], actor, text, reason_codes=codes)
    if outcome == FlemishDecision.AUTHORISED:
        status.change(
            dossier, S.FORWARDED, None, notify_parties=False, reason_codes="auto_forwarded"
        )
        exchange.queue_forwarding(dossier)
    return dossier


def find_by_reference(reference: str) -> Dossier:
    dossier = db.session.scalar(select(Dossier).where(Dossier.reference == reference))
    if dossier is None:
        raise NotFound
    return dossier


def record_residence(
    dossier: Dossier,
    decision: str,
    *,
    actor: User | None = None,
    api_client_id: int | None = None,
    reason: str | None = None,
    decided_on: date | None = None,
) -> Dossier:
    """DVZ's decision on residence, from the exchange API or recorded by an officer.

    `decided_on` is the day DVZ decided, when it says so; otherwise today.
    """
    if actor is not None:
        _officer(actor)
    if not isinstance(decision, str) or decision not in RESIDENCE:
        raise Invalid({"decision": [_("Choose a decision.")]})
    if not status.can_change(dossier, RESIDENCE[FederalDecision(decision)]):
        raise Invalid(
            {
                "": [
                    _(
                        "Only a file forwarded to the Immigration Office can get a residence decision."
                    )
                ]
            }
        )
    status.change(
        dossier,
        RESIDENCE[FederalDecision(decision)],
        actor,
        reason,
        api_client_id=api_client_id,
        today=decided_on,
    )
    return dossier
