"""The API's one error shape, ``{"error": {"code", "message"[, "fields"][, "request_id"]}}``.

Everything under ``/api/`` answers in this shape, whatever went wrong: a refusal raised as
`ApiError`, an HTTP error (404, 405, 413, …), a CSRF or domain error, or an unexpected
exception (a JSON 500 that carries a request id, after the session is rolled back). The
API blueprint registers the handlers with `register`; `portal.errors` sends the requests
that never reached the blueprint (unknown URLs, wrong methods) through `http_error_response`.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.errors import DomainError, Invalid, NotAllowed, NotFound

logger = logging.getLogger("portal.api")

#: The code and message of each HTTP error, in English like the rest of the API.
_MESSAGES = {
    400: ("bad_request", "The request could not be understood."),
    401: ("unauthorized", "Send a valid, unrevoked API key as 'Authorization: Bearer <key>'."),
    403: ("forbidden", "This request is not allowed."),
    404: ("not_found", "There is nothing at this address."),
    405: ("method_not_allowed", "This address does not answer to this method."),
    406: ("not_acceptable", "The API answers in JSON only."),
    413: ("payload_too_large", "The body is too large."),
    415: ("unsupported_media_type", "Send the body as JSON (Content-Type: application/json)."),
    429: ("rate_limited", "Too many requests; retry later."),
    500: ("internal_error", "Something went wrong on our side; nothing was changed."),
}
#: Headers of an HTTP error that a client needs (the allowed methods, when to retry).
_KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


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
        return json_response({"error": error}, self.status, self.headers)


def dumps(payload: Any) -> str:
    return json.dumps(payload, sort_keys=True, ensure_ascii=False)


def json_response(
    payload: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    response = Response(dumps(payload), status=status, mimetype="application/json")
    response.headers.update(headers or {})
    response.headers["Cache-Control"] = "no-store"
    return response


def http_error_response(error: HTTPException) -> Response | HTTPException:
    """An HTTP error (raised by Werkzeug, Flask or a view) in the API's shape."""
    status = error.code or 500
    if status < 400:  # a redirect, say: it is no error
        return error
    if status >= 500:
        return server_error_response(error)
    code, message = _MESSAGES.get(status, (None, None))
    if code is None:
        code = (error.name or "error").lower().replace(" ", "_")
        message = error.name or "Error"
    headers = {
        name: value for name, value in error.get_headers() if name in _KEPT_HEADERS and value
    }
    return ApiError(status, code, message, headers=headers).response()


def request_id() -> str:
    """The request's id, as the portal's error pages and logs know it."""
    from portal.errors import request_id as portal_request_id

    return portal_request_id()


def server_error_response(error: BaseException | None = None) -> Response:
    """A JSON 500: roll the session back, log the error with a request id, show the id."""
    from portal.extensions import db  # late: portal.errors imports this module

    try:
        db.session.rollback()
    except Exception:  # the connection itself may be gone; the answer must still go out
        logger.exception("Rolling back after an API error failed")
    rid = request_id()
    original = getattr(error, "original_exception", None) or error
    logger.error(
        "API error %s on %s %s",
        rid,
        request.method,
        request.path,
        exc_info=original if isinstance(original, BaseException) else None,
    )
    code, message = _MESSAGES[500]
    body = {"error": {"code": code, "message": message, "request_id": rid}}
    return json_response(body, 500, {"X-Request-Id": rid})


class JsonErrors:
    """What `portal.errors` calls for requests under the API's prefix (outside its routes)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix

    def error(self, status: int, code: str, message: str) -> Response:
        return ApiError(status, code, message).response()

    def http_error(self, error: HTTPException) -> Response:
        return http_error_response(error)

    def server_error(self, error: BaseException | None) -> Response:
        return server_error_response(error)


def register(bp: Blueprint) -> None:
    """Make every error of a request routed to `bp` answer in the API's JSON shape.

    Flask looks for a handler by the exception's class first and the blueprint second, so
    the blueprint registers the very classes the application handles (CSRF, domain errors,
    500) as well as the general ones; its handlers then win for API requests.
    """
    bp.register_error_handler(ApiError, lambda error: error.response())
    bp.register_error_handler(HTTPException, http_error_response)
    bp.register_error_handler(CSRFError, http_error_response)
    bp.register_error_handler(InternalServerError, server_error_response)

    def domain_error(error: DomainError) -> Response:
        code, message = _MESSAGES.get(error.status, _MESSAGES[400])
        return ApiError(error.status, code, message).response()

    for domain_class in (DomainError, NotFound, NotAllowed, Invalid):
        bp.register_error_handler(domain_class, domain_error)
    bp.register_error_handler(Exception, server_error_response)
    bp.record_once(
        lambda state: state.app.extensions.setdefault("json_errors", JsonErrors("/api/"))
    )
