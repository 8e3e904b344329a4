"""Tiny real servers on loopback that misbehave the way the emulator never does: a login page that answers
every path, a redirecting token endpoint, a listing that never ends, a reply trickled a byte at a time.

Each is a context manager: it listens on 127.0.0.1 on a free port while the block runs and is stopped
(its threads joined, its sockets closed) when the block ends, whatever happened inside.
"""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs, urlsplit

#: ``answer(method, path, query) -> (status, headers, body)``.
Answer = Callable[[str, str, dict[str, list[str]]], tuple[int, dict[str, str], bytes]]


class StandIn:
    """An HTTP server whose every reply comes from ``answer``; ``requests`` records ``(method, path)``."""

    def __init__(self, answer: Answer) -> None:
        self.answer = answer
        self.requests: list[tuple[str, str]] = []
        stand_in = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _reply(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                parts = urlsplit(self.path)
                stand_in.requests.append((self.command, parts.path))
                status, headers, body = stand_in.answer(self.command, parts.path, parse_qs(parts.query))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _reply  # noqa: N815 - http.server's names

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def json_reply(body: Any, status: int = 200) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body).encode()


LOGIN_PAGE = b"<!doctype html><html><head><title>Sign in</title></head><body><form>...</form></body></html>"


def login_page(method: str, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
    """A web single sign-on page in front of everything: 200 text/html at every path."""
    return 200, {"Content-Type": "text/html; charset=utf-8"}, LOGIN_PAGE


def redirect_to(location: str, status: int = 302) -> Answer:
    def answer(method: str, path: str, query: dict[str, list[str]]) -> tuple[int, dict[str, str], bytes]:
        return status, {"Location": location, "Content-Type": "text/html"}, b"<a>moved</a>"

    return answer


class TrickleServer:
    """Answers every request with a complete, valid HTTP reply, written one byte every ``interval`` s.

    ``headers_at_once``: the status line and headers come at once and only the body trickles (a slow
    body); otherwise the reply trickles from its first byte. Each connection stops after ``max_seconds``
    (so nothing outlives a test that forgot it), or when the client goes away.
    """

    def __init__(self, *, interval: float = 0.2, headers_at_once: bool = False, max_seconds: float = 30.0) -> None:
        self.interval = interval
        self.headers_at_once = headers_at_once
        self.max_seconds = max_seconds
        self.accepted = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._acceptor = threading.Thread(target=self._accept)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}"

    def __enter__(self) -> TrickleServer:
        self._acceptor.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._acceptor.join(timeout=5)
        for thread in self._threads:
            thread.join(timeout=5)
        self._listener.close()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except OSError:  # the accept timeout: look at the stop flag again
                continue
            self.accepted += 1
            thread = threading.Thread(target=self._trickle, args=(conn,))
            self._threads.append(thread)
            thread.start()

    def _trickle(self, conn: socket.socket) -> None:
        body = json.dumps({"service_name": "trickle", "version": "1", "padding": "x" * 2000}).encode()
        head = (
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\nX-Padding: {'y' * 2000}\r\n\r\n"
        ).encode()
        ends = time.monotonic() + self.max_seconds
        with conn:
            conn.settimeout(1.0)
            try:
                conn.recv(65536)  # the request (small: its headers arrive in one segment on loopback)
                if self.headers_at_once:
                    conn.sendall(head)
                for byte in body if self.headers_at_once else head + body:
                    if self._stop.wait(self.interval) or time.monotonic() > ends:
                        return
                    conn.sendall(bytes([byte]))
            except OSError:  # the client cut the connection off: what the test waits for
                return
