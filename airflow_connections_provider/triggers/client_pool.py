"""One async client per (event loop, client settings), shared by every trigger that needs it.

A triggerer runs many triggers on one event loop. Without sharing, 500 deferred sensors on one Airflow
connection would hold 500 connection pools and exchange 500 API keys for tokens; with it they share
one pool and one token (refreshed once for all). The client is closed when its last user leaves.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from airflow_connections_provider.client import AsyncConnectionsClient, ClientConfig

_clients: dict[tuple[int, ClientConfig], tuple[AsyncConnectionsClient, int]] = {}


@asynccontextmanager
async def pooled_client(config: ClientConfig) -> AsyncIterator[AsyncConnectionsClient]:
    # Settings are frozen and hashable, secrets included: changed credentials get a client of their own.
    key = (id(asyncio.get_running_loop()), config)
    client, users = _clients.get(key, (None, 0))
    if client is None:
        client = AsyncConnectionsClient(config)
    _clients[key] = (client, users + 1)
    try:
        yield client
    finally:
        client, users = _clients[key]
        if users <= 1:
            del _clients[key]
            await client.aclose()
        else:
            _clients[key] = (client, users - 1)


def pooled_client_count() -> int:
    """How many shared clients are open (for tests and benchmarks)."""
    return len(_clients)
