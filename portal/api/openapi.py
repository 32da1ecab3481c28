"""The OpenAPI 3.1 document of the exchange API, written by hand, served at /api/v1/openapi.json.

Keep it in step with `portal.api.views`: a test compares its paths and methods with the
URL map, and resolves every ``$ref``. The enums (statuses, decisions) are read from the
model's enums (`DossierStatus`, `FlemishDecision`, `FederalDecision`), so a new status is
documented the moment it exists; a test checks the document against them.
"""

from __future__ import annotations

from copy import deepcopy
from typing import Any

from portal.dossiers.models import DossierStatus, FederalDecision, FlemishDecision, Permit


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
    413: "PayloadTooLarge",
    415: "UnsupportedMediaType",
    422: "Unprocessable",
    429: "TooManyRequests",
    500: "InternalError",
}
#: Every operation behind a key can answer these.
_KEYED = (401, 403, 429, 500)

#: Statuses a file has once it has a reference (a draft has none), read from the model.
DOSSIER_STATUSES = [status.value for status in DossierStatus if status != DossierStatus.DRAFT]
#: The outcome vocabularies, read from their enums (the values stored and exchanged).
FLEMISH_DECISIONS = FlemishDecision.values()
FEDERAL_DECISIONS = FederalDecision.values()
EXAMPLE_REFERENCE = "SP-2026-7K3QX9-M"
#: Text without C0/C1 control characters (TAB, LF and CR aside) or bidirectional controls.
TEXT_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f\\u202a-\\u202e\\u2066-\\u2069]*$"

_REFERENCE = {
    "name": "reference",
    "in": "path",
    "required": True,
    "description": "The file's reference, as on the receipt, e.g. SP-2026-7K3QX9-M. "
    "Anything not shaped like a reference is 404.",
    "schema": {
        "type": "string",
        "minLength": 16,
        "maxLength": 16,
        "pattern": "^SP-[0-9]{4}-[0-9A-Z]{6}-[0-9A-Z]$",
        "examples": [EXAMPLE_REFERENCE],
    },
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
            "Responses carry no personal data.\n\n"
            "Every input is bounded: bodies are JSON objects (`Content-Type: application/json`, "
            "UTF-8) of at most 64 KiB, nested at most 8 deep, without `NaN`/`Infinity`, "
            "duplicate keys or lone surrogates; unknown body fields are refused with 422, "
            "unknown query parameters are ignored. Every error, whatever its status, is the "
            "`Error` document; a 500 carries a `request_id` to quote to the helpdesk. A call "
            "refused for its key or scope counts against the rate limit like any other."
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
                    **_errors(*_KEYED, 404),
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
                        "schema": {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": 1_000_000,
                            "default": 1,
                        },
                    }
                ],
                "responses": {
                    "200": {
                        "description": "One page of forwarded files.",
                        "content": {
                            "application/json": {"schema": _ref("schemas", "ForwardedPage")}
                        },
                    },
                    **_errors(*_KEYED, 422),
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
                    **_errors(*_KEYED, 400, 404, 409, 413, 415, 422),
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
                    },
                    **_errors(500),
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
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 100,
                    "pattern": "^[!-~]{1,100}$",
                },
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
                            "request_id": {
                                "type": "string",
                                "description": "On a 500: the id under which the error is "
                                "logged; quote it when you report the error.",
                            },
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
                    "permit": {
                        "type": "string",
                        "enum": Permit.values(),
                        "description": "The kind of file: a single permit or a professional card.",
                    },
                    "status": {"type": "string", "enum": DOSSIER_STATUSES},
                    "status_title_en": {"type": "string"},
                    "submitted_at": {"type": ["string", "null"], "format": "date-time"},
                    "flemish_decision": {
                        "type": ["string", "null"],
                        "enum": [*FLEMISH_DECISIONS, None],
                    },
                    "flemish_decision_on": _date("The day Flanders decided."),
                    "forwarded_on": _date("The day the file went to the Immigration Office."),
                    "federal_decision": {
                        "type": ["string", "null"],
                        "enum": [*FEDERAL_DECISIONS, None],
                    },
                    "federal_decision_on": _date("The day the Immigration Office decided."),
                    "deadline_on": _date("The legal deadline while Flanders decides."),
                    "valid_from": _date(
                        "A granted professional card: the first day it is valid (null otherwise)."
                    ),
                    "valid_until": _date(
                        "A granted professional card: the last day it is valid (1 to 3 years, never beyond the right of residence; null otherwise)."
                    ),
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
                    "decision": {"type": "string", "enum": FEDERAL_DECISIONS},
                    "decided_on": {
                        "type": "string",
                        "format": "date",
                        "description": "The day of the decision: not in the future, "
                        "not before the forwarding (else 422).",
                    },
                    "reason": {
                        "type": "string",
                        "maxLength": 2000,
                        "pattern": TEXT_PATTERN,
                        "description": "Free text; line breaks and tabs allowed, other "
                        "control characters not.",
                    },
                },
            },
        },
        "responses": {
            "BadRequest": _error_response(
                "The Idempotency-Key header is missing or invalid, or the body is not valid "
                "JSON within the bounds (UTF-8, nesting, finite numbers, no duplicate keys)."
            ),
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
            "PayloadTooLarge": _error_response("The body is larger than 64 KiB."),
            "UnsupportedMediaType": _error_response(
                "The body is not declared as UTF-8 JSON (`Content-Type: application/json`)."
            ),
            "Unprocessable": _error_response("The body or query is invalid; see `fields`."),
            "TooManyRequests": _error_response(
                "The key's rate limit is reached; retry after the given number of seconds.",
                {"Retry-After": {"schema": {"type": "integer"}}},
            ),
            "InternalError": _error_response(
                "An unexpected error; nothing was changed. The `request_id` identifies it in "
                "the portal's log."
            ),
        },
    },
}


def document() -> dict[str, Any]:
    """A fresh copy of the document (callers may not change the original)."""
    return deepcopy(_DOCUMENT)
