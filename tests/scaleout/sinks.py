"""An SMTP sink and a DVZ stand-in that count what they receive, in a process of their own.

    python -m tests.scaleout.sinks SMTP_PORT HTTP_PORT

The SMTP sink counts each message by its outbox id (the `outbox-<id>` in its Message-ID);
the DVZ stand-in counts each POST by its `Idempotency-Key` and answers 200. `GET /counts`
on the HTTP port returns both tallies as JSON.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

OUTBOX_ID = re.compile(rb"^Message-ID:\s*<[^>]*outbox-(\d+)@", re.I | re.M)
LOCK = threading.Lock()
MAIL: Counter = Counter()
DVZ: Counter = Counter()
UNKNOWN = {"mail": 0}


class Smtp:
    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
        found = OUTBOX_ID.search(envelope.content)
        with LOCK:
            if found:
                MAIL[int(found.group(1))] += 1
            else:
                UNKNOWN["mail"] += 1
        return "250 OK"


class Http(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_POST(self):  # noqa: N802 - http.server API
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        key = self.headers.get("Idempotency-Key", "")
        with LOCK:
            DVZ[key] += 1
        self._answer(200, {"received": True})

    def do_GET(self):  # noqa: N802
        with LOCK:
            body = {
                "mail": {str(k): v for k, v in MAIL.items()},
                "dvz": dict(DVZ),
                "unknown_mail": UNKNOWN["mail"],
            }
        self._answer(200, body)

    def _answer(self, status: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    smtp_port, http_port = int(sys.argv[1]), int(sys.argv[2])
    controller = Controller(Smtp(), hostname="127.0.0.1", port=smtp_port)
    controller.start()
    server = ThreadingHTTPServer(("127.0.0.1", http_port), Http)
    server.daemon_threads = True
    print("sinks ready", flush=True)
    try:
        server.serve_forever()
    finally:
        controller.stop()
        time.sleep(0.1)


if __name__ == "__main__":
    main()
