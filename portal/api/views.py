"""The exchange API (`/api/v1/`): JSON for the systems of other governments.

Each endpoint is declared with `api_key(scope, action)`: the caller sends
``Authorization: Bearer <key>``; the wrapper authenticates the key, checks the scope,
applies the client's rate limit (`API_RATE_LIMIT`, keyed by the key prefix), turns every
refusal into ``{"error": {"code", "message"[, "fields"]}}`` and writes the call to the
audit trail. It commits once: the change and its audit entry on success; on a refusal
it rolls back whatever the view began and commits the audit entry alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any

from flask import Blueprint, Response, current_app, g, request, url_for
from flask_babel import force_locale
from flask_limiter import RateLimitExceeded
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from portal import security
from portal.api import keys
from portal.api.openapi import document
from portal.applications.models import Dossier, DossierStatus
from portal.db import utcnow
from portal.errors import Invalid, NotFound
from portal.extensions import csrf, db, limiter
from portal.tracking import audit, deadlines, handling
from portal.tracking.models import IdempotencyRecord

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # machines send a bearer key, never a session cookie

DEFAULT_RATE_LIMIT = "120 per minute"
PER_PAGE = 100
MAX_REASON = 2000
_IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,100}$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ApiError(Exception):
    """A refusal, rendered as the JSON error document with its HTTP status."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.fields, self.headers = fields, headers or {}

    def response(self) -> Response:
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.fields:
            error["fields"] = self.fields
        return _json({"error": error}, self.status, self.headers)


def _dumps(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False)


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(_dumps(payload), status=status, mimetype="application/json")
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or DEFAULT_RATE_LIMIT


def _rate_key() -> str:
    client = g.get("api_client")
    return f"client:{client.key_prefix}" if client else f"ip:{request.remote_addr}"


# One budget per client, shared by every endpoint.
_limited = limiter.shared_limit(_rate_limit, scope="api-v1", key_func=_rate_key)


def _retry_after() -> dict[str, str]:
    current = limiter.current_limit
    if current is None:
        return {}
    return {"Retry-After": str(max(1, current.reset_at - int(utcnow().timestamp())))}


def _finish(client_id: int | None, action: str, response: Response) -> Response:
    """Commit the call: its change and audit entry, or, when refused, the audit entry alone."""
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
    if client_id is not None:
        audit.record(
            f"api:{action}",
            api_client_id=client_id,
            dossier_id=g.get("api_dossier_id"),
            detail=str(response.status_code),
        )
    db.session.commit()
    return response


def api_key(scope: str, action: str) -> Callable[[Callable], Callable]:
    """Declare and enforce an API endpoint: a valid key with `scope`, within the rate limit."""

    def decorator(view: Callable) -> Callable:
        limited = _limited(view)

        @wraps(view)
        def wrapper(**kwargs: Any) -> Response:
            g.api_dossier_id = None
            header = request.headers.get("Authorization")
            client = keys.identify(header)
            client_id = client.id if client else None
            try:
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
                with force_locale("en"):
                    result = limited(**kwargs)
                response = result if isinstance(result, Response) else _json(*result)
            except ApiError as error:
                response = error.response()
            except NotFound:
                response = _not_found().response()
            except RateLimitExceeded:
                response = ApiError(
                    429,
                    "rate_limited",
                    f"Too many requests: at most {_rate_limit()}.",
                    headers=_retry_after(),
                ).response()
            return _finish(client_id, action, response)

        setattr(wrapper, security.ACCESS_ATTR, ("api", scope))
        return wrapper

    return decorator


def _not_found() -> ApiError:
    return ApiError(404, "not_found", "No file has this reference.")


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _dossier_json(dossier: Dossier) -> dict[str, Any]:
    """The handling state of a file: identifiers, statuses and dates, no personal data."""
    with force_locale("en"):
        title = dossier.status.title
    return {
        "reference": dossier.reference,
        "status": dossier.status.value,
        "status_title_en": title,
        "submitted_at": dossier.submitted_at.isoformat() if dossier.submitted_at else None,
        "flemish_decision": dossier.flemish_decision,
        "flemish_decision_on": _iso(dossier.flemish_decision_on),
        "forwarded_on": _iso(dossier.forwarded_on),
        "federal_decision": dossier.federal_decision,
        "federal_decision_on": _iso(dossier.federal_decision_on),
        "deadline_on": _iso(dossier.deadline_on),
    }


def _find(reference: str) -> Dossier:
    dossier = handling.find_by_reference(reference)
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
    if not raw.isdigit() or not 1 <= int(raw) <= 1_000_000:
        raise ApiError(
            422,
            "invalid_query",
            "The page must be a whole number from 1.",
            fields={"page": ["Give a whole number from 1."]},
        )
    page = int(raw)
    waiting = Dossier.status == DossierStatus.FORWARDED
    rows = db.session.execute(
        select(Dossier.reference, Dossier.forwarded_on, Dossier.category)
        .where(waiting)
        .order_by(Dossier.forwarded_on, Dossier.id)
        .offset((page - 1) * PER_PAGE)
        .limit(PER_PAGE + 1)
    ).all()
    more = len(rows) > PER_PAGE
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


def _decision_fields(data: Any, dossier: Dossier) -> tuple[str, date, str | None]:
    """Validate the body of a residence decision; 422 with the errors of each field."""
    if not isinstance(data, dict):
        raise ApiError(
            422,
            "invalid_body",
            "Send a JSON object (Content-Type: application/json).",
            fields={"": ["The body must be a JSON object."]},
        )
    errors: dict[str, list[str]] = {
        name: ["Unknown field."]
        for name in sorted(set(data) - {"decision", "decided_on", "reason"})
    }
    decision = data.get("decision")
    if not isinstance(decision, str) or decision not in handling.RESIDENCE:
        errors["decision"] = ["Give 'granted' or 'refused'."]
    raw_day, decided_on = data.get("decided_on"), None
    if isinstance(raw_day, str) and _ISO_DATE.match(raw_day):
        with contextlib.suppress(ValueError):  # 2026-02-30 looks right but is no date
            decided_on = date.fromisoformat(raw_day)
    if decided_on is None:
        errors["decided_on"] = ["Give the date of the decision as YYYY-MM-DD."]
    elif decided_on > deadlines.local_day(utcnow()):
        errors["decided_on"] = ["The date of the decision cannot be in the future."]
    elif dossier.forwarded_on and decided_on < dossier.forwarded_on:
        errors["decided_on"] = ["The decision cannot predate the forwarding of the file."]
    reason = data.get("reason")
    if reason is not None and (not isinstance(reason, str) or len(reason) > MAX_REASON):
        errors["reason"] = [f"Give the reason as text of at most {MAX_REASON} characters."]
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
    if not _IDEMPOTENCY_KEY.match(key):
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
    key = _idempotency_key()
    data = request.get_json(silent=True)
    body = _dumps(data) if data is not None else request.get_data(as_text=True)
    fingerprint = hashlib.sha256(f"{reference}\n{body}".encode()).hexdigest()
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
