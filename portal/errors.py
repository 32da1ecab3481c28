"""Domain exceptions and the translated error pages they turn into."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from portal.i18n import _l


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


def _page(status: int, title=None, explanation=None):
    return (
        render_template(
            "errors/error.html",
            status=status,
            title=title or TITLES.get(status, TITLES[500]),
            explanation=explanation or EXPLANATIONS.get(status, EXPLANATIONS[500]),
        ),
        status,
    )


def register(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return _page(
            400,
            _l("This form has expired"),
            _l("For your security, forms expire. Go back, reload the page and submit it again."),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code < 400:
            return error
        if request.path.startswith("/api/"):
            # Machines get the API's JSON error shape, also for unknown URLs and methods.
            from portal.api.errors import http_error_response

            return http_error_response(error)
        return _page(error.code or 500)

    @app.errorhandler(NotFound)
    @app.errorhandler(NotAllowed)
    def domain_error(error: DomainError):
        return _page(error.status)

    @app.errorhandler(500)
    def server_error(_error):
        return _page(500)
