"""Many validation triggers starting at once on one event loop, as in a triggerer (issue: the
triggerer warned "async thread was blocked" as the provider's triggers started).

No clock is asserted here (speed lives in ``make bench``); these tests pin the structure that keeps
the loop free: one Airflow connection lookup and one client (one SSL context, built in a worker
thread) per Airflow connection, requests in flight never above the pool's size, the client stack
imported off the loop, and a full pool reported as the local wait it is.
"""

from __future__ import annotations

import asyncio
import json
import os
import ssl
import subprocess
import sys
import textwrap
import threading

import httpx
import pytest

from airflow_connections_provider.client import AsyncConnectionsClient, TransportError, async_transport
from airflow_connections_provider.client.async_transport import AsyncTransport, async_transport_error
from airflow_connections_provider.client.endpoints import service_version
from airflow_connections_provider.triggers import client_pool
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger, ValidationEvent
from tests.integration.conftest import FAST_RETRY, credentials_for, pg_properties

pytestmark = pytest.mark.integration

TRIGGERS = 120
CAP = 6  # a pool far smaller than the crowd, so the cap is actually reached


@pytest.fixture
def spies(monkeypatch: pytest.MonkeyPatch):
    """Count (without replacing) SSL contexts, Airflow connection lookups and built clients."""
    from airflow_connections_provider import compat

    seen: dict[str, list] = {"ssl_threads": [], "lookups": [], "clients": []}
    real_ssl, real_lookup, real_build = ssl.create_default_context, compat.aget_connection, client_pool._build

    def counting_ssl(*args, **kwargs):
        seen["ssl_threads"].append(threading.get_ident())
        return real_ssl(*args, **kwargs)

    async def counting_lookup(conn_id):
        seen["lookups"].append(conn_id)
        return await real_lookup(conn_id)

    def recording_build(config):
        client = real_build(config)
        seen["clients"].append(client)
        return client

    monkeypatch.setattr(ssl, "create_default_context", counting_ssl)
    monkeypatch.setattr(compat, "aget_connection", counting_lookup)
    monkeypatch.setattr(client_pool, "_build", recording_build)
    monkeypatch.setattr(async_transport, "POOL_SIZE", CAP)
    return seen


def _trigger(emu, connection_id: str) -> IBMConnectionValidationTrigger:
    return IBMConnectionValidationTrigger(
        ibm_conn_id="ibm_data_platform_default",
        scope_kind="project_id",
        scope_id=emu.project_id("sales"),
        connection_id=connection_id,
        poll_interval=0.05,
        hook_params={**FAST_RETRY.to_dict(), "timeout": 10.0},
    )


async def test_triggers_starting_together_share_one_lookup_one_client_and_respect_the_cap(
    airflow_conn, emu, pg_source, spies
):
    source = pg_properties(pg_source)
    ids = [emu.create_connection(f"t{i}", "postgresql", source, project="sales") for i in range(TRIGGERS)]
    emu.set_faults(latency_ms=30)  # replies overlap, so the crowd really competes for connections
    loop_thread = threading.get_ident()

    async def run(trigger):
        return [e async for e in trigger.run()]

    tasks = []
    for cid in ids:  # started the way Airflow's triggerer starts them: one by one, yielding between
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(run(_trigger(emu, cid))))
    results = await asyncio.gather(*tasks)

    assert [ValidationEvent.from_payload(events[0].payload).status for events in results] == ["success"] * TRIGGERS
    assert spies["lookups"] == ["ibm_data_platform_default"]  # one lookup for all of them
    assert len(spies["clients"]) == 1  # one client, so one pool and one token
    assert len(spies["ssl_threads"]) == 1  # one SSL context ...
    assert loop_thread not in spies["ssl_threads"]  # ... built in a worker thread, not on the loop
    transport = spies["clients"][0].transport
    assert transport.peak_in_flight == CAP  # the crowd filled the pool, and never went past it
    assert transport.in_flight == 0
    assert emu.requests_count("POST", "/identity/token") == 1
    assert client_pool.pooled_client_count() == 0  # closed with its last user


async def test_triggers_with_other_hook_params_get_a_client_of_their_own(airflow_conn, emu, pg_source, spies):
    cid = emu.create_connection("solo", "postgresql", pg_properties(pg_source), project="sales")
    first, second = _trigger(emu, cid), _trigger(emu, cid)
    second.hook_params = {**second.hook_params, "timeout": 7.0}

    async def run(trigger):
        return [e async for e in trigger.run()]

    await asyncio.gather(run(first), run(second))
    assert len(spies["clients"]) == 2
    assert {c.config.timeout for c in spies["clients"]} == {10.0, 7.0}


async def test_a_missing_airflow_connection_fails_every_waiting_trigger_alike(emu, monkeypatch):
    monkeypatch.delenv("AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT", raising=False)

    async def run(trigger):
        return [e async for e in trigger.run()]

    results = await asyncio.gather(*(run(_trigger(emu, f"id-{i}")) for i in range(5)))
    events = [ValidationEvent.from_payload(r[0].payload) for r in results]
    assert {(e.status, e.permanent) for e in events} == {("error", True)}
    assert all("ibm_data_platform_default" in e.message for e in events)
    assert client_pool.pooled_client_count() == 0


def test_a_full_pool_is_reported_as_a_local_wait_not_a_refused_connection():
    spec = service_version()
    error = async_transport_error(spec, httpx.PoolTimeout("timed out"), (10.0, 60.0))
    assert "pool" in error.reason
    assert "refused" not in error.reason
    assert error.maybe_applied is False  # nothing was sent


async def test_a_pool_timeout_from_a_small_caller_pool_surfaces_as_a_pool_wait(emu):
    """A caller-supplied httpx client with one connection: the second request waits in httpx's pool."""
    from airflow_connections_provider.client import AuthType, ClientConfig

    config = ClientConfig(
        credentials_for(emu, AuthType.BEARER_TOKEN),
        base_url=emu.url,
        timeout=5.0,
    )
    tight = httpx.AsyncClient(limits=httpx.Limits(max_connections=1), timeout=httpx.Timeout(5.0, pool=0.01))
    emu.set_faults(latency_ms=300)
    async with AsyncConnectionsClient(config, transport=AsyncTransport(config, client=tight)) as client:
        outcomes = await asyncio.gather(client.version(), client.version(), return_exceptions=True)
    failures = [o for o in outcomes if isinstance(o, Exception)]
    assert len(failures) == 1
    assert isinstance(failures[0], TransportError)  # one attempt: the trigger's next poll is the retry
    assert "no free connection in the client's pool" in str(failures[0])


def test_the_client_stack_is_imported_off_the_event_loop(emu, pg_source):
    """In a fresh interpreter (nothing imported yet), record which thread imports each client module."""
    cid = emu.create_connection("fresh", "postgresql", pg_properties(pg_source), project="sales")
    conn = {
        "conn_type": "ibmdataplatform",
        "host": emu.url,
        "password": emu.api_key,
        "extra": {"auth_type": "iam_api_key", "iam_url": emu.url, "project": "sales"},
    }
    script = textwrap.dedent(
        f"""
        import asyncio, json, sys, threading
        on_loop = []

        class Recorder:
            def find_spec(self, name, path=None, target=None):
                ours = name.startswith("airflow_connections_provider.")
                if ours and threading.current_thread() is threading.main_thread():
                    on_loop.append(name)
                return None

        import airflow.triggers.base  # a triggerer has Airflow loaded already
        from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger
        sys.meta_path.insert(0, Recorder())
        trigger = IBMConnectionValidationTrigger(
            ibm_conn_id="bench", scope_kind="project_id", scope_id={emu.project_id("sales")!r},
            connection_id={cid!r}, poll_interval=0.05,
        )

        async def main():
            return [e.payload["status"] async for e in trigger.run()]

        statuses = asyncio.run(main())
        print(json.dumps({{"statuses": statuses, "on_loop": on_loop}}))
        """
    )
    env = {"AIRFLOW_CONN_BENCH": json.dumps(conn)}
    out = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, **env},
    ).stdout
    result = json.loads(out.strip().splitlines()[-1])
    assert result["statuses"] == ["success"]
    assert result["on_loop"] == []
