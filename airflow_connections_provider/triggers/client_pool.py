"""One async client per (event loop, Airflow connection), shared by every trigger that needs it.

A triggerer runs many triggers on one event loop. Without sharing, 1,000 deferred sensors on one
Airflow connection would hold 1,000 connection pools, exchange 1,000 API keys for tokens, and each
would read the Airflow connection and build an SSL context on the loop as it starts (loading a CA
bundle takes 40-100 ms: Airflow's triggerer then warns that a badly-written trigger blocked it).

With it, triggers of one Airflow connection share one client, one pool and one token:
- the connection is read once for all the triggers that start together (one lookup in flight per
  connection; triggers starting while a client is in use reuse its settings for ``REUSE_S`` seconds,
  then the next start reads the connection again and changed settings get a client of their own);
- the client (httpx pool and SSL context) is built in a worker thread, never on the event loop;
- the client is closed when its last user leaves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field

from airflow_connections_provider.client import AsyncConnectionsClient, ClientConfig
from airflow_connections_provider.triggers.outcome import SharedOutcome

#: How long settings read for one trigger serve the triggers of the same connection starting after it.
REUSE_S = 30.0


@dataclass(eq=False)
class _Shared:
    config: ClientConfig
    ready: SharedOutcome[AsyncConnectionsClient]
    checked_at: float
    users: int = 0
    keys: set[tuple[int, Hashable]] = field(default_factory=set)


# Keyed by (id of the running loop, ...): a triggerer has one loop, tests may run several.
_by_config: dict[tuple[int, ClientConfig], _Shared] = {}
_by_conn: dict[tuple[int, Hashable], _Shared] = {}
_lookups: dict[tuple[int, Hashable], SharedOutcome[ClientConfig]] = {}
_built = 0


def _build(config: ClientConfig) -> AsyncConnectionsClient:
    """Runs in a worker thread: the SSL context and CA bundle are loaded here, off the loop."""
    global _built
    _built += 1
    return AsyncConnectionsClient(config)


async def _read_config(key: tuple[int, Hashable], load: Callable[[], Awaitable[ClientConfig]]) -> ClientConfig:
    """One lookup in flight per connection: triggers starting together share its result (or error).

    The lookup runs in a task of its own: a trigger cancelled while it waits cancels only its wait.
    It is forgotten when its first waiter resumes, which then records the client (``_entry``) before
    yielding to the loop: a trigger starting in between finds one or the other, never neither.
    """
    pending = _lookups.get(key)
    if pending is None or pending.failed():  # a failure nobody was left to forget is not replayed
        pending = SharedOutcome(load())
        _lookups[key] = pending
    try:
        return await pending.wait()
    finally:
        if pending.done() and _lookups.get(key) is pending:
            del _lookups[key]


async def _entry(key: Hashable, load: Callable[[], Awaitable[ClientConfig]]) -> _Shared:
    loop = asyncio.get_running_loop()
    conn_key = (id(loop), key)
    entry = _by_conn.get(conn_key)
    if entry is not None and time.monotonic() - entry.checked_at < REUSE_S:
        return entry
    config = await _read_config(conn_key, load)
    # Settings are frozen and hashable, secrets included: changed credentials get a client of their own.
    config_key = (id(loop), config)
    entry = _by_config.get(config_key)
    if entry is None:
        entry = _Shared(config, SharedOutcome(asyncio.to_thread(_build, config)), time.monotonic())
        _by_config[config_key] = entry
    entry.checked_at = time.monotonic()
    entry.keys.add(conn_key)
    _by_conn[conn_key] = entry
    return entry


class ClientLease:
    """A share of a pooled client, ready to use: ``async with lease as client:``; released on exit."""

    def __init__(self, entry: _Shared, client: AsyncConnectionsClient) -> None:
        self._entry = entry
        self._client = client

    async def __aenter__(self) -> AsyncConnectionsClient:
        return self._client

    async def __aexit__(self, *exc: object) -> None:
        await _release(self._entry)


async def _release(entry: _Shared) -> None:
    entry.users -= 1
    if entry.users > 0:
        return
    loop_id = id(asyncio.get_running_loop())
    if _by_config.get((loop_id, entry.config)) is entry:
        del _by_config[(loop_id, entry.config)]
    for key in entry.keys:
        if _by_conn.get(key) is entry:
            del _by_conn[key]
    try:
        client = await entry.ready.wait()
    except Exception:  # noqa: BLE001 - the build failed: nothing to close (its users saw the error)
        return
    await client.aclose()


async def lease_client(key: Hashable, load: Callable[[], Awaitable[ClientConfig]]) -> ClientLease:
    """The shared client of ``key`` (an Airflow connection id, plus whatever else ``load`` depends on).

    ``load`` reads the client settings when they are needed. Its errors (a missing or unusable
    connection) and those of building the client (say, a CA bundle that does not exist) are raised
    here, and no lease is held then.
    """
    entry = await _entry(key, load)
    entry.users += 1
    try:
        client = await entry.ready.wait()
    except BaseException:
        await _release(entry)
        raise
    return ClientLease(entry, client)


def pooled_client_count() -> int:
    """How many shared clients are open (for tests and benchmarks)."""
    return len(_by_config)


def clients_built() -> int:
    """How many shared clients were ever built in this process (for tests and benchmarks)."""
    return _built
