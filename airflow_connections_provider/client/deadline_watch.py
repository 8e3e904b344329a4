"""The total deadline of a blocking request: a reply trickled byte by byte must still end.

requests (like urllib3 and http.client) has only a read timeout, which restarts with every byte
received. :class:`DeadlineWatchdog` is one thread for the whole process: every request registers its
deadline, and the thread shuts down the socket of any request still running at its deadline. The
blocked read then returns, the request fails, and the transport raises
:func:`~airflow_connections_provider.client.errors.deadline_exceeded`, the same error the async shell
raises from ``asyncio.timeout``.

The socket is found through the connection classes of :class:`DeadlineAdapter`'s pools (urllib3's
documented ``ConnectionCls``), which note the request they serve as they connect and send. A session
passed in from outside (tests' mocks) is not watched. A connection goes back to its pool as the reply's
last byte is read, just before the request is marked done: a deadline falling in that instant finds the
connection noted for the next request (or for none) and leaves it alone.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import requests.adapters
import urllib3
import urllib3.connection


class Watch:
    """One request's deadline, and the connection it is sent on once known."""

    __slots__ = ("at", "connection", "done", "expired")

    def __init__(self, at: float) -> None:
        self.at = at
        self.connection: Any = None
        self.done = False
        self.expired = False


#: The :class:`Watch` of the request this thread is sending (read by the connection classes below).
_current = threading.local()


class DeadlineWatchdog:
    """Cuts off requests that outlive their deadline: one thread for every client, only while needed.

    A request registers its deadline (a heap push); the thread sleeps until the earliest one, and when a
    request is still running then, shuts down its socket. It stops when nothing was watched for
    ``IDLE_EXIT_S`` and starts again with the next request. A finished request is marked, and leaves
    the heap once it reaches the front.
    """

    IDLE_EXIT_S = 5.0

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, Watch]] = []
        self._order = itertools.count()
        self._running = False

    def watch(self, seconds: float) -> Watch:
        watch = Watch(time.monotonic() + seconds)
        with self._cond:
            heapq.heappush(self._heap, (watch.at, next(self._order), watch))
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="ibm-request-deadlines", daemon=True).start()
            elif self._heap[0][2] is watch:
                self._cond.notify()
        return watch

    def attach(self, watch: Watch, connection: Any) -> None:
        """``connection`` now serves ``watch``'s request (a reused connection serves one request at a time)."""
        with self._cond:
            watch.connection = connection
            connection.deadline_watch = watch

    def finish(self, watch: Watch) -> None:
        with self._cond:
            watch.done = True
            # Unlink the watch and its connection: a finished request leaves no reference cycle for
            # Python's cycle collector (the connection lives on in its pool, the watch goes at once).
            connection, watch.connection = watch.connection, None
            if connection is not None and getattr(connection, "deadline_watch", None) is watch:
                connection.deadline_watch = None
            # Requests of one client share a deadline length, so they mostly finish in the order they
            # expire: dropping finished ones from the front keeps the heap as small as what is in flight.
            while self._heap and self._heap[0][2].done:
                heapq.heappop(self._heap)

    def _run(self) -> None:
        with self._cond:
            while True:
                while self._heap and self._heap[0][2].done:
                    heapq.heappop(self._heap)
                if not self._heap:
                    if not self._cond.wait(self.IDLE_EXIT_S) and not self._heap:
                        self._running = False
                        return
                    continue
                wait = self._heap[0][0] - time.monotonic()
                if wait > 0:
                    self._cond.wait(wait)
                    continue
                watch = heapq.heappop(self._heap)[2]
                watch.expired = True
                _cut_off(watch)


def _cut_off(watch: Watch) -> None:
    """Shut down the socket of ``watch``'s request, unless its connection has moved on to another one."""
    connection = watch.connection
    if connection is None or getattr(connection, "deadline_watch", None) is not watch:
        return
    sock: Any = getattr(connection, "sock", None)
    # socket.socket's own shutdown, also for a TLS socket: a blocked read returns at once. Nothing to do
    # when it is closed already, or not a plain socket (TLS inside a TLS proxy).
    with contextlib.suppress(OSError, TypeError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


_WATCHDOG = DeadlineWatchdog()


def _note_connection(connection: Any) -> None:
    watch = getattr(_current, "watch", None)
    if watch is not None:
        _WATCHDOG.attach(watch, connection)


class _Noted:
    """Notes the connection for the watch of the request this thread sends, as it connects and sends."""

    def connect(self) -> None:
        _note_connection(self)
        super().connect()  # type: ignore[misc]

    def request(self, *args: Any, **kwargs: Any) -> None:
        _note_connection(self)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Noted, urllib3.connection.HTTPConnection):
    pass


class _WatchedHTTPSConnection(_Noted, urllib3.connection.HTTPSConnection):
    pass


class _WatchedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_WATCHED_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class DeadlineAdapter(requests.adapters.HTTPAdapter):
    """requests' adapter with pools whose connections the :class:`DeadlineWatchdog` can cut off."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _WATCHED_POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):  # SOCKS pools have classes of their own
            manager.pool_classes_by_scheme = _WATCHED_POOLS
        return manager


@contextmanager
def watched_request(seconds: float) -> Iterator[Watch]:
    """Watch the request this thread sends inside the block; ``watch.expired`` tells if it was cut off."""
    watch = _WATCHDOG.watch(seconds)
    _current.watch = watch
    try:
        yield watch
    finally:
        _current.watch = None
        _WATCHDOG.finish(watch)
