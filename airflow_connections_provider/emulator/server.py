"""Running the app with uvicorn in a background thread, on a socket bound before the thread
starts (so port 0 works and the real port is known at once), with a clean stop: the thread is
joined and the listening socket closed.
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

from .app import create_app
from .context import EmulatorContext
from .middleware import install_log_filter
from .settings import EmulatorSettings

START_TIMEOUT_S = 10.0
STOP_TIMEOUT_S = 10.0


def bind_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def url_for(host: str, port: int) -> str:
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


class EmulatorServer:
    """One emulator on one socket. Use `start()`/`stop()` or `with EmulatorServer(...) as server:`."""

    def __init__(self, settings: EmulatorSettings | None = None, *, uvicorn_log_config: Any = None) -> None:
        self.settings = settings or EmulatorSettings()
        self.context = EmulatorContext.create(self.settings)
        self.app = create_app(self.settings, self.context)
        self._log_config = uvicorn_log_config
        self._sock: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.host = self.settings.host
        self.port = self.settings.port

    @property
    def url(self) -> str:
        return url_for(self.host, self.port)

    def start(self) -> EmulatorServer:
        if self._thread is not None:
            raise RuntimeError("the emulator is already running")
        install_log_filter()
        sock = bind_socket(self.settings.host, self.settings.port)
        self._sock = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_config=self._log_config,
            log_level=self.settings.log_level,
            # The emulator logs access itself, with secrets redacted (see middleware.ACCESS_LOGGER).
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=1,
        )
        server = uvicorn.Server(config)
        self._server = server
        errors: list[BaseException] = []

        def run() -> None:
            try:
                server.run(sockets=[sock])
            except BaseException as exc:  # noqa: BLE001 - reported to the starting thread below
                errors.append(exc)

        self._thread = threading.Thread(target=run, name=f"emulator-{self.port}", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT_S
        while not server.started:
            if errors or not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the emulator failed to start") from (errors[0] if errors else None)
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        server, thread, sock = self._server, self._thread, self._sock
        self._server = self._thread = self._sock = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(STOP_TIMEOUT_S)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(STOP_TIMEOUT_S)
        if sock is not None:
            sock.close()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
