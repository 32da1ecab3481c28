"""The CPU time a request spends inside the WSGI app, measured in each gunicorn worker.

wrk gives requests/s, which is the machine's whole CPU time per request: the app, gunicorn
reading and writing it, the kernel's sockets and wrk itself, all on the same two cores. To
tell what a page costs from what serving it costs, the benchmark's gunicorn (when
BENCH_APP_TIMES names a folder, see tests/bench/gunicorn.conf.py) wraps each worker's app in
`Timed`: the CPU time of the worker's thread from the call of the app until its body is
read and closed, summed per address. Each worker writes its sums to `<folder>/<pid>.json`
every `every` requests (a whole file each time, replaced at once, so a reader never sees
half of one); `read` adds up the workers' files.

The body is read inside the measurement and handed to gunicorn as one list: only what the
app does is timed, not gunicorn writing to the socket. Every page the benchmark asks for is
a few kilobytes, so nothing it measures streams.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

Sums = dict[str, tuple[float, int]]  # address: (CPU seconds inside the app, requests)


class Timed:
    """WSGI middleware: sums the app's CPU time per address (path and query string)."""

    def __init__(self, app: Callable, folder: Path, every: int = 256) -> None:
        self.app = app
        self.file = Path(folder) / f"{os.getpid()}.json"
        self.every = every
        self.sums: dict[str, list] = {}
        self.count = 0

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        key = environ.get("PATH_INFO", "") + "?" + environ.get("QUERY_STRING", "")
        started = time.thread_time()
        try:
            body = self.app(environ, start_response)
            try:
                chunks = list(body)
            finally:
                close = getattr(body, "close", None)
                if close is not None:
                    close()
        finally:
            # A request that raised is counted too: its time was spent all the same.
            entry = self.sums.setdefault(key, [0.0, 0])
            entry[0] += time.thread_time() - started
            entry[1] += 1
            self.count += 1
            if self.count % self.every == 0:
                self.write()
        return chunks

    def write(self) -> None:
        """Replace this worker's file with its sums so far."""
        partial = self.file.with_suffix(".part")
        partial.write_text(json.dumps(self.sums))
        os.replace(partial, self.file)


def read(folder: Path) -> Sums:
    """The sums of every worker that wrote to `folder`, per address."""
    total: dict[str, list] = {}
    for file in Path(folder).glob("*.json"):
        for key, (seconds, requests) in json.loads(file.read_text()).items():
            entry = total.setdefault(key, [0.0, 0])
            entry[0] += seconds
            entry[1] += requests
    return {key: (seconds, requests) for key, (seconds, requests) in total.items()}


def per_request_us(before: Sums, after: Sums, key: str) -> float | None:
    """Mean CPU µs inside the app per request of `key` between two readings; None when
    no worker wrote a request of it in between."""
    seconds, requests = after.get(key, (0.0, 0))
    earlier_seconds, earlier_requests = before.get(key, (0.0, 0))
    if requests <= earlier_requests:
        return None
    return (seconds - earlier_seconds) / (requests - earlier_requests) * 1e6


def busy_seconds() -> float | None:
    """The machine's CPU time so far, all cores: user, system and interrupts, without idle,
    I/O wait and a virtual machine's stolen time (Linux's /proc/stat); None elsewhere."""
    try:
        fields = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return None
    user, nice, system, _idle, _iowait, irq, softirq = (int(v) for v in fields[1:8])
    return (user + nice + system + irq + softirq) / os.sysconf("SC_CLK_TCK")
