"""Work shared by triggers that start together: done once, awaited by all, and a cancelled waiter (its
task cancelled by the triggerer) never cancels the work the others wait for."""

from __future__ import annotations

import asyncio
import traceback

import pytest

from airflow_connections_provider.client import AsyncConnectionsClient
from airflow_connections_provider.triggers import client_pool
from airflow_connections_provider.triggers.outcome import SharedOutcome
from tests.unit.client.conftest import make_config


async def test_every_waiter_gets_the_result_of_one_run_even_when_one_is_cancelled():
    runs = 0
    gate = asyncio.Event()

    async def work() -> str:
        nonlocal runs
        runs += 1
        await gate.wait()
        return "done"

    outcome = SharedOutcome(work())
    waiters = [asyncio.ensure_future(outcome.wait()) for _ in range(20)]
    await asyncio.sleep(0)
    waiters[0].cancel()  # the first trigger to start is the one cancelled
    gate.set()
    results = await asyncio.gather(*waiters, return_exceptions=True)
    assert isinstance(results[0], asyncio.CancelledError)
    assert results[1:] == ["done"] * 19
    assert runs == 1 and outcome.done() and not outcome.failed()


async def test_a_failure_reaches_every_waiter_with_the_works_own_traceback():
    async def work() -> str:
        raise LookupError("no such connection")

    outcome = SharedOutcome(work())
    depths = []
    for _ in range(5):
        with pytest.raises(LookupError, match="no such connection") as caught:
            await outcome.wait()
        depths.append(len(traceback.extract_tb(caught.value.__traceback__)))
    assert len(set(depths)) == 1  # not one frame more per waiter
    assert outcome.failed()


async def test_cancelled_work_is_an_error_for_its_waiters_not_their_cancellation():
    outcome = SharedOutcome(asyncio.sleep(10))
    waiter = asyncio.ensure_future(outcome.wait())
    await asyncio.sleep(0)
    outcome.task.cancel()
    with pytest.raises(RuntimeError, match="cancelled"):
        await waiter


async def test_a_trigger_cancelled_during_the_shared_lookup_leaves_the_others_their_lease(monkeypatch):
    lookups = 0
    gate = asyncio.Event()
    config = make_config()

    async def load():
        nonlocal lookups
        lookups += 1
        await gate.wait()
        return config

    starts = [asyncio.ensure_future(client_pool.lease_client("cancel-test", load)) for _ in range(10)]
    await asyncio.sleep(0)
    starts[0].cancel()  # it started the lookup, then the triggerer cancelled it
    gate.set()
    leases = await asyncio.gather(*starts, return_exceptions=True)
    assert isinstance(leases[0], asyncio.CancelledError)
    assert lookups == 1
    clients = set()
    for lease in leases[1:]:
        async with lease as client:
            clients.add(client)
    assert len(clients) == 1 and isinstance(next(iter(clients)), AsyncConnectionsClient)
    assert client_pool.pooled_client_count() == 0  # closed with its last user


async def test_a_failed_lookup_that_every_waiter_left_is_not_replayed_to_the_next_trigger():
    gate = asyncio.Event()
    config = make_config()
    lookups = 0

    async def failing_load():
        nonlocal lookups
        lookups += 1
        await gate.wait()
        raise LookupError("the Airflow connection was missing then")

    async def load():
        nonlocal lookups
        lookups += 1
        return config

    starts = [asyncio.ensure_future(client_pool.lease_client("left-test", failing_load)) for _ in range(3)]
    await asyncio.sleep(0)
    for start in starts:
        start.cancel()  # the triggerer cancelled every trigger waiting on the lookup
    gate.set()
    await asyncio.gather(*starts, return_exceptions=True)
    await asyncio.sleep(0)  # the lookup fails, with nobody left to see it

    async with await client_pool.lease_client("left-test", load) as client:
        assert isinstance(client, AsyncConnectionsClient)
    assert lookups == 2
