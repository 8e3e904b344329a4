"""Small local data sources for the demo, as one process: databases (TCP listeners, which is what the
emulator's live test of a database checks) and a web server (feeds, object storage endpoint).

A database given with ``--late`` does not listen until the process gets SIGUSR1: that is how the demo
makes the orders database "come up" while the sensor waits in the triggerer. Prints one line
``sources ready`` once every other port listens. SIGTERM/SIGINT stop it.

    python -m tools.demo_sources --tcp 5433 --late 5434 --http 8081
"""

from __future__ import annotations

import argparse
import http.server
import signal
import socket
import sys
import threading
from collections.abc import Sequence
from types import FrameType
from typing import Any


class _Ok(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"id,value\n1,ok\n"
        self.send_response(200)
        self.send_header("Content-Type", "text/csv")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_HEAD = do_GET  # noqa: N815 - the name http.server dispatches to

    def log_message(self, format: str, *args: Any) -> None:
        pass


def _listen(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(64)
    threading.Thread(target=_accept, args=(sock,), daemon=True, name=f"tcp-{port}").start()
    return sock


def _accept(sock: socket.socket) -> None:
    while True:
        try:
            conn, _ = sock.accept()
        except OSError:
            return
        conn.close()  # accepting is all a TCP live test needs


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.demo_sources", description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--tcp", type=int, action="append", default=[], help="a database port, listening now")
    parser.add_argument("--late", type=int, action="append", default=[], help="a database port, listening on SIGUSR1")
    parser.add_argument("--http", type=int, required=True, help="the web server's port")
    args = parser.parse_args(argv)

    stop = threading.Event()
    opened = threading.Event()

    def on_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    def on_open(signum: int, frame: FrameType | None) -> None:
        opened.set()

    signal.signal(signal.SIGTERM, on_stop)
    signal.signal(signal.SIGINT, on_stop)
    signal.signal(signal.SIGUSR1, on_open)

    web = http.server.ThreadingHTTPServer((args.host, args.http), _Ok)
    threading.Thread(target=web.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
    sockets = [_listen(args.host, port) for port in args.tcp]
    print("sources ready", flush=True)
    while not stop.is_set():
        if opened.is_set() and args.late:
            sockets += [_listen(args.host, port) for port in args.late]
            print(f"late database(s) listening now on port(s) {', '.join(map(str, args.late))}", flush=True)
            args.late = []
        stop.wait(0.1)
    web.shutdown()
    web.server_close()
    for sock in sockets:
        sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
