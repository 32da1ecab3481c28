"""Bounded input for the API: a JSON body read safely, and the checks of its text.

`read_json` refuses, each with the JSON error shape and before any of it reaches a
service: a body that is not declared as JSON (415), larger than `API_MAX_BODY_BYTES` (413,
from the declared Content-Length before anything is read, or while reading a stream),
not UTF-8, not JSON, nested deeper than `MAX_DEPTH`, with `NaN`/`Infinity`, numbers out of
range, duplicate keys or lone UTF-16 surrogates (400). The view then checks its own fields
(422) with `text_problem`.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from flask import current_app, request
from werkzeug.exceptions import RequestEntityTooLarge

from portal.api.errors import ApiError

DEFAULT_MAX_BODY_BYTES = 64 * 1024
#: Objects and arrays within objects and arrays: the API's bodies are flat objects.
MAX_DEPTH = 8
#: Integers up to 15 digits (what a double holds exactly); floats finite.
MAX_INT_DIGITS = 15
#: C0 controls except TAB, LF, CR; DEL; C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
#: Line breaks too, for single-line text.
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: Bidirectional embeddings, overrides and isolates: they make text read other than it is.
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")


class _Refused(ValueError):
    """A JSON value the API does not take; `message` says why."""


def max_body_bytes() -> int:
    return int(current_app.config.get("API_MAX_BODY_BYTES") or DEFAULT_MAX_BODY_BYTES)


def limit_request_body() -> None:
    """before_request of the API: no read of this request's body may exceed the limit."""
    request.max_content_length = max_body_bytes()


def _bad(message: str) -> ApiError:
    return ApiError(400, "invalid_json", message)


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number.")


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise _Refused(f"Integers have at most {MAX_INT_DIGITS} digits.")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused("Numbers must be finite.")
    return value


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        raise _Refused("An object has the same key twice.")
    return result


def _check_tree(value: Any) -> None:
    """Depth and text of a parsed value, walked without recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            items = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            items = node
        else:
            items = None
        if items is not None:
            if depth + 1 > MAX_DEPTH:
                raise _bad(f"The body is nested deeper than {MAX_DEPTH} levels.")
            stack.extend((item, depth + 1) for item in items)
        elif isinstance(node, str):
            try:
                node.encode("utf-8")
            except UnicodeEncodeError:
                raise _bad("The body holds a lone UTF-16 surrogate (\\ud800–\\udfff).") from None


def read_json() -> Any:
    """The request's JSON body, parsed within every bound; `ApiError` when refused."""
    if not request.is_json:
        raise ApiError(
            415,
            "unsupported_media_type",
            "Send the body as JSON (Content-Type: application/json).",
        )
    charset = request.mimetype_params.get("charset", "utf-8").lower()
    if charset not in ("utf-8", "utf8"):
        raise ApiError(415, "unsupported_media_type", "Send the body in UTF-8.")
    limit = max_body_bytes()
    too_large = ApiError(413, "payload_too_large", f"The body may hold at most {limit} bytes.")
    if request.content_length is not None and request.content_length > limit:
        raise too_large  # refused on the claim alone, before anything is read
    # One byte more than the limit: a stream without Content-Length stops there quietly.
    request.max_content_length = limit + 1
    try:
        raw = request.get_data(cache=True)
    except RequestEntityTooLarge:
        raise too_large from None
    if len(raw) > limit:
        raise too_large
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _bad("The body is not valid UTF-8.") from None
    if not text.strip():
        raise _bad("The body is empty; send a JSON object.")
    try:
        value = json.loads(
            text,
            parse_constant=_constant,
            parse_int=_integer,
            parse_float=_float,
            object_pairs_hook=_object,
        )
    except RecursionError:
        raise _bad(f"The body is nested deeper than {MAX_DEPTH} levels.") from None
    except _Refused as refused:
        raise _bad(str(refused)) from None
    except ValueError as error:  # json.JSONDecodeError, or a number int() will not take
        raise _bad(f"The body is not valid JSON: {_first_line(error)}") from None
    _check_tree(value)
    return value


def _first_line(error: ValueError) -> str:
    return str(error).splitlines()[0][:200] if str(error) else "syntax error"


def text_problem(value: str, *, max_length: int, single_line: bool = False) -> str | None:
    """Why `value` is not acceptable text, or None when it is."""
    if len(value) > max_length:
        return f"Give at most {max_length} characters."
    if (_CONTROL_OR_BREAK if single_line else _CONTROL).search(value):
        return "Control characters are not allowed."
    if _BIDI.search(value):
        return "Bidirectional control characters are not allowed."
    return None
