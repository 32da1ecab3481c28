"""Milliseconds per request of the benchmark's pages, in-process, with an optional profile.

    python -m tests.bench.page_profile [--files 10000] [--requests 30] [--profile "officer queue"]

Seeds a SQLite database the way the HTTP benchmark does (tests/bench/http_bench.seed), then
asks each page of http_bench.PAGES through Flask's test client (no server, no network) and
prints the median CPU ms per request (process time: steadier than the wall clock on a shared machine). `--profile LABEL` prints a cProfile of that page (sorted
by cumulative time). `--db PATH` reuses a seeded database (kept after the run when given).
Absolute numbers depend on the machine; compare before and after in one sitting.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import tempfile
import time
from html import unescape
from pathlib import Path

from sqlalchemy.exc import DatabaseError

from tests.bench import http_bench

SECRET = "bench-secret-key-of-sufficient-length"


def make_app(database: str, folder: Path):
    from portal import create_app

    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database,
            "UPLOAD_DIR": str(folder / "uploads"),
            "MAIL_DIR": str(folder / "mail"),
            "SECRET_KEY": SECRET,
            "RATELIMIT_ENABLED": False,
            "OUTBOX_SEND_AFTER_REQUEST": False,
            "MAIL_SERVER": "",
        }
    )


def log_in(client, email: str) -> None:
    html = client.get("/account/login").get_data(as_text=True)
    fields = {}
    for tag in http_bench.INPUT.findall(html):
        attrs = dict(http_bench.ATTR.findall(tag))
        if attrs.get("type") == "hidden" and "name" in attrs:
            fields[attrs["name"]] = unescape(attrs.get("value", ""))
    fields.update({"email": email, "password": http_bench.PASSWORD})
    response = client.post("/account/login", data=fields)
    assert response.status_code == 302, (email, response.status_code)


def seeded_app(files: int, db: str, prefix: str):
    """The portal on the benchmark's SQLite database: `db` when given (seeded with `files`
    files on first use, and kept), else a throwaway one. Returns the app, its work folder
    and the id of the employer's file with a history (the pages' `{timeline}`)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    path = Path(db) if db else folder / "bench.sqlite"
    database = f"sqlite:///{path}"
    stamp = path.with_suffix(".timeline")
    if not stamp.exists():
        try:
            stamp.write_text(str(http_bench.seed(database, files, folder)))
        except DatabaseError as error:  # --db names a file that is no SQLite database
            message = f"{path}: not a database the benchmark can seed ({error.orig})"
            raise SystemExit(message) from error
    return make_app(database, folder), folder, int(stamp.read_text())


def signed_in_clients(app, anonymous) -> dict:
    """Test clients by who asks, as `http_bench.PAGES` names them: `anonymous` for the
    public pages, each demo account they name signed in."""
    clients = {None: anonymous}
    for who in sorted({who for _, who, _ in http_bench.PAGES if who}):
        clients[who] = app.test_client()
        log_in(clients[who], f"{who}@demo.example")
    return clients


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", default="")
    parser.add_argument("--db", default="")
    parser.add_argument("--lang", default="")
    parser.add_argument("--only", default="", help="comma-separated page labels")
    args = parser.parse_args(argv)
    if args.files < 1 or args.requests < 1:
        parser.error("--files and --requests must be at least 1")
    app, folder, timeline = seeded_app(args.files, args.db, "portal-page-profile-")
    clients = signed_in_clients(app, app.test_client())
    suffix = f"lang={args.lang}" if args.lang else ""
    only = [p for p in http_bench.PAGES if not args.only or p[0] in args.only.split(",")]
    for label, who, page in only:
        page = http_bench.page_path(page, timeline, args.files)
        if suffix:
            page += ("&" if "?" in page else "?") + suffix
        client = clients[who]
        assert client.get(page).status_code == 200, page
        times = []
        for _ in range(args.requests):
            started = time.process_time()
            response = client.get(page)
            times.append((time.process_time() - started) * 1000)
            assert response.status_code == 200
        print(f"{label:<18} {statistics.median(times):7.1f} ms", flush=True)
        if label == args.profile:
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(page)
            profiler.disable()
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(45)
            stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
