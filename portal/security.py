"""Who may use which route: every view declares it, and undeclared views are refused.

A view is wrapped by `public`, `authenticated` or `roles(...)`. The wrapper records the
declaration on the function (the URL-map test reads it) and enforces it. A `before_request`
hook refuses any endpoint that carries no declaration, so forgetting one fails closed.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import abort, current_app, request
from flask_login import current_user

ACCESS_ATTR = "_portal_access"
# Endpoints that Flask itself registers; they serve public files only.
BUILTIN_PUBLIC = {"static"}


def _declare(view: Callable, access: Any, check: Callable[[], bool] | None) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if check is not None and not current_user.is_authenticated:
            return current_app.login_manager.unauthorized()
        if check is not None and not check():
            abort(403)
        return view(*args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, access)
    return wrapper


def public(view: Callable) -> Callable:
    """Open to everyone, logged in or not."""
    return _declare(view, "public", None)


def authenticated(view: Callable) -> Callable:
    """Any logged-in, verified user."""
    return _declare(view, "authenticated", lambda: True)


def roles(*names: str) -> Callable[[Callable], Callable]:
    """Only logged-in users whose role is one of `names`."""

    def decorator(view: Callable) -> Callable:
        return _declare(view, ("roles", names), lambda: current_user.role.value in names)

    return decorator


# A view that shows the signed-in user's organisation or its claim says so; the user's
# loader (accounts.sessions) then joins them in its one query. Any other view gets them by
# a lazy load if it asks after all: a missing mark costs time, never a wrong answer.
READS_ORGANISATION = "_portal_reads_organisation"


def reads_organisation(view: Callable) -> Callable:
    """Mark a view that reads the signed-in user's organisation or its claim (the dashboard,
    the organisation's pages, a draft's claim notice). Anywhere under the route decorator:
    the access wrappers keep the mark (functools.wraps copies it)."""
    setattr(view, READS_ORGANISATION, True)
    return view


def _request_view() -> Callable | None:
    """The view function this request is routed to (None: no route matched)."""
    endpoint = request.endpoint
    return current_app.view_functions.get(endpoint) if endpoint else None


def view_reads_organisation() -> bool:
    """Whether this request's view carries `reads_organisation`."""
    return bool(getattr(_request_view(), READS_ORGANISATION, False))


def access_of(view: Callable) -> Any:
    return getattr(view, ACCESS_ATTR, None)


def refuse_undeclared() -> None:
    """before_request: a route without a declared permission is never served."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in BUILTIN_PUBLIC or endpoint.endswith(".static"):
        return
    view = _request_view()
    if view is not None and access_of(view) is None:
        abort(403)
