"""The exchange API (`/api/v1/`): JSON for the systems of other governments.

Each endpoint is declared with `api_key(scope, action)`: the caller sends
``Authorization: Bearer <key>``. The wrapper counts the call against the rate limit
(`API_RATE_LIMIT`: per key, or per address for calls without a known key) before anything
else, so that neither a wrong key nor a missing scope is a free call; then it
authenticates the key and checks the scope. Every refusal and error answers
``{"error": {"code", "message"[, "fields"]}}`` (`portal.api.errors`), every input is
bounded (`portal.api.body`).

Audit: every call that reaches its view is written to the audit trail, whatever its
answer (the rate limit bounds them). A call refused before its view (revoked key, missing
scope, over the limit) is written once per key, endpoint and refusal per
`REFUSAL_AUDIT_WINDOW`: a client that keeps knocking leaves one entry a minute, not one a
call, while the first refusal is always on record. The wrapper commits once: the change
and its audit entry on success; on a refusal it rolls back whatever the view began and
commits the audit entry alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import time
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, request, url_for
from flask_babel import force_locale
from limits import RateLimitItem, RateLimitItemPerMinute, parse_many
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import audit, clock, security, transactions
from portal.api import body as api_body
from portal.api import errors as api_errors
from portal.api import keys
from portal.api.errors import ApiError, dumps, json_response
from portal.api.models import IdempotencyRecord
from portal.api.openapi import document
from portal.dossiers.lifecycle import handling
from portal.dossiers.models import Dossier, DossierStatus, FederalDecision, Permit
from portal.errors import Invalid, NotFound
from portal.extensions import csrf, db, limiter

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # machines send a bearer key, never a session cookie
api_errors.register(bp)  # JSON errors, whatever goes wrong
bp.before_request(api_body.limit_request_body)

logger = logging.getLogger("portal.api")

DEFAULT_RATE_LIMIT = "120 per minute"
#: At most one audit entry per key, endpoint and refusal in this window.
REFUSAL_AUDIT_WINDOW = RateLimitItemPerMinute(1)
PER_PAGE = 100
MAX_PAGE = 1_000_000
MAX_REASON = 2000
#: A reference as the portal makes them (`SP-2026-7K3QX9-M`), loosely: anything else is 404.
_REFERENCE = re.compile(r"SP-[0-9]{4}-[0-9A-Z]{6}-[0-9A-Z]")
_IDEMPOTENCY_KEY = re.compile(r"[\x21-\x7e]{1,100}")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PAGE = re.compile(r"[0-9]{1,7}")
#: Decisions are recorded for files of this century; the status rules narrow it further.
EARLIEST_DAY, LATEST_DAY = date(1900, 1, 1), date(2100, 12, 31)


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return json_response(payload, status, headers)


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


def _hit(item: RateLimitItem, *identifiers: str) -> bool:
    """Count one hit; False when it is over the limit. A broken limit store lets calls through."""
    try:
        return limiter.limiter.hit(item, *identifiers)
    except Exception:  # the store (Redis) is down: serve rather than refuse every call
        logger.exception("The API rate limit store failed")
        return True


def _count_call(rate_key: str) -> ApiError | None:
    """Count the call against its budget; the 429 to answer when it is over."""
    if not (limiter.enabled and limiter.initialized):
        return None
    for item in parse_many(_rate_limit()):
        if not _hit(item, "api-v1", rate_key):
            try:
                reset = limiter.limiter.get_window_stats(item, "api-v1", rate_key).reset_time
            except Exception:
                reset = time.time() + item.get_expiry()
            return ApiError(
                429,
                "rate_limited",
                f"Too many requests: at most {_rate_limit()}.",
                headers={"Retry-After": str(max(1, int(reset - time.time()) + 1))},
            )
    return None


def _first_refusal_in_window(rate_key: str, action: str, status: int) -> bool:
    if not (limiter.enabled and limiter.initialized):
        return True
    return _hit(REFUSAL_AUDIT_WINDOW, "api-refusal-audit", rate_key, action, str(status))


def _finish(
    client: Any, rate_key: str, action: str, response: Response, *, refused_early: bool
) -> Response:
    """Settle the call: its change and audit entry (committed at the request's end), or, when
    refused, the audit entry alone (committed here)."""
    if response.status_code < 400:
        try:
            db.session.flush()
        except IntegrityError:  # the same Idempotency-Key, stored by a parallel request
            response = ApiError(
                409,
                "idempotency_key_in_use",
                "A request with this Idempotency-Key was processed at the same time. "
                "Repeat the request to get its answer.",
            ).response()
    if response.status_code >= 400:
        db.session.rollback()
        g.pop("outbox_queued", None)  # nothing of a refused call may leave the portal
    if client is not None and (
        not refused_early or _first_refusal_in_window(rate_key, action, response.status_code)
    ):
        audit.record(
            f"api:{action}",
            api_client_id=client.id,
            dossier_id=g.get("api_dossier_id"),
            detail=str(response.status_code),
        )
        if response.status_code >= 400:
            # The refusal is in the audit trail although the request's end rolls back.
            transactions.commit_now("a refused call's audit entry is kept")
    return response


def api_key(scope: str, action: str) -> Callable[[Callable], Callable]:
    """Declare and enforce an API endpoint: within the rate limit, a valid key with `scope`."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            g.api_dossier_id = None
            g.api_client = None
            header = request.headers.get("Authorization")
            client = keys.identify(header)
            rate_key = f"client:{client.key_prefix}" if client else f"ip:{request.remote_addr}"
            refused_early = True
            try:
                over_limit = _count_call(rate_key)
                if over_limit is not None:
                    raise over_limit
                if client is None or client.revoked_at is not None:
                    challenge = 'Bearer realm="api"' + (', error="invalid_token"' if header else "")
                    raise ApiError(
                        401,
                        "unauthorized",
                        "Send a valid, unrevoked API key as 'Authorization: Bearer <key>'.",
                        headers={"WWW-Authenticate": challenge},
                    )
                if scope not in client.scope_set:
                    raise ApiError(
                        403,
                        "insufficient_scope",
                        f"This key lacks the scope '{scope}'.",
                        headers={
                            "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{scope}"'
                        },
                    )
                g.api_client = client
                refused_early = False
                with force_locale("en"):
                    result = view(**kwargs)
                response = result if isinstance(result, Response) else _json(*result)
            except ApiError as error:
                response = error.response()
            except NotFound:
                response = _not_found().response()
            return _finish(client, rate_key, action, response, refused_early=refused_early)

        setattr(wrapper, security.ACCESS_ATTR, ("api", scope))
        # Every call is audited (`_finish`), reads included.
        return transactions.writes(wrapper)

    return decorator


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "No file has this reference.")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _dossier_json(dossier: Dossier) -> dict[str, Any]:
    """The handling state of a file: identifiers, statuses and dates, no personal data."""
    with force_locale("en"):
        title = dossier.status.title
    card = dossier.card if dossier.permit == Permit.PROFESSIONAL_CARD else None
    return {
        "reference": dossier.reference,
        "permit": dossier.permit.value,
        "status": dossier.status.value,
        "status_title_en": title,
        "submitted_at": dossier.submitted_at.isoformat() if dossier.submitted_at else None,
        "flemish_decision": dossier.flemish_decision,
        "flemish_decision_on": _iso(dossier.flemish_decision_on),
        "forwarded_on": _iso(dossier.forwarded_on),
        "federal_decision": dossier.federal_decision,
        "federal_decision_on": _iso(dossier.federal_decision_on),
        "deadline_on": _iso(dossier.deadline_on),
        "valid_from": _iso(card.valid_from) if card else None,
        "valid_until": _iso(card.valid_until) if card else None,
    }


def _find(reference: str) -> Dossier:
    """The submitted file with this reference; `NotFound` for anything else."""
    if not _REFERENCE.fullmatch(reference):
        raise NotFound  # never a query with a value no reference can have
    dossier = handling.find_by_reference(reference)
    if dossier.status == DossierStatus.DRAFT:
        raise NotFound
    g.api_dossier_id = dossier.id
    return dossier


@bp.get("/openapi.json")
@security.public
def openapi() -> Response:
    return _json(document())


@bp.get("/dossiers/<reference>")
@api_key(keys.DOSSIERS_READ, "dossier")
def dossier(reference: str):
    return _dossier_json(_find(reference)), 200


@bp.get("/forwarded")
@api_key(keys.FORWARDED_READ, "forwarded")
def forwarded():
    raw = request.args.get("page", "1")
    if not _PAGE.fullmatch(raw) or not 1 <= int(raw) <= MAX_PAGE:
        raise ApiError(
            422,
            "invalid_query",
            f"The page must be a whole number from 1 to {MAX_PAGE}.",
            fields={"page": [f"Give a whole number from 1 to {MAX_PAGE}."]},
        )
    page = int(raw)
    # A professional card never goes to DVZ; the filter says so once more.
    waiting = (Dossier.status == DossierStatus.FORWARDED) & (Dossier.permit == Permit.SINGLE_PERMIT)
    rows = db.session.execute(
        select(Dossier.reference, Dossier.forwarded_on, Dossier.category)
        .where(waiting)
        .order_by(Dossier.forwarded_on, Dossier.id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    ).all()
    more = len(rows) > PER_PAGE and page < MAX_PAGE
    return {
        "items": [
            {"reference": r.reference, "forwarded_on": _iso(r.forwarded_on), "category": r.category}
            for r in rows[:PER_PAGE]
        ],
        "page": page,
        "per_page": PER_PAGE,
        "total": db.session.scalar(select(func.count(Dossier.id)).where(waiting)),
        "next": url_for("api.forwarded", page=page + 1, _external=True) if more else None,
    }, 200


DECISION_FIELDS = ("decision", "decided_on", "reason")
#: Unknown fields named in a 422, at most, and the longest name shown.
MAX_UNKNOWN_LISTED, MAX_NAME_SHOWN = 10, 100


def _unknown_fields(data: dict[str, Any]) -> dict[str, list[str]]:
    """An error per unknown field; beyond a few, or for long names, one error for the body."""
    unknown = sorted(set(data) - set(DECISION_FIELDS))
    listed = [name for name in unknown if len(name) <= MAX_NAME_SHOWN][:MAX_UNKNOWN_LISTED]
    errors = {name: ["Unknown field."] for name in listed}
    if len(unknown) > len(listed):
        errors[""] = [
            f"The body has {len(unknown)} unknown fields; "
            "only decision, decided_on and reason exist."
        ]
    return errors


def _decided_on(raw_day: Any, dossier: Dossier) -> tuple[date | None, str | None]:
    """The day of the decision, or the error to show for `raw_day`."""
    day = None
    if isinstance(raw_day, str) and _ISO_DATE.fullmatch(raw_day):
        with contextlib.suppress(ValueError):  # 2026-02-30 looks right but is no date
            day = date.fromisoformat(raw_day)
    if day is None:
        return None, "Give the date of the decision as YYYY-MM-DD."
    if not EARLIEST_DAY <= day <= LATEST_DAY:
        return None, f"Give a date from {EARLIEST_DAY} to {LATEST_DAY}."
    if day > clock.today():
        return None, "The date of the decision cannot be in the future."
    if dossier.forwarded_on and day < dossier.forwarded_on:
        return None, "The decision cannot predate the forwarding of the file."
    return day, None


def _decision_fields(data: Any, dossier: Dossier) -> tuple[str, date, str | None]:
    """Validate the body of a residence decision; 422 with the errors of each field."""
    if not isinstance(data, dict):
        raise ApiError(
            422,
            "invalid_body",
            "Send a JSON object (Content-Type: application/json).",
            fields={"": ["The body must be a JSON object."]},
        )
    errors = _unknown_fields(data)
    decision = data.get("decision")
    if not isinstance(decision, str) or decision not in handling.RESIDENCE:
        errors["decision"] = [f"Give {' or '.join(map(repr, FederalDecision.values()))}."]
    decided_on, problem = _decided_on(data.get("decided_on"), dossier)
    if problem:
        errors["decided_on"] = [problem]
    reason = data.get("reason")
    if reason is not None:
        problem = (
            api_body.text_problem(reason, max_length=MAX_REASON)
            if isinstance(reason, str)
            else f"Give the reason as text of at most {MAX_REASON} characters."
        )
        if problem:
            errors["reason"] = [problem]
    if errors:
        raise ApiError(422, "invalid_body", "The body has errors; see the fields.", fields=errors)
    return decision, decided_on, (reason or "").strip() or None


def _idempotency_key() -> str:
    key = request.headers.get("Idempotency-Key")
    if not key:
        raise ApiError(
            400,
            "idempotency_key_missing",
            "Send an Idempotency-Key header: "
            "a unique value per decision, repeated when you retry it.",
        )
    if not _IDEMPOTENCY_KEY.fullmatch(key):
        raise ApiError(
            400,
            "idempotency_key_invalid",
            "The Idempotency-Key must be 1 to 100 visible ASCII characters.",
        )
    return key


@bp.post("/dossiers/<reference>/residence-decision")
@api_key(keys.DECISIONS_WRITE, "residence-decision")
def residence_decision(reference: str):
    client = g.api_client
    if not _REFERENCE.fullmatch(reference):
        raise NotFound
    key = _idempotency_key()
    data = api_body.read_json()
    fingerprint = hashlib.sha256(f"{reference}\n{dumps(data)}".encode()).hexdigest()
    stored = db.session.scalar(
        select(IdempotencyRecord).where(
            IdempotencyRecord.api_client_id == client.id, IdempotencyRecord.key == key
        )
    )
    if stored is not None:
        if stored.request_hash != fingerprint:
            raise ApiError(
                409,
                "idempotency_key_reused",
                "This Idempotency-Key was used for a different request.",
            )
        g.api_dossier_id = db.session.scalar(
            select(Dossier.id).where(Dossier.reference == reference)
        )
        replay = Response(stored.body, status=stored.status_code, mimetype="application/json")
        replay.headers.update({"Idempotent-Replayed": "true", "Cache-Control": "no-store"})
        return replay
    dossier = _find(reference)
    db.session.refresh(dossier, with_for_update=True)  # one decision at a time per file
    decision, decided_on, reason = _decision_fields(data, dossier)
    try:
        handling.record_residence(
            dossier, decision, api_client_id=client.id, reason=reason, decided_on=decided_on
        )
    except Invalid as error:
        raise ApiError(
            409,
            "status_conflict",
            str(error)
            or f"The file cannot get this decision in its status '{dossier.status.value}'.",
        ) from error
    response = _json(_dossier_json(dossier), 200)
    db.session.add(
        IdempotencyRecord(
            api_client_id=client.id,
            key=key,
            request_hash=fingerprint,
            status_code=response.status_code,
            body=response.get_data(as_text=True),
        )
    )
    return response
