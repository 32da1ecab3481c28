"""The OpenAPI 3.1 document of the exchange API, written by hand, served at /api/v1/openapi.json.

Keep it in step with `portal.api.views`: a test compares its paths and methods with the
URL map, and resolves every ``$ref``.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _date(description: str) -> dict[str, Any]:
    return {"type": ["string", "null"], "format": "date", "description": description}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(code): _ref("responses", ERROR_RESPONSES[code]) for code in codes}


ERROR_RESPONSES = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    409: "Conflict",
    422: "Unprocessable",
    429: "TooManyRequests",
}

_REFERENCE = {
    "name": "reference",
    "in": "path",
    "required": True,
    "description": "The file's reference, as on the receipt, e.g. SP-2026-7K3QX9-M.",
    "schema": {"type": "string", "maxLength": 20},
}


def _error_response(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": _ref("schemas", "Error")}},
    }
    if headers:
        response["headers"] = headers
    return response


_DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "Single Permit Portal – exchange API",
        "version": "1.0.0",
        "description": (
            "For the systems of other governments (the federal Immigration Office, DVZ): "
            "read the handling state of a single-permit file, list the files forwarded to "
            "DVZ, and record DVZ's residence decision. Every call needs an API key with the "
            "right scope, sent as `Authorization: Bearer <key>`; an administrator of the "
            "portal issues keys. Calls are rate limited per key and written to the audit trail. "
            "Responses carry no personal data."
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"apiKey": []}],
    "tags": [{"name": "dossiers"}, {"name": "decisions"}, {"name": "meta"}],
    "paths": {
        "/dossiers/{reference}": {
            "get": {
                "operationId": "getDossier",
                "tags": ["dossiers"],
                "summary": "The handling state of one file",
                "description": "Scope `dossiers:read`.",
                "parameters": [_REFERENCE],
                "responses": {
                    "200": {
                        "description": "The file's statuses and handling dates.",
                        "content": {"application/json": {"schema": _ref("schemas", "Dossier")}},
                    },
                    **_errors(401, 403, 404, 429),
                },
            }
        },
        "/forwarded": {
            "get": {
                "operationId": "listForwarded",
                "tags": ["dossiers"],
                "summary": "Files forwarded to the Immigration Office, awaiting its decision",
                "description": "Scope `forwarded:read`. Oldest forwarding first, 100 per page; "
                "follow `next` until it is null.",
                "parameters": [
                    {
                        "name": "page",
                        "in": "query",
                        "required": False,
                        "schema": {"type": "integer", "minimum": 1, "default": 1},
                    }
                ],
                "responses": {
                    "200": {
                        "description": "One page of forwarded files.",
                        "content": {
                            "application/json": {"schema": _ref("schemas", "ForwardedPage")}
                        },
                    },
                    **_errors(401, 403, 422, 429),
                },
            }
        },
        "/dossiers/{reference}/residence-decision": {
            "post": {
                "operationId": "recordResidenceDecision",
                "tags": ["decisions"],
                "summary": "Record the Immigration Office's residence decision",
                "description": (
                    "Scope `decisions:write`. Only a file with status `forwarded` can get a "
                    "decision. Send a unique `Idempotency-Key` per decision: repeating a request "
                    "with the same key and body returns the first answer (with the header "
                    "`Idempotent-Replayed: true`) without recording the decision twice; the "
                    "same key with another body is refused with 409."
                ),
                "parameters": [_REFERENCE, _ref("parameters", "IdempotencyKey")],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {"schema": _ref("schemas", "ResidenceDecision")}
                    },
                },
                "responses": {
                    "200": {
                        "description": "Recorded (or replayed); the file's new state.",
                        "headers": {
                            "Idempotent-Replayed": {
                                "description": "`true` when this is the stored first answer.",
                                "schema": {"type": "string", "enum": ["true"]},
                            }
                        },
                        "content": {"application/json": {"schema": _ref("schemas", "Dossier")}},
                    },
                    **_errors(400, 401, 403, 404, 409, 422, 429),
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "getOpenApi",
                "tags": ["meta"],
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The OpenAPI 3.1 document.",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "apiKey": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "<8-character prefix>.<secret>",
                "description": "An API key issued by a portal administrator, with scopes "
                "`dossiers:read`, `forwarded:read` and/or `decisions:write`.",
            }
        },
        "parameters": {
            "IdempotencyKey": {
                "name": "Idempotency-Key",
                "in": "header",
                "required": True,
                "description": "A unique value per decision (a UUID, say), repeated on retry.",
                "schema": {"type": "string", "minLength": 1, "maxLength": 100},
            }
        },
        "schemas": {
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {
                    "error": {
                        "type": "object",
                        "required": ["code", "message"],
                        "properties": {
                            "code": {
                                "type": "string",
                                "examples": ["unauthorized", "status_conflict"],
                            },
                            "message": {"type": "string"},
                            "fields": {
                                "type": "object",
                                "description": "Per field, its errors (422); '' is the body.",
                                "additionalProperties": {
                                    "type": "array",
                                    "items": {"type": "string"},
                                },
                            },
                        },
                    }
                },
            },
            "Dossier": {
                "type": "object",
                "required": ["reference", "status", "status_title_en"],
                "properties": {
                    "reference": {"type": "string"},
                    "status": {
                        "type": "string",
                        "enum": [
                            "submitted",
                            "info_requested",
                            "work_authorised",
                            "forwarded",
                            "residence_granted",
                            "residence_refused",
                            "inadmissible",
                            "work_refused",
                            "withdrawn",
                        ],
                    },
                    "status_title_en": {"type": "string"},
                    "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                    "flemish_decision": {
                        "type": ["string", "null"],
                        "enum": ["authorised", "inadmissible", "refused", None],
                    },
                    "flemish_decision_on": _date("The day Flanders decided."),
                    "forwarded_on": _date("The day the file went to the Immigration Office."),
                    "federal_decision": {
                        "type": ["string", "null"],
                        "enum": ["granted", "refused", None],
                    },
                    "federal_decision_on": _date("The day the Immigration Office decided."),
                    "deadline_on": _date("The legal deadline while Flanders decides."),
                },
            },
            "ForwardedPage": {
                "type": "object",
                "required": ["items", "page", "per_page", "total", "next"],
                "properties": {
                    "items": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["reference", "forwarded_on", "category"],
                            "properties": {
                                "reference": {"type": "string"},
                                "forwarded_on": _date("The day of forwarding."),
                                "category": {"type": ["string", "null"]},
                            },
                        },
                    },
                    "page": {"type": "integer", "minimum": 1},
                    "per_page": {"type": "integer", "const": 100},
                    "total": {"type": "integer", "minimum": 0},
                    "next": {"type": ["string", "null"], "format": "uri"},
                },
            },
            "ResidenceDecision": {
                "type": "object",
                "required": ["decision", "decided_on"],
                "additionalProperties": False,
                "properties": {
                    "decision": {"type": "string", "enum": ["granted", "refused"]},
                    "decided_on": {
                        "type": "string",
                        "format": "date",
                        "description": "The day of the decision: not in the future, "
                        "not before the forwarding.",
                    },
                    "reason": {"type": "string", "maxLength": 2000},
                },
            },
        },
        "responses": {
            "BadRequest": _error_response("The Idempotency-Key header is missing or invalid."),
            "Unauthorized": _error_response(
                "The API key is missing, wrong or revoked.",
                {"WWW-Authenticate": {"schema": {"type": "string"}, "description": "Bearer"}},
            ),
            "Forbidden": _error_response("The API key lacks the scope of this endpoint."),
            "NotFound": _error_response("No file has this reference."),
            "Conflict": _error_response(
                "The decision conflicts with the file's status (it is not forwarded), or the "
                "Idempotency-Key was used for a different request."
            ),
            "Unprocessable": _error_response("The body or query is invalid; see `fields`."),
            "TooManyRequests": _error_response(
                "The key's rate limit is reached; retry after the given number of seconds.",
                {"Retry-After": {"schema": {"type": "integer"}}},
            ),
        },
    },
}


def document() -> dict[str, Any]:
    """A fresh copy of the document (callers may not change the original)."""
    return deepcopy(_DOCUMENT)
