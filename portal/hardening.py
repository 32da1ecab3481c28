"""Transport and caching headers, and the trusted proxies in front of the portal.

- HSTS in production: browsers then refuse plain HTTP to the portal for a year.
- `Cache-Control: no-store` on every response to a signed-in person or an API client, and
  on every PDF or attachment, so that no shared or browser cache keeps private pages.
- `TRUSTED_PROXIES` (default 0) wraps the app in Werkzeug's ProxyFix for that many proxies:
  only then are X-Forwarded-For/-Proto/-Host/-Port believed (client address for the rate
  limits and the audit trail, https for the links). With 0, a client cannot fake them.

A few lines of our own rather than flask-talisman: Talisman would set its own
Content-Security-Policy over the one `security_headers` already sends, force HTTPS
redirects (the proxy's job) and change session cookie flags that config.py owns.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix

HSTS_MAX_AGE = 365 * 24 * 3600


def register(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:
        app.wsgi_app = ProxyFix(
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies
        )
    production = app.config.get("ENV_NAME") == "production"

    @app.after_request
    def transport_and_cache_headers(response):
        if production:
            response.headers.setdefault(
                "Strict-Transport-Security", f"max-age={HSTS_MAX_AGE}; includeSubDomains"
            )
        if private(response):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        return response


def private(response) -> bool:
    """Whether no cache may keep this response."""
    req = request._get_current_object()  # one context lookup for the request's names
    environ = req.environ
    if req.endpoint == "static":
        return False
    if response.mimetype == "application/pdf":
        return True
    # getlist: get() raises and catches an HTTP exception inside on a missing header.
    if any("attachment" in value for value in response.headers.getlist("Content-Disposition")):
        return True
    if environ.get("HTTP_AUTHORIZATION"):
        return True
    # Any loaded user, active or not (stricter than is_authenticated), read where
    # Flask-Login keeps it: asking `current_user` costs two lookups through its proxy on
    # every response, and its columns are not touched (after the request's commit they are
    # expired, and reading one would reload the user in a transaction of its own).
    user = g._get_current_object().get("_login_user")
    if user is not None:
        return not user.is_anonymous
    # No user loaded by this request: one named in the session or a remember cookie still
    # makes it private (whatever the loader would have said of them), without loading it.
    if dict.get(session._get_current_object(), "_user_id") is not None:
        return True
    return current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in req.cookies
