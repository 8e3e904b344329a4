"""What a driver needs besides the SDK (standard library only): a data source on loopback for the
emulator's live test to reach, and the emulator's inspection API (`/_emulator/…`) as the independent
truth the SDK's answers are checked against.
"""

from __future__ import annotations

import contextlib
import json
import socket
import ssl
import threading
import urllib.request
from types import TracebackType
from typing import Any


class LocalDataSource:
    """A TCP listener on 127.0.0.1 (a PostgreSQL-shaped port): it accepts and closes, counting each
    connection, so a driver can tell that the emulator really tried the data source. The emulator
    checks credentials itself (registered with `Inspector.register_credentials`)."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.host = "127.0.0.1"
        self.port: int = self._sock.getsockname()[1]
        self._lock = threading.Condition()
        self._accepted = 0
        self._thread = threading.Thread(target=self._serve, name="local-datasource", daemon=True)
        self._thread.start()

    @property
    def accepted(self) -> int:
        with self._lock:
            return self._accepted

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # closed by close()
                return
            with self._lock:
                self._accepted += 1
                self._lock.notify_all()
            conn.close()

    def connected_since(self, count: int, timeout: float = 5.0) -> bool:
        """Whether a connection arrived after the count was `count`. The client's connect completes in
        the kernel before this thread's accept() returns, so wait a little for the count to catch up."""
        with self._lock:
            return self._lock.wait_for(lambda: self._accepted > count, timeout=timeout)

    def close(self) -> None:
        # shutdown() wakes the blocked accept() on Linux; close() alone may not.
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self._thread.join(timeout=5)

    def __enter__(self) -> LocalDataSource:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class RefusingPort:
    """A loopback port that refuses connections: bound but never listening, and held until close(),
    so no other process on the machine can take it meanwhile (a released port could be reused)."""

    def __init__(self) -> None:
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]

    def close(self) -> None:
        self._sock.close()


class Inspector:
    """The emulator's inspection API: no authentication, never counted in its request log."""

    def __init__(self, base_url: str, *, cafile: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._context = ssl.create_default_context(cafile=cafile) if base_url.startswith("https") else None

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the URL is the emulator we started
            self.base_url + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=10, context=self._context) as reply:  # noqa: S310
            return json.loads(reply.read() or b"null")

    def state(self) -> dict[str, Any]:
        return self._call("GET", "/_emulator/state")  # type: ignore[no-any-return]

    def project_guid(self, name: str) -> str:
        for project in self.state()["projects"]:
            if project["name"] == name:
                return project["guid"]  # type: ignore[no-any-return]
        raise LookupError(f"the emulator has no project named {name!r}")

    def stored(self, connection_id: str) -> dict[str, Any] | None:
        """The stored connection (secrets in clear), or None when the emulator does not hold it."""
        for conn in self.state()["connections"]:
            if conn["metadata"]["asset_id"] == connection_id:
                return conn  # type: ignore[no-any-return]
        return None

    def stored_named(self, name: str) -> list[dict[str, Any]]:
        return [c for c in self.state()["connections"] if c["entity"]["name"] == name]

    def register_credentials(self, host: str, port: int, username: str, password: str) -> None:
        body = {"host": host, "port": port, "username": username, "password": password}
        self._call("POST", "/_emulator/datasources", body)

    def requests_count(self, key: str) -> int:
        """How many API requests of `"METHOD /route/{template}"` the emulator received."""
        counts: dict[str, int] = self._call("GET", "/_emulator/requests")["counts"]
        return counts.get(key, 0)
