"""Tiny real data sources on loopback, for the live validation the emulator performs.

``TcpDataSource`` plays a database (host/port types: the emulator's test is a TCP connect); it can be
created on a reserved port and only start listening later, which is how a test makes a data source
"come up after a few polls". ``HttpDataSource`` plays the target of an ``http`` connection.
"""

from __future__ import annotations

import http.server
import socket
import threading
import time
from typing import Any


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


class TcpDataSource:
    """Accepts and closes connections on 127.0.0.1:``port`` between ``start()`` and ``stop()``."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.accepted = 0

    def start(self) -> TcpDataSource:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(128)
        sock.settimeout(0.2)
        self._sock = sock
        self._thread = threading.Thread(target=self._serve, name=f"tcp-source-{self.port}", daemon=True)
        self._thread.start()
        return self

    def _serve(self) -> None:
        sock = self._sock
        while sock is not None and self._sock is sock:
            try:
                conn, _ = sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.accepted += 1
            conn.close()

    def stop(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()
        if self._thread is not None:
            self._thread.join(5)
            self._thread = None

    def __enter__(self) -> TcpDataSource:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    do_HEAD = do_GET  # noqa: N815 - the name http.server dispatches to

    def log_message(self, format: str, *args: Any) -> None:
        pass


class HttpDataSource:
    """A threaded HTTP server answering 200 to everything; ``url`` points into it."""

    def __init__(self) -> None:
        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Ok)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/data.csv"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    def __enter__(self) -> HttpDataSource:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


def start_after_polls(emu: Any, source: TcpDataSource, polls: int, *, within: float = 60.0) -> threading.Thread:
    """Bring ``source`` up once the emulator has seen ``polls`` re-tests (``test`` actions) of connections.

    This is how a test makes a data source "come up after a few polls" of a sensor or trigger.
    """

    def watch() -> None:
        deadline = time.monotonic() + within
        while emu.requests_count("PUT", "/v2/connections/*/actions/test") < polls and time.monotonic() < deadline:
            time.sleep(0.02)
        source.start()

    thread = threading.Thread(target=watch, name="start-after-polls", daemon=True)
    thread.start()
    return thread
