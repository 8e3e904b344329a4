"""Failed and retried calls leave no reference cycles of ours: no failure, traceback or frame waits for
Python's cycle collector.

Why it matters: a triggerer re-tests thousands of connections, ~100 requests a second. A cycle through
a failure's traceback keeps the frames, the request and the retry state alive past young collections
and into the old generation, whose full collections walk the triggerer's whole heap (0.1-0.3 s) and
stall its event loop. The retry loop used to leave one per call (tenacity's retry state holds the
failure whose traceback holds the retry state). With the collector off, what a collection then finds
is exactly what the calls left in cycles; httpx's own responses are in a cycle with their stream
(created and freed young), which is not ours to change.
"""

from __future__ import annotations

import gc
import types
from collections.abc import Callable, Iterator

import httpx
import pytest

from airflow_connections_provider.client import (
    AuthType,
    NotFoundError,
    RetriesExhaustedError,
    RetryPolicy,
    ValidationRefusedError,
)
from tests.contract import real_replies
from tests.support import payloads
from tests.unit.client.conftest import API
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


async def test_async_refusals_and_retries_leave_no_cycles_of_ours(cycles):
    gets = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal gets
        if request.url.path.endswith("/version"):
            return httpx.Response(200, json={"service_name": "connections", "version": "2"})
        if request.url.path.endswith("/actions/test"):
            return reply(real_replies.refused_by_data_source())
        gets += 1
        if gets % 2:
            return httpx.Response(503, json=payloads.error("unavailable", "down"))
        return reply(real_replies.not_found())

    client, waits = make(handler, auth=AuthType.BEARER_TOKEN, retry=RetryPolicy(retry_limit=1, retry_delay=0.01))
    async with client:
        await client.version()  # pool and connection state built once, before the count
        cycles()
        for _ in range(CALLS):
            with pytest.raises(ValidationRefusedError):
                await client.validate_connection(SCOPE, "c1")
            with pytest.raises(NotFoundError):  # a 503, one retry, then a 404
                await client.get_connection(SCOPE, "c1")
        left = cycles()
    assert len(waits) == CALLS  # each get was retried once: the retry path ran every time
    assert ours(left) == []


def test_sync_failures_and_exhausted_retries_leave_no_cycles(cycles, mocked, make_client):
    version = f"{API}/v2/connections/version"
    mocked.get(version, status=404, json=payloads.error("not_found", "gone"))
    client = make_client(retry=RetryPolicy(retry_limit=1, retry_delay=0.01))
    with pytest.raises(NotFoundError):
        client.version()  # session and adapters built once, before the count
    cycles()
    for _ in range(CALLS):
        with pytest.raises(NotFoundError):
            client.version()
    mocked.replace("GET", version, status=503, json=payloads.error("unavailable", "down"))
    for _ in range(CALLS):
        with pytest.raises(RetriesExhaustedError):
            client.version()
    assert cycles() == []  # requests' objects too: nothing at all is left in cycles
