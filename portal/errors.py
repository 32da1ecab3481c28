"""Domain exceptions and the translated error pages they turn into."""

from __future__ import annotations

import logging
import re
import uuid

from flask import Flask, Response, current_app, g, has_request_context, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal import transactions
from portal.i18n import _l

log = logging.getLogger(__name__)


class DomainError(Exception):
    """Base for errors that services raise and views turn into responses."""

    status = 400


class NotFound(DomainError):
    status = 404


class NotAllowed(DomainError):
    status = 403


class Invalid(DomainError):
    """Bad input: `errors` maps a field name to its translated messages."""

    status = 400

    def __init__(self, errors: dict[str, list[str]] | str):
        if isinstance(errors, str):
            errors = {"": [errors]}
        self.errors = errors
        super().__init__("; ".join(str(m) for ms in errors.values() for m in ms))


TITLES = {
    400: _l("The request could not be understood"),
    403: _l("You do not have access to this page"),
    404: _l("Page not found"),
    413: _l("The file is too large"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
}
EXPLANATIONS = {
    400: _l("Go back, check what you entered and try again."),
    403: _l("Log in with an account that has access, or go back to the start page."),
    404: _l("Check the address, or go back to the start page."),
    413: _l("Go back and choose a smaller file."),
    429: _l("Wait a few minutes before you try again."),
    500: _l(
        "Your data is safe. Try again in a few minutes; "
        "if it keeps happening, contact the helpdesk."
    ),
}


# An incoming X-Request-ID is kept only when it is this plain (a proxy's id); anything
# else (too long, spaces, CR/LF, quotes) is replaced by our own.
REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{7,63}")
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'"
    ),
}
# The page of last resort: no template, no translation, no database. It says the same
# in the four languages, so it needs no locale.
STATIC_PAGE = """<!doctype html>
<html lang="nl"><head><meta charset="utf-8"><title>Error {status}</title></head>
<body><main>
<h1 lang="nl">Er ging iets mis</h1><p lang="nl">Probeer het over enkele minuten opnieuw.</p>
<h1 lang="fr">Une erreur s\u2019est produite</h1>
<p lang="fr">R\u00e9essayez dans quelques minutes.</p>
<h1 lang="de">Etwas ist schiefgelaufen</h1>
<p lang="de">Versuchen Sie es in einigen Minuten erneut.</p>
<h1 lang="en">Something went wrong</h1><p lang="en">Try again in a few minutes.</p>
<p>Request ID: <code>{request_id}</code></p>
<p><a href="/">Portal</a></p>
</main></body></html>
"""


def request_id() -> str:
    """This request's id: a sane incoming X-Request-ID, else a new random one."""
    if not has_request_context():
        return "-"
    ctx_g = g._get_current_object()  # asked twice per request and in every log line
    rid = ctx_g.get("request_id")
    if rid is None:
        # From the WSGI environ, as `headers.get` would (without raising inside on a miss).
        incoming = request.environ.get("HTTP_X_REQUEST_ID", "")
        rid = incoming if REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        ctx_g.request_id = rid
    return rid


def _rollback(status: int = 500) -> None:
    """Undo whatever the failed request left in the session, so the page can query
    (`transactions.abandon`: a refusal that wrote nothing ends as a read)."""
    try:
        transactions.abandon(status)
    except Exception:  # noqa: BLE001 - a broken connection must not stop the error page
        log.exception("rollback failed [request %s]", request_id())


def _static_page(status: int) -> Response:
    body = STATIC_PAGE.format(status=int(status), request_id=request_id())
    response = Response(body, status=status, mimetype="text/html")
    response.headers.update(SECURITY_HEADERS)
    response.headers["X-Request-ID"] = request_id()
    return response


def _page(status: int, title=None, explanation=None):
    _rollback(status)
    try:
        return (
            render_template(
                "errors/error.html",
                status=status,
                title=title or TITLES.get(status, TITLES[500]),
                explanation=explanation or EXPLANATIONS.get(status, EXPLANATIONS[500]),
                request_id=request_id() if status >= 500 else None,
            ),
            status,
        )
    except Exception:  # noqa: BLE001 - the error page itself must never fail
        log.exception("error page failed to render [request %s]", request_id())
        _rollback()
        return _static_page(status)


def _machine_errors():
    """The JSON error renderer a package registered for its paths (the API), or None.

    The kernel knows no domain: `portal.api.errors.register` puts its renderer into
    `app.extensions["json_errors"]` with the path prefix it answers for, so that also an
    unknown URL or a CSRF failure under that prefix gets the machines' error shape.
    """
    renderer = current_app.extensions.get("json_errors")
    if renderer is not None and request.path.startswith(renderer.prefix):
        return renderer
    return None


def _json_error(code: str, message: str, status: int):
    """The registered JSON error shape, after a rollback."""
    _rollback(status)
    return _machine_errors().error(status, code, message)


def register(app: Flask) -> None:
    @app.before_request
    def _assign_request_id() -> None:
        request_id()

    @app.after_request
    def _request_id_header(response):
        # A view's own id stays. getlist, not setdefault: that raises and catches an HTTP
        # exception inside werkzeug whenever the header is missing, which is every time.
        headers = response.headers
        if not headers.getlist("X-Request-ID"):
            headers["X-Request-ID"] = request_id()
        return response

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        if _machine_errors():
            return _json_error("bad_request", error.description, 400)
        return _page(
            400,
            _l("This form has expired"),
            _l("For your security, forms expire. Go back, reload the page and submit it again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code < 400:
            return error
        if renderer := _machine_errors():
            # Machines get the API's JSON error shape, also for unknown URLs and methods.
            return renderer.http_error(error)
        return _page(error.code or 500)

    @app.errorhandler(NotFound)
    @app.errorhandler(NotAllowed)
    def domain_error(error: DomainError):
        if _machine_errors():
            if error.status == 404:
                return _json_error("not_found", "Not found.", 404)
            return _json_error("forbidden", "This key may not do this.", 403)
        return _page(error.status)

    @app.errorhandler(500)
    def server_error(error):
        # An exception was logged with its traceback and request id by
        # PortalFlask.log_exception; an explicit abort(500) is logged here.
        if getattr(error, "original_exception", None) is None:
            log.error("500 on %s %s [request %s]", request.method, request.path, request_id())
        if renderer := _machine_errors():
            return renderer.server_error(error)
        return _page(500)
