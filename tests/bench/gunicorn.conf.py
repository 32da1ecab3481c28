"""gunicorn for the HTTP benchmark: the same set-up for the portal and the bare Flask app.

2 sync workers on 127.0.0.1 only (BENCH_BIND), as in the measurements of the speed issue.
"""

import os

bind = os.environ.get("BENCH_BIND", "127.0.0.1:8790")
workers = 2
worker_class = "sync"
timeout = 120
graceful_timeout = 5
keepalive = 5
accesslog = None
errorlog = "-"
loglevel = "warning"
control_socket_disable = True


def post_worker_init(worker) -> None:
    """With BENCH_APP_TIMES (a folder), time the app's CPU per request in each worker
    (tests/bench/app_time.py): the benchmark's split of a request's cost between the page
    and serving it. The same for the portal, the floors and bare Flask."""
    folder = os.environ.get("BENCH_APP_TIMES")
    if folder:
        from tests.bench.app_time import Timed

        worker.wsgi = Timed(worker.wsgi, folder)
