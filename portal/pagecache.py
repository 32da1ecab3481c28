"""Rendered public pages, kept per worker for anonymous visitors (issue 15).

A public page (start, login, eligibility, figures) costs a template render for every
visitor although most see the same HTML. A view marked `@cached(...)` keeps that HTML,
per worker process, in a bounded LRU (`PUBLIC_PAGE_CACHE_SIZE` entries, 32 MB of pages
together, none larger than 256 KB), keyed by:

- the endpoint and its view arguments;
- the language of the page (the locale selector: ?lang=, session, cookie, Accept-Language),
  and whether forms carry a CSRF field (`WTF_CSRF_ENABLED`);
- the query string, only when every parameter is one the view names (`args`), sent once
  and at most `MAX_VALUE` characters long; anything else (an unknown parameter, `lang`
  aside, which only picks the language) is served fresh and never stored, so a hostile
  query string cannot fill the cache: at most one entry per combination of known values;
- the day in Brussels (a page may say "today" or check a date against it);
- for a page built from data (`data=True`, the figures): the data generation, which
  `bump()` raises when this process commits a change to that data, and an age of at most
  `PUBLIC_PAGE_CACHE_MAX_AGE` seconds (60), for changes made by another process (the other
  web workers, an import from the command line).

Only the body is kept. Every hit goes through the whole request as before (the
before_request hooks run first: CSRF, rate limits, the session loader, the request id,
metrics; then
every after_request hook: the log line, the security headers, the language cookie, the
session cookie), only the view and its template are skipped. Never kept or served:
anything but a GET answered 200 in HTML; a visitor who is logged in (or whose session
names a user); a request with flash messages waiting (the page would show them); a
response that sets a cookie of its own, or a session that gained anything but the CSRF
secret (or Flask-Login's note to clear a remember cookie) while rendering.

Per-request values: the CSRF token of a form (the login page) is stored as a hole, and
each hit puts a fresh token of *this* visitor in its place (`portal.fragments.holes` and
`filled`, the kept fragments' own; `portal.csrftoken.signed`, which has Flask-WTF put the
secret in the visitor's session cookie as a render would). The Content-Security-Policy is
a fixed header without nonces (`portal.app.security_headers`), set per response. Should a
nonce ever be added, it must be substituted like the token.

`PUBLIC_PAGE_CACHE=0` turns it off.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, Response, current_app, g, request, session

from portal import clock, fragments, transactions
from portal.i18n import select_locale
from portal.keep import remember

SPEC_ATTR = "_portal_page_cache"
MAX_VALUE = 200  # longest value of a known parameter that is still kept
MAX_BODY = 256 * 1024  # a larger page is served, never kept
MAX_BYTES = 32 * 1024 * 1024  # all kept pages of one worker together (characters)
_CSRF_FIELD = "csrf_token"
# What a render may add to the session without the page being the visitor's own: the CSRF
# secret (its token is put in per hit) and Flask-Login's note to drop a remember cookie
# (its session protection, which also runs on a hit when the user is looked at).
_SESSION_NOISE = frozenset({_CSRF_FIELD, "_remember"})
_generation = 0
_generation_lock = threading.Lock()


@dataclass(frozen=True)
class Spec:
    """What a view's page depends on besides its language and day."""

    args: tuple[str, ...] = ()
    data: bool = False


def cached(args: tuple[str, ...] = (), data: bool = False) -> Callable:
    """Mark a public view whose anonymous GET page may be kept (see the module).

    `args`: the query parameters the page depends on; `data`: the page shows data that
    changes (keyed by the data generation, and kept `PUBLIC_PAGE_CACHE_MAX_AGE` at most).
    Put it above `@public`: ``@bp.get(...)``, ``@cached(...)``, ``@public``.
    """
    spec = Spec(tuple(args), data)

    def decorator(view: Callable) -> Callable:
        setattr(view, SPEC_ATTR, spec)
        return view

    return decorator


def bump() -> None:
    """The data changed (committed): pages built from data are built anew."""
    global _generation
    with _generation_lock:
        _generation += 1


def generation() -> int:
    return _generation


V = TypeVar("V")


def fresh(
    name: str,
    key: Hashable,
    make: Callable[[], V],
    *,
    max_age: float,
    limit: int,
    keep: Callable[[V], bool] = lambda _value: True,
) -> V:
    """What `make()` gives, kept per process in the application's store `name` for values
    read from data that changes: under `key` and the data generation (a change committed by
    this process is read anew at once), for at most `max_age` seconds (a change made by
    another process shows within that). While the session may hold changes of its own not
    yet committed, nothing is read from the store or kept in it: what `make()` reads may be
    the session's own. `keep(value)` says whether a new value may be kept; `limit` bounds
    the store (`portal.keep.remember`)."""
    uncommitted = transactions.may_hold_changes()
    key = (key, generation())
    store = current_app.extensions.setdefault(name, {})
    moment = time.monotonic()
    found = None if uncommitted else store.get(key)
    if found is not None and moment - found[0] < max_age:
        return found[1]
    value = make()
    if not uncommitted and keep(value):
        remember(store, key, (moment, value), limit)
    return value


def _size(parts: tuple[str, ...]) -> int:
    return sum(map(len, parts))


class PageCache:
    """A bounded LRU of page bodies; thread-safe (the development server has threads)."""

    def __init__(self, size: int, max_bytes: int = MAX_BYTES) -> None:
        self.size = max(int(size), 0)
        self.max_bytes = max_bytes
        self.bytes = 0
        # A page is kept split at its holes (`portal.fragments.holes`): its CSRF token.
        self._entries: OrderedDict[Hashable, tuple[tuple[str, ...], float]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, max_age: float | None) -> tuple[str, ...] | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            parts, stored = entry
            if max_age is not None and time.monotonic() - stored > max_age:
                del self._entries[key]
                self.bytes -= _size(parts)
                return None
            self._entries.move_to_end(key)
            return parts

    def put(self, key: Hashable, parts: tuple[str, ...]) -> None:
        if self.size == 0:
            return
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self.bytes -= _size(old[0])
            self._entries[key] = (parts, time.monotonic())
            self.bytes += _size(parts)
            while self._entries and (len(self._entries) > self.size or self.bytes > self.max_bytes):
                _key, (gone, _stored) = self._entries.popitem(last=False)
                self.bytes -= _size(gone)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self.bytes = 0

    def __len__(self) -> int:
        return len(self._entries)


def of(app: Flask) -> PageCache:
    return app.extensions["page_cache"]


def _spec(app: Flask, req) -> Spec | None:
    if req.method != "GET" or req.endpoint is None:
        return None
    return getattr(app.view_functions.get(req.endpoint), SPEC_ATTR, None)


def _anonymous() -> bool:
    """No user, and nothing that could make one: no user named in the session (whatever the
    loader would say of it) and no remember cookie (such a visitor is never served from here).
    Asked without running the loader: Flask-Login has no other way in (no request or
    header loader here; with one, the loader decides)."""
    if dict.get(session._get_current_object(), "_user_id") is not None:
        return False
    user = g.get("_login_user")
    if user is not None:
        return bool(user.is_anonymous)
    app = current_app._get_current_object()
    manager = app.login_manager
    if manager._request_callback is not None or getattr(manager, "_header_callback", None):
        from flask_login import current_user

        return bool(current_user.is_anonymous)
    if app.config.get("REMEMBER_COOKIE_NAME", "remember_token") in request.cookies:
        return False
    # What the loader would conclude, without its work (a hash of the client's address and
    # browser for session protection, which only ever clears login keys this session lacks):
    # the rest of the request (the language, the cache headers) then asks no more.
    g._login_user = manager.anonymous_user()
    return True


def _key(app: Flask, req, spec: Spec) -> tuple | None:
    """The entry's key, or None when this request's page must not be kept or served."""
    args = req.args
    if len(args) > len(spec.args) + 1:  # lang, and each known parameter once
        return None
    pairs = []
    for name, values in args.lists():
        if name == "lang":
            continue  # only picks the language, which is in the key; links leave it out
        if name not in spec.args or len(values) != 1 or len(values[0]) > MAX_VALUE:
            return None
        pairs.append((name, values[0]))
    if dict.get(session._get_current_object(), "_flashes"):
        return None
    if not _anonymous():
        return None
    view_args = tuple(sorted(req.view_args.items())) if req.view_args else ()
    # The language as Flask-Babel will pick it (its selector), without parsing a Locale.
    # Whether forms carry a CSRF field at all (a setting tests switch) changes the HTML.
    csrf = app.config.get("WTF_CSRF_ENABLED", True)
    key = (req.endpoint, view_args, select_locale(), tuple(pairs), clock.today(), csrf)
    if spec.data:
        key += (generation(),)
    return key


def lookup() -> Response | None:
    """before_request, registered last: answer from the cache, or note what to keep."""
    app = current_app._get_current_object()
    if not app.config.get("PUBLIC_PAGE_CACHE", True):
        return None
    req = request._get_current_object()
    spec = _spec(app, req)
    if spec is None:
        return None
    key = _key(app, req, spec)
    if key is None:
        return None
    max_age = app.config.get("PUBLIC_PAGE_CACHE_MAX_AGE", 60) if spec.data else None
    found = of(app).get(key, max_age)
    if found is None:
        g.page_cache_key = key
        g.page_cache_session = set(dict.keys(session._get_current_object()))
        return None
    g.page_cache_hit = True
    return Response(str(fragments.filled(found)), mimetype="text/html")


def store(response: Response) -> Response:
    """after_request, registered last (so it runs first): keep a page that may be kept."""
    key = g.pop("page_cache_key", None)
    if key is None or g.get("page_cache_hit"):
        return response
    before = g.pop("page_cache_session", set())
    gained = set(dict.keys(session._get_current_object())) - before - _SESSION_NOISE
    if (
        response.status_code != 200
        or response.mimetype != "text/html"
        or response.direct_passthrough
        or response.is_streamed
        or "Set-Cookie" in response.headers
        or gained
        or dict.get(session._get_current_object(), "_flashes")
        or not _anonymous()
    ):
        return response
    body = response.get_data(as_text=True)
    if len(body) > MAX_BODY:
        return response
    of(current_app).put(key, fragments.holes(body))
    return response


def register(app: Flask) -> None:
    """Install the cache: call last in create_app, after every other request hook."""
    app.extensions["page_cache"] = PageCache(app.config.get("PUBLIC_PAGE_CACHE_SIZE", 512))
    app.before_request(lookup)
    app.after_request(store)
