"""Logs: one line per request and per job, as JSON in production, with the request id.

`LOG_FORMAT=json` (the default when PORTAL_ENV=production) writes one JSON object per
line (python-json-logger) to standard error: `time` (UTC, ISO 8601), `level`, `logger`,
`message`, `request_id`, and, for the line each request ends with (logger
`portal.requests`), `method`, `path`, `endpoint`, `status`, `duration_ms` and `user_id`.
`LOG_FORMAT=text` (the default in development) writes the same as plain lines.

What is logged about a request is chosen so that no secret or personal data gets in:
`path` is the route's pattern (`/accounts/reset/<token>`, never the token), the query
string is left out, and the user is named by id only. No form field, header or body is
ever logged.

The request id (`portal.errors.request_id()`: a sane incoming X-Request-ID, else a new
one) travels into the jobs a request queues: every outbox item stores it (`Claimable.
request_id`, filled by `current_request_id()`), and while the worker processes the item
`job_context()` makes it the id of every log line, and of any item that job queues in turn.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import sys
import time
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from pythonjsonlogger.json import JsonFormatter
from sqlalchemy import inspect as sa_inspect

REQUESTS = "portal.requests"
JOBS = "portal.jobs"
_HANDLER_MARK = "_portal_log_handler"
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# The id the current job was queued under (outside any request).
_job_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "portal_job_request_id", default=None
)


def current_request_id() -> str | None:
    """The id of the request being served, else of the job being processed, else None."""
    if has_request_context():
        from portal.errors import request_id

        return request_id()
    return _job_request_id.get()


@contextlib.contextmanager
def job_context(request_id: str | None):
    """Run a job under the id of the request that queued it (logs and items it queues)."""
    token = _job_request_id.set(request_id)
    try:
        yield
    finally:
        _job_request_id.reset(token)


class RequestIdFilter(logging.Filter):
    """Puts `request_id` on every record that passes the handler."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            try:
                record.request_id = current_request_id()
            except Exception:  # noqa: BLE001 - a log line must never fail for its id
                record.request_id = None
        return True


class _UtcJsonFormatter(JsonFormatter):
    def formatTime(self, record, datefmt=None):  # noqa: N802 - logging's name
        return datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds")


def json_formatter() -> logging.Formatter:
    return _UtcJsonFormatter(
        "{asctime}{levelname}{name}{message}{request_id}",
        style="{",
        rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
        json_ensure_ascii=False,
    )


def text_formatter() -> logging.Formatter:
    return logging.Formatter(TEXT_FORMAT)


def make_handler(fmt: str, stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(json_formatter() if fmt == "json" else text_formatter())
    handler.addFilter(RequestIdFilter())
    setattr(handler, _HANDLER_MARK, True)
    return handler


def configure(app: Flask) -> None:
    """Install the one log handler on the root logger (again on each app: idempotent)."""
    fmt = str(app.config.get("LOG_FORMAT") or "text").lower()
    if fmt not in {"json", "text"}:
        fmt = "text"
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, _HANDLER_MARK, False):
            root.removeHandler(handler)
    root.addHandler(make_handler(fmt))
    level = logging.getLevelName(str(app.config.get("LOG_LEVEL") or "INFO").upper())
    if isinstance(level, int):
        for name in ("portal", "onboarding", "alembic"):
            logging.getLogger(name).setLevel(level)
    # Flask's own handler on app.logger would print every app message a second time.
    from flask.logging import default_handler

    app.logger.removeHandler(default_handler)


def register(app: Flask) -> None:
    """Configure logging and log one line at the end of every request."""
    configure(app)
    log = logging.getLogger(REQUESTS)

    @app.before_request
    def _start_clock() -> None:
        g.request_started = time.perf_counter()

    def _log_request(response):
        # The request and g once each: every name read through Flask's proxies costs a
        # context lookup, and this runs on every response.
        req = request._get_current_object()
        ctx_g = g._get_current_object()
        started = ctx_g.get("request_started")
        duration = round((time.perf_counter() - started) * 1000, 1) if started else None
        rule = req.url_rule
        log.info(
            "%s %s %s",
            req.method,
            rule.rule if rule is not None else "(no route)",
            response.status_code,
            extra={
                "method": req.method,
                # The route's pattern: never a token, reference or name from the URL.
                "path": rule.rule if rule is not None else None,
                "endpoint": req.endpoint,
                "status": response.status_code,
                "duration_ms": duration,
                "user_id": _user_id(ctx_g),
            },
        )
        return response

    # After-request functions run in reverse order of registration: put this one first in
    # the list so that it runs last, and its duration includes the others (mail sent
    # after the request, for one).
    app.after_request_funcs.setdefault(None, []).insert(0, _log_request)


def _user_id(ctx_g=None) -> int | None:
    """The logged-in user's id, if this request loaded the user (no query of its own)."""
    user = (ctx_g if ctx_g is not None else g).get("_login_user")
    if user is None or getattr(user, "is_anonymous", True):
        return None
    # The id from the identity map: after the request's commit the user's columns are
    # expired, and reading `user.id` would reload the user (a transaction of its own).
    state = sa_inspect(user, raiseerr=False)
    if state is not None and state.identity:
        return state.identity[0]
    return getattr(user, "id", None)
