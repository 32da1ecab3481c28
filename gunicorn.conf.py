"""gunicorn settings for production (`web:` in the Procfile) and `make serve`.

Environment: PORT or GUNICORN_BIND (default 127.0.0.1:8000: put a reverse proxy in front
and set TRUSTED_PROXIES), WEB_CONCURRENCY (worker processes, default 2), GUNICORN_TIMEOUT.
/metrics adds up the request counts of every worker process through
PROMETHEUS_MULTIPROC_DIR: set it to a folder of this instance's own (emptied at start); when
unset, a fresh temporary folder is made.
"""

import os
import tempfile
from pathlib import Path

bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
keepalive = 5
# Recycle workers now and then: a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# No control socket: one path per user (~/.gunicorn/gunicorn.ctl) clashes between instances.
control_socket_disable = True
forwarded_allow_ips = "127.0.0.1"  # the app decides itself (TRUSTED_PROXIES, ProxyFix)

if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="portal-metrics-")


def on_starting(server):
    """A fresh count per start: the files of an earlier run's processes would add up too."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):  # only prometheus_client's own files
        stale.unlink()


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
