"""The browser tests' live server: a browser that drops a stylesheet's download leaves no
open file behind (`tests.support.static_closed_first`)."""

from __future__ import annotations

import gc
import socket
import struct
import sys
import threading

from werkzeug.serving import make_server

from tests.support import free_port, static_closed_first


def _dropped_downloads(wsgi_app, path: str, times: int) -> list[str]:
    """Ask `path` `times` times and reset each connection at once, as a browser that
    navigates away does; the unraisable errors reported meanwhile (an unclosed file)."""
    port = free_port()
    server = make_server("127.0.0.1", port, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    reported: list[str] = []
    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: reported.append(repr(unraisable.exc_value))
    thread.start()
    try:
        for _ in range(times):
            with socket.create_connection(("127.0.0.1", port)) as client:
                client.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
                client.recv(1)  # the answer has begun
                # Linger 0: closing sends a reset, not a polite end.
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        server.shutdown()
        thread.join(timeout=10)
        gc.collect()
    finally:
        server.server_close()
        sys.unraisablehook = hook
    return reported


def test_a_dropped_stylesheet_download_leaves_no_file_open(app):
    reported = _dropped_downloads(static_closed_first(app), "/static/css/portal.css", 20)
    assert not [text for text in reported if "portal.css" in text], reported
