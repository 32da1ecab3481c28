"""Handling a file: officers claim, request information and decide; applicants answer.

Every status change goes through `status.change`; a positive Flemish decision on a single
permit forwards the file to DVZ in the same transaction (status "forwarded" and an exchange
message), so no file waits for a human to forward it. A professional card is decided by
Flanders alone: a grant carries the validity the officer set (1–3 years by the rules, never
beyond the right of residence) and goes nowhere else.

Each service takes the file as the view loaded and authorised it (`access.get_dossier`,
with `for_update=True` for a change, so that a second request on the same file waits for
the first and then sees what it did); none reads the file again.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from portal import audit, clock
from portal.accounts.models import Role, User
from portal.dossiers import card_rules, rules
from portal.dossiers.lifecycle import deadlines, exchange, meaning, status
from portal.dossiers.lifecycle import reasons as grounds
from portal.dossiers.lifecycle.models import InfoRequest
from portal.dossiers.models import (
    Dossier,
    DossierStatus,
    FederalDecision,
    FlemishDecision,
    Permit,
)
from portal.errors import Invalid, NotAllowed, NotFound
from portal.extensions import db
from portal.i18n import _, format_date

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
    audit.record_read("view", dossier_id=dossier.id, actor_id=actor.id)
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


def outcome_status(dossier: Dossier, outcome: FlemishDecision | str) -> DossierStatus:
    """The status a Flemish decision leads this kind of file to (a card: its own)."""
    permit = meaning.permit_of(dossier.permit)
    return meaning.STATUS_OF_FLEMISH_BY_PERMIT[permit][FlemishDecision(outcome)]


def is_card(dossier: Dossier) -> bool:
    return dossier.permit == Permit.PROFESSIONAL_CARD


def check_decision(
    dossier: Dossier,
    *,
    outcome: str,
    reasons: str = "",
    reason_codes=(),
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> tuple[str | None, str | None]:
    """The decision's stored grounds and text, or Invalid; changes nothing.

    A negative decision needs at least one ground (a code of `reasons.DECISION`, for a
    card of `reasons.CARD_DECISION`); "other" also needs the officer's explanation in
    `reasons`. A card's grant needs its validity (`check_validity`).
    """
    if not isinstance(outcome, str) or outcome not in OUTCOMES:
        raise Invalid({"outcome": [_("Choose a decision.")]})
    positive = outcome == FlemishDecision.AUTHORISED
    reasons = (reasons or "").strip()
    vocabulary = grounds.decision_grounds(dossier.permit)
    if any(code not in vocabulary for code in reason_codes or ()):
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
    if not status.can_change(dossier, outcome_status(dossier, outcome)):
        raise Invalid(
            {"": [_("Only a submitted file that is not waiting for information can be decided.")]}
        )
    if positive and is_card(dossier):
        check_validity(dossier, valid_from, valid_until)
    return codes, reasons or None


def decide(
    actor: User,
    dossier: Dossier,
    *,
    outcome: str,
    reasons: str = "",
    reason_codes=(),
    valid_from: date | None = None,
    valid_until: date | None = None,
) -> Dossier:
    """Decide admissibility and the substance together. A single permit's positive decision
    forwards the file to DVZ at once; a card's grant records its validity and ends there.

    The caller loaded the file locked (`for_update`): a second officer deciding the same
    file waits, then finds it decided and gets `Invalid`.
    """
    _officer(actor)
    codes, text = check_decision(
        dossier,
        outcome=outcome,
        reasons=reasons,
        reason_codes=reason_codes,
        valid_from=valid_from,
        valid_until=valid_until,
    )
    to = outcome_status(dossier, outcome)
    if to == S.CARD_GRANTED:
        dossier.card.valid_from, dossier.card.valid_until = valid_from, valid_until
        audit.record(
            "card:validity",
            dossier_id=dossier.id,
            actor_id=actor.id,
            detail=f"{valid_from.isoformat()}..{valid_until.isoformat()}",
        )
    status.change(dossier, to, actor, text, reason_codes=codes)
    if to == S.WORK_AUTHORISED:
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


# The professional card ---------------------------------------------------------------------


def validity_years() -> tuple[int, int]:
    """The shortest and longest validity of a card an officer may set, in whole years
    (`card_rules`, rules.toml [card])."""
    return card_rules.validity_years()


def add_years(day: date, years: int) -> date:
    """The same day `years` later; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def longest_until(valid_from: date, years: int) -> date:
    """The last day of a validity of `years` whole years from `valid_from`."""
    return add_years(valid_from, years) - timedelta(days=1)


def check_validity(dossier: Dossier, valid_from, valid_until) -> tuple[date, date]:
    """The card's validity as the officer set it, or Invalid (per field): both dates, at
    least the shortest and at most the longest validity of the rules, and never beyond the
    right of residence (`card.residence_valid_until`), which wins over the shortest
    validity. The first day lies from today up to a year ahead (a renewal starts when the
    card in force ends)."""
    if dossier.card is None:
        raise Invalid({"": [_("This file has no details of a professional card.")]})
    errors: dict[str, list[str]] = {}
    if not isinstance(valid_from, date):
        errors["valid_from"] = [_("Enter the first day the card is valid.")]
    if not isinstance(valid_until, date):
        errors["valid_until"] = [_("Enter the last day the card is valid.")]
    if errors:
        raise Invalid(errors)
    shortest, longest = validity_years()
    residence = dossier.card.residence_valid_until
    today = _today()
    if not today <= valid_from <= today + timedelta(days=366):
        errors["valid_from"] = [
            _(
                "Enter a first day from %(earliest)s to %(latest)s.",
                earliest=format_date(today, "long"),
                latest=format_date(today + timedelta(days=366), "long"),
            )
        ]
    if residence is not None and valid_from > residence:
        errors.setdefault("valid_from", []).append(
            _(
                "The right of residence ends on %(date)s, before the first day of the card.",
                date=format_date(residence, "long"),
            )
        )
    if errors:
        raise Invalid(errors)
    if valid_until < valid_from:
        errors["valid_until"] = [_("The last day must be after the first day.")]
    elif valid_until > longest_until(valid_from, longest):
        errors["valid_until"] = [
            _(
                "A card is valid for at most %(years)s years: the last day can be %(date)s at the latest.",
                years=longest,
                date=format_date(longest_until(valid_from, longest), "long"),
            )
        ]
    elif residence is not None and valid_until > residence:
        errors["valid_until"] = [
            _(
                "The card cannot be valid beyond the right of residence, which ends on %(date)s.",
                date=format_date(residence, "long"),
            )
        ]
    elif valid_until < longest_until(valid_from, shortest) and valid_until != residence:
        errors["valid_until"] = [
            _(
                "A card is valid for at least %(years)s year(s): the last day can be %(date)s at the earliest.",
                years=shortest,
                date=format_date(longest_until(valid_from, shortest), "long"),
            )
        ]
    if errors:
        raise Invalid(errors)
    return valid_from, valid_until
