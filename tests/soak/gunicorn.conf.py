"""gunicorn settings for the soak run (`make soak`): 2 sync workers on 127.0.0.1 only."""

import os

bind = f"127.0.0.1:{os.environ.get('SOAK_PORT', '8765')}"
workers = 2
worker_class = "sync"
timeout = 120
graceful_timeout = 10
keepalive = 2
accesslog = None
errorlog = "-"
loglevel = "warning"
