"""The blocking shell's watchdog: a read blocked past its deadline returns; nothing else is touched.

Real sockets (a connected pair), no HTTP: the watchdog shuts down the socket of the connection a watch
is attached to. Waits are bounded by the test's own join timeouts; nothing is timed.
"""

from __future__ import annotations

import socket
import threading
from types import SimpleNamespace

from airflow_connections_provider.client.deadline_watch import DeadlineWatchdog


def blocked_reader(sock: socket.socket) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []
    thread = threading.Thread(target=lambda: got.append(sock.recv(1)))
    thread.start()
    return thread, got


def test_a_read_blocked_past_its_deadline_returns():
    ours, theirs = socket.socketpair()
    ours.settimeout(30)  # the read timeout alone would hold the reader for 30 s
    watchdog = DeadlineWatchdog()
    watch = watchdog.watch(0.05)
    watchdog.attach(watch, SimpleNamespace(sock=ours))
    thread, got = blocked_reader(ours)
    thread.join(timeout=10)
    assert not thread.is_alive() and got == [b""]  # the shut-down socket reads as closed
    assert watch.expired
    ours.close()
    theirs.close()


def test_a_finished_request_and_a_connection_serving_another_are_left_alone():
    watchdog = DeadlineWatchdog()
    pairs = [socket.socketpair() for _ in range(2)]
    finished = watchdog.watch(0.01)
    watchdog.attach(finished, SimpleNamespace(sock=pairs[0][0]))
    watchdog.finish(finished)
    moved_on = watchdog.watch(0.01)
    connection = SimpleNamespace(sock=pairs[1][0])
    watchdog.attach(moved_on, connection)
    watchdog.attach(watchdog.watch(60), connection)  # the connection now serves a later request
    later = watchdog.watch(0.05)  # a marker: once it expires, the earlier deadlines were handled
    pause = threading.Event()
    for _ in range(1000):  # at most ~10 s
        if later.expired:
            break
        pause.wait(0.01)
    assert later.expired
    for ours, theirs in pairs:
        theirs.sendall(b"x")
        assert ours.recv(1) == b"x"  # still open: not shut down
        ours.close()
        theirs.close()
    assert moved_on.expired and not finished.expired


def test_a_finished_request_leaves_no_reference_cycle():
    """A watch and its connection point at each other while the request runs; once it finished they
    must not, or every blocking request leaves a cycle for the collector (the triggerer's full
    collections, tests/unit/client/test_retry_garbage.py, find it there)."""
    watchdog = DeadlineWatchdog()
    connection = SimpleNamespace(sock=None)
    watch = watchdog.watch(60)
    watchdog.attach(watch, connection)
    assert connection.deadline_watch is watch and watch.connection is connection
    watchdog.finish(watch)
    assert watch.connection is None and connection.deadline_watch is None
    later = watchdog.watch(60)
    watchdog.attach(later, connection)  # the pooled connection serves the next request
    watchdog.finish(watch)  # a late second finish of the earlier request leaves the new one alone
    assert connection.deadline_watch is later
    watchdog.finish(later)
