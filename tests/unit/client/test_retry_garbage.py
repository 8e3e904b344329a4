"""Failed polls leave no reference cycles of ours: no failure, traceback or frame waits for Python's cycle
collector.

Why it matters: a triggerer re-tests thousands of connections, ~100 requests a second. A cycle through
a failure's traceback keeps the frames, the request and the retry state alive past young collections
and into the old generation, whose full collections walk the triggerer's whole heap (0.1-0.3 s) and
stall its event loop. The async client, the trigger's, therefore makes one attempt per call and keeps
no retry state: the trigger's poll loop is its retry loop. With the collector off, what a collection
then finds is exactly what the calls left in cycles; httpx's own responses are in a cycle with their
stream (created and freed young), which is not ours to change.

The blocking client is not held to this any more: it retries on tenacity, the Airflow way
(``retry_args``), whose retry state keeps each failure in a cycle through its traceback (one per failed
call). A task process makes a few calls and its young collections free them; the crowd of waiting
triggers, where those cycles cost full collections, never runs that path.
"""

from __future__ import annotations

import gc
import types
from collections.abc import Callable, Iterator

import httpx
import pytest

from airflow_connections_provider.client import AuthType, ConnectionsClientError, ValidationRefusedError
from tests.contract import real_replies
from tests.support import payloads
from tests.unit.client.test_async_client import SCOPE, make, reply

CALLS = 20


@pytest.fixture
def cycles() -> Iterator[Callable[[], list[object]]]:
    """Collector off during the test; the fixture's function collects and returns what was in cycles."""
    gc.collect()
    gc.disable()
    gc.set_debug(gc.DEBUG_SAVEALL)
    saved = list(gc.garbage)

    def collect() -> list[object]:
        gc.garbage.clear()
        gc.collect()
        return list(gc.garbage)

    try:
        yield collect
    finally:
        gc.set_debug(0)
        gc.garbage[:] = saved
        gc.enable()


def ours(garbage: list[object]) -> list[str]:
    """Failures, tracebacks, frames, and objects of this package or a retry library, among the garbage."""
    kinds = (BaseException, types.TracebackType, types.FrameType)
    mine = ("airflow_connections_provider", "tenacity")
    return sorted(
        {type(o).__qualname__ for o in garbage if isinstance(o, kinds) or type(o).__module__.startswith(mine)}
    )


async def test_async_refusals_and_transient_failures_leave_no_cycles_of_ours(cycles):
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"service_name": "connections", "version": "2"})
        if request.url.path.endswith("/actions/test"):
            return reply(real_replies.refused_by_data_source())
        if calls % 3 == 0:
            raise httpx.ConnectError("refused")
        if calls % 3 == 1:
            return httpx.Response(503, json=payloads.error("unavailable", "down"))
        return reply(real_replies.not_found())

    client = make(handler, auth=AuthType.BEARER_TOKEN)
    async with client:
        await client.version()  # pool and connection state built once, before the count
        cycles()
        failures: set[str] = set()
        for _ in range(CALLS):
            with pytest.raises(ValidationRefusedError):
                await client.test_connection(SCOPE, "c1")
            with pytest.raises(ConnectionsClientError) as caught:  # a 503, a refused connection or a 404
                await client.get_connection(SCOPE, "c1")
            failures.add(type(caught.value).__name__)
        left = cycles()
    assert failures == {"ServerError", "TransportError", "NotFoundError"}  # every kind of failed poll ran
    assert ours(left) == []
