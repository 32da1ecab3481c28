"""Where a page's time goes inside the app: a ledger of its parts, in-process.

    python -m tests.bench.parts [--files 10000] [--db PATH] [--requests 300] [--only LABELS]

The HTTP benchmark's split (`--split`) tells the app's time from the time spent serving it.
This tells the app's time apart, for the pages of `http_bench.PAGES` and for the floors
beside them (tests/bench/floor_app.py), each asked through Flask's test client:

- **app**: the WSGI call (`app.wsgi_app`), the whole of what the app spends;
- **sign-in**: the check of the session cookie and the load of the user (Flask-Login's
  loader, and for the portal its `load_early` hook, which saves a due "last seen");
- **view**: the view function with what the portal does around it (the unit of work and
  its commit), which holds:
  - **template**: rendering templates (Flask's `_render`, Jinja's `Template.render`);
- **apart**: writes committed apart from the request's reads (`transactions.write_apart`),
  counted where they happen as well: an officer's view of a file put on the trail, within
  the view; a due "last seen", within the sign-in;
- **rest**: app − sign-in − view: Flask's request and app contexts, the cookie session,
  URL matching, the other hooks (request id, logs, metrics, security headers), the
  response, and the end of the database session.

Times are the thread's CPU time (`time.thread_time`), summed over the outermost call of
each part (a template rendered inside a template counts once) and divided by the
requests; each page is asked `--rounds` times `--requests` requests, and the round with the
least app time is shown (the others had more interference from the machine). The parts are
measured by wrapping the functions named above; the wrappers are removed afterwards.
Absolute numbers depend on the machine; compare the columns of one run.
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import flask
import flask.templating
import jinja2
from flask_login import LoginManager

from tests.bench import http_bench, page_profile

APP = "app"
SIGN_IN = "sign-in"
VIEW = "view"
TEMPLATE = "template"
APART = "apart"
PARTS = (APP, SIGN_IN, VIEW, TEMPLATE, APART)
COLUMNS = (*PARTS, "rest")
FLOORS = (
    http_bench.FLOOR,
    http_bench.SIGNED_DUTIES_FLOOR,
    http_bench.ROWS_FLOOR,
    http_bench.FRAMED_FLOOR,
    http_bench.ROWS_FRAMED_FLOOR,
    http_bench.DASHBOARD_FLOOR,
    http_bench.FILE_FLOOR,
    http_bench.TIMELINE_FLOOR,
    http_bench.AUDITED_FILE_FLOOR,
    http_bench.SEARCH_FLOOR,
    http_bench.SEARCH_SOME_FLOOR,
    http_bench.SEARCH_PAGE_FLOOR,
    http_bench.FORM_FLOOR,
    http_bench.DUTIES_FLOOR,
    http_bench.LOGIN_FLOOR,
)


class Ledger:
    """Sums the thread CPU time of the outermost call of each named part."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PARTS, 0.0)
        self._depth = dict.fromkeys(PARTS, 0)
        self._undo: list[Callable[[], None]] = []

    def reset(self) -> None:
        self.seconds = dict.fromkeys(PARTS, 0.0)

    def timed(self, part: str, func: Callable) -> Callable:
        """`func`, its time counted in `part` unless a call of the same part is under way."""
        depth = self._depth

        def wrapper(*args, **kwargs):
            if depth[part]:
                return func(*args, **kwargs)
            depth[part] += 1
            started = time.thread_time()
            try:
                return func(*args, **kwargs)
            finally:
                spent = time.thread_time() - started
                self.seconds[part] += spent
                depth[part] -= 1
                if part == SIGN_IN:
                    # Flask-Login loads the user where `current_user` is first read: inside
                    # the view (`login_required`), or inside its template for a visitor the
                    # loader hook found no session for. That time is the sign-in's alone.
                    for around in (VIEW, TEMPLATE):
                        if depth[around]:
                            self.seconds[around] -= spent

        wrapper.__wrapped__ = func
        return wrapper

    def patch(self, owner: object, name: str, part: str) -> None:
        """Time `owner.name` as `part` until `undo`: a function of a module or a class, or a
        method of an object (timed on that object only)."""
        own = vars(owner)
        had, original = name in own, own.get(name)
        # A class's own function, wrapped, is still bound as a method; an object's method
        # is wrapped bound, on the object.
        setattr(owner, name, self.timed(part, original if had else getattr(owner, name)))
        self._undo.append(lambda: setattr(owner, name, original) if had else delattr(owner, name))

    def replace_hook(self, hooks: list, func: Callable, part: str) -> None:
        """Time the hook `func` in the list `hooks` (an app's before_request functions)."""
        index = hooks.index(func)
        hooks[index] = self.timed(part, func)
        self._undo.append(lambda: hooks.__setitem__(index, func))

    def undo(self) -> None:
        while self._undo:
            self._undo.pop()()


@contextmanager
def ledger_of(app: flask.Flask) -> Iterator[Ledger]:
    """A ledger of `app`'s parts (see the module's docstring), for the `with` block."""
    ledger = Ledger()
    try:
        ledger.patch(app, "wsgi_app", APP)
        ledger.patch(LoginManager, "_load_user", SIGN_IN)
        for cls in type(app).__mro__:  # the portal's own dispatch and Flask's
            if "dispatch_request" in cls.__dict__:
                ledger.patch(cls, "dispatch_request", VIEW)
        ledger.patch(flask.templating, "_render", TEMPLATE)
        ledger.patch(jinja2.Template, "render", TEMPLATE)
        from portal import transactions
        from portal.accounts import sessions

        ledger.patch(transactions, "write_apart", APART)
        hooks = app.before_request_funcs.get(None, [])
        if sessions.load_early in hooks:
            ledger.replace_hook(hooks, sessions.load_early, SIGN_IN)
        yield ledger
    finally:
        ledger.undo()


def measure(app: flask.Flask, client, path: str, requests: int, rounds: int) -> dict[str, float]:
    """µs a request in each column, for `path` asked with `client` (see the docstring)."""
    for _ in range(min(requests, 50)):
        response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}, not 200")
    best: dict[str, float] | None = None
    with ledger_of(app) as ledger:
        for _ in range(rounds):
            ledger.reset()
            for _ in range(requests):
                client.get(path)
            row = {part: ledger.seconds[part] / requests * 1e6 for part in PARTS}
            if best is None or row[APP] < best[APP]:
                best = row
    assert best is not None
    best["rest"] = best[APP] - best[SIGN_IN] - best[VIEW]
    return best


def table(rows: dict[str, dict[str, float]]) -> str:
    """The ledger as text: a row a page, a column a part (µs a request)."""
    width = max(len(label) for label in rows) + 1
    head = f"{'µs a request':<{width}}" + "".join(f"{column:>10}" for column in COLUMNS)
    lines = [head, "-" * len(head)]
    for label, row in rows.items():
        lines.append(f"{label:<{width}}" + "".join(f"{row[column]:>10.0f}" for column in COLUMNS))
    return "\n".join(lines)


def floors(folder: Path, requests: int, rounds: int) -> dict[str, dict[str, float]]:
    """The floors (`FLOORS`: the signed-in floor with and without the duties, the 50-row
    floor, the framed floor, the framed 50 rows and the twins (the dashboard, the one-file
    pages and the search made the plain way) beside the signed-in pages, and the form floor
    without and with the duties and the login page's twin beside the login page), measured
    like the pages."""
    os.environ.setdefault("BENCH_FLOOR_DB", str(folder / "floor.sqlite"))
    from tests.bench import floor_app

    quiet_logs(floor_app.DUTIES_LOG)
    signed_in = floor_app.app.test_client()
    signed_in.get("/login")
    rows = {}
    for label in FLOORS:
        floor = http_bench.FLOORS[label]
        client = signed_in if floor.signed_in else floor_app.app.test_client(use_cookies=False)
        rows[label] = measure(floor_app.app, client, floor.path, requests, rounds)
    return rows


def quiet_logs(logger: logging.Logger | None = None) -> None:
    """Log lines are written as in production, but to nowhere: their cost is part of the
    app's, and a line per request would bury the table."""
    sink = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    for handler in (logger or logging.getLogger()).handlers:
        if isinstance(handler, logging.StreamHandler):
            handler.setStream(sink)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--db", default="", help="a seeded database to reuse (kept)")
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", default="", help="comma-separated page labels")
    args = parser.parse_args(argv)
    if args.files < 1 or args.requests < 1 or args.rounds < 1:
        parser.error("--files, --requests and --rounds must be at least 1")
    pages = http_bench.chosen(args.only)
    app, folder, timeline = page_profile.seeded_app(args.files, args.db, "portal-parts-")
    quiet_logs()
    rows = floors(folder, args.requests, args.rounds)
    # The public pages as a first visit, as wrk asks them: no cookie kept between requests.
    clients = page_profile.signed_in_clients(app, app.test_client(use_cookies=False))
    for label, who, page in pages:
        page = http_bench.page_path(page, timeline, args.files)
        rows[label] = measure(app, clients[who], page, args.requests, args.rounds)
    print(table(rows))


if __name__ == "__main__":
    main()
