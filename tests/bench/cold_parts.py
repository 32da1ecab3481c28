"""What one part of a request costs warm, and what it costs where a request runs it.

    python -m tests.bench.cold_parts [--files 10000] [--db PATH] [--calls 2000]

The part is the signed-in cookie's decoding (the session serializer's `loads`, which every
signed-in request runs once). It is timed three ways, in thread CPU time, each call alone:

- **warm**: called again and again in a loop, as a micro-benchmark would time it;
- **after a request**: each call follows a real request of the portal ("my applications",
  asked as the demo employer), as it does in production;
- **after 8 MB**: each call follows writing one byte in every 64 of 8 MB, which pushes
  the processor's caches out and runs none of the portal.

When the last two are far above the first, a request's parts are paid mostly in refilling
the caches that the rest of the request emptied, not in their own work: cutting any one part
gains little, and a request costs what the code and data it touches cost (issue 15).
Absolute numbers depend on the machine; compare the three rows of one run.
"""

from __future__ import annotations

import argparse
import logging
import time
from collections.abc import Callable

from tests.bench import page_profile

PAGE = "/applications/"
SPILL_BYTES = 8 * 1024 * 1024
CACHE_LINE = 64


def timed(part: Callable[[], object], before: Callable[[], object], calls: int) -> float:
    """Mean µs of thread CPU time of `part`, each call timed alone right after `before`."""
    spent = 0.0
    for _ in range(calls):
        before()
        started = time.thread_time()
        part()
        spent += time.thread_time() - started
    return spent / calls * 1e6


def main(argv: list[str] | None = None) -> dict[str, float]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--db", default="")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    if args.files < 1 or args.calls < 1:
        parser.error("--files and --calls must be at least 1")
    app, _folder, _timeline = page_profile.seeded_app(args.files, args.db, "portal-cold-")
    logging.getLogger("portal.requests").setLevel(logging.WARNING)  # no line per request
    client = app.test_client()
    page_profile.log_in(client, "employer@demo.example")
    cookie = client.get_cookie("session").value
    serializer = app.session_interface.get_signing_serializer(app)
    max_age = int(app.permanent_session_lifetime.total_seconds())

    def decode() -> object:
        return serializer.loads(cookie, max_age=max_age)

    def request() -> None:
        assert client.get(PAGE).status_code == 200

    spill = bytearray(SPILL_BYTES)
    zeros = bytes(len(spill[::CACHE_LINE]))

    def touch() -> None:
        spill[::CACHE_LINE] = zeros

    assert decode()["_user_id"], "the cookie names no one"
    rows = {
        "warm": timed(decode, lambda: None, args.calls),
        "after a request": timed(decode, request, args.calls),
        "after 8 MB": timed(decode, touch, args.calls),
    }
    print(f"the session cookie's decoding, µs a call ({args.calls} calls each)")
    for label, value in rows.items():
        print(f"{label:<16} {value:7.1f}")
    return rows


if __name__ == "__main__":
    main()
