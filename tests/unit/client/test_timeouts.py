"""Every request has connect and read timeouts: a silent server cannot hang a task.

Uses real loopback sockets: a listener that accepts and never answers, and a port nobody listens on.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from airflow_connections_provider.client import (
    AuthType,
    ClientConfig,
    ConnectionsClient,
    Credentials,
    RetriesExhaustedError,
    RetryPolicy,
    TransportError,
)


@pytest.fixture
def silent_server() -> Iterator[str]:
    """Accepts connections, reads nothing, replies nothing."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                held.append(conn)
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    listener.close()


@pytest.fixture
def closed_port() -> str:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    return f"http://127.0.0.1:{port}"


def client_for(url: str, **kwargs: object) -> ConnectionsClient:
    config = ClientConfig(
        Credentials(AuthType.BEARER_TOKEN, token="t"),
        base_url=url,
        retry=RetryPolicy(retry_limit=2, retry_delay=0.01, max_retry_wait=0.01),
        **kwargs,
    )
    return ConnectionsClient(config)


def test_a_server_that_never_replies_times_out_and_is_retried(silent_server):
    with client_for(silent_server, timeout=0.3) as client, pytest.raises(RetriesExhaustedError) as caught:
        client.version()
    last = caught.value.last_error
    assert isinstance(last, TransportError)
    assert last.reason == "no reply within 0.3 s"
    assert last.maybe_applied is True  # the request was sent: a write might have landed
    assert caught.value.attempts == 2


def test_a_refused_connection_is_known_not_to_have_applied(closed_port):
    with client_for(closed_port, timeout=1) as client, pytest.raises(RetriesExhaustedError) as caught:
        client.version()
    last = caught.value.last_error
    assert isinstance(last, TransportError) and last.maybe_applied is False
    assert "refused" in last.reason
