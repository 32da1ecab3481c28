"""Links from route names, at the portal's own address.

`external("tracking.timeline", dossier_id=7)` is `url_for(..., _external=True)`, except that
the scheme, host and path prefix come from `PORTAL_BASE_URL`, never from the Host header of
the request that happens to be running (a forged Host must not end up in an e-mail), and
that it works where there is no request at all (the worker renders e-mails later). Rename
or move a route and every link follows; nothing glues a base URL to a path by hand.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from flask import current_app
from werkzeug.routing import MapAdapter


def _adapter() -> MapAdapter:
    base = urlsplit(current_app.config["PORTAL_BASE_URL"])
    return current_app.url_map.bind(
        base.netloc,
        script_name=base.path.rstrip("/") or "/",
        url_scheme=base.scheme or "https",
    )


def external(endpoint: str, _anchor: str | None = None, **values) -> str:
    """The absolute URL of `endpoint` with `values`, at PORTAL_BASE_URL."""
    url = _adapter().build(endpoint, values, force_external=True)
    if _anchor:
        url += "#" + quote(_anchor, safe="%!#$&'()*+,/:;=?@")
    return url
