"""The validation sensor and its trigger against the emulator, with a data source that comes up late."""

from __future__ import annotations

import asyncio
import time

import pytest

from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor
from airflow_connections_provider.triggers.client_pool import pooled_client_count
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger, ValidationEvent
from tests.integration.conftest import FAST_RETRY, pg_properties
from tests.support.datasources import TcpDataSource, start_after_polls
from tests.support.task_fixtures import FakeTI


@pytest.fixture
def late_source():
    source = TcpDataSource()
    yield source
    source.stop()


def saved_unvalidated(emu, source: TcpDataSource, name: str = "orders") -> str:
    """A connection stored with test=false, pointing at a data source that is not up yet."""
    return emu.create_connection(name, "postgresql", pg_properties(source), project="sales")


def test_sensor_in_poke_mode_waits_for_a_late_data_source(airflow_conn, emu, late_source):
    connection_id = saved_unvalidated(emu, late_source)
    watcher = start_after_polls(emu, late_source, polls=3)
    sensor = IBMConnectionValidationSensor(
        task_id="wait", connection_name="orders", poke_interval=0.1, timeout=30, mode="poke"
    )
    assert sensor.execute({"ti": FakeTI()}) == connection_id
    watcher.join()
    assert emu.requests_count("PUT", "/v2/connections/*/actions/test") >= 4  # three refusals, then success


def test_sensor_fails_at_once_for_a_missing_connection(airflow_conn, emu):
    from airflow.providers.common.compat.sdk import AirflowFailException

    sensor = IBMConnectionValidationSensor(task_id="wait", connection_name="ghost", poke_interval=0.1, timeout=5)
    with pytest.raises(AirflowFailException, match="no connection is named exactly 'ghost'"):
        sensor.execute({"ti": FakeTI()})


def trigger_for(emu, connection_id: str, **overrides) -> IBMConnectionValidationTrigger:
    kwargs = {
        "ibm_conn_id": "ibm_data_platform_default",
        "scope_kind": "project_id",
        "scope_id": emu.project_id("sales"),
        "connection_id": connection_id,
        "poll_interval": 0.1,
        "deadline": time.time() + 30,
        "hook_params": {**FAST_RETRY.to_dict(), "timeout": 5.0},
    }
    kwargs.update(overrides)
    return IBMConnectionValidationTrigger(**kwargs)


async def test_trigger_succeeds_once_the_data_source_comes_up(airflow_conn, emu, late_source):
    connection_id = saved_unvalidated(emu, late_source)
    watcher = start_after_polls(emu, late_source, polls=3)
    events = [e async for e in trigger_for(emu, connection_id).run()]
    watcher.join()
    assert len(events) == 1
    result = ValidationEvent.from_payload(events[0].payload)
    assert result.status == "success"
    assert result.connection_id == connection_id
    assert pooled_client_count() == 0  # the shared client was closed with its last user


async def test_trigger_times_out_when_the_data_source_never_comes(airflow_conn, emu, late_source):
    connection_id = saved_unvalidated(emu, late_source)
    # 2 s leave a loaded machine time to start the trigger (imports, lookup) before its first poll.
    events = [e async for e in trigger_for(emu, connection_id, deadline=time.time() + 2.0).run()]
    assert [ValidationEvent.from_payload(e.payload).status for e in events] == ["timeout"]
    # Slept between polls (at most 22 in 2 s at 0.1 s apart). How many exactly depends on how long each
    # poll takes on a loaded machine; exact counts are proven on a fake clock (tests/unit/triggers).
    assert 1 <= emu.requests_count("PUT", "/v2/connections/*/actions/test") <= 22


async def test_trigger_reports_a_deleted_connection_as_a_permanent_error(airflow_conn, emu, late_source):
    events = [e async for e in trigger_for(emu, "no-such-id").run()]
    result = ValidationEvent.from_payload(events[0].payload)
    assert (result.status, result.permanent) == ("error", True)


async def test_many_deferred_sensors_share_one_client_and_one_token(airflow_conn, emu, pg_source):
    """60 triggers on one event loop, as in a triggerer: one IAM token exchange serves them all."""
    ids = [emu.create_connection(f"c{i}", "postgresql", pg_properties(pg_source), project="sales") for i in range(60)]
    runs = [trigger_for(emu, cid).run() for cid in ids]

    async def first(run):
        return [e async for e in run]

    results = await asyncio.gather(*(first(r) for r in runs))
    statuses = {ValidationEvent.from_payload(events[0].payload).status for events in results}
    assert statuses == {"success"}
    assert emu.requests_count("POST", "/identity/token") == 1
    assert pooled_client_count() == 0


async def test_a_validate_trigger_in_a_space_waits_for_the_vault_secret(airflow_conn, emu, late_source):
    import threading
    import uuid

    urn = "1000330999:late-secret"
    space = emu.add_space(f"trigger-{uuid.uuid4().hex[:8]}")
    props = {**pg_properties(late_source), "password": urn, "vaulted_properties": "password"}
    connection_id = emu.create_connection("vaulted", "postgresql", props, space=space)

    def fill_the_vault() -> None:  # once the trigger has been refused twice
        emu.wait_for_requests(2, "PUT", "/v2/connections/*/actions/validate", timeout=30)
        emu.add_vault_secret(urn, "vaulted-value")

    filler = threading.Thread(target=fill_the_vault, daemon=True)
    filler.start()
    trigger = trigger_for(emu, connection_id, scope_kind="space_id", scope_id=space, action="validate")
    events = [e async for e in trigger.run()]
    filler.join()
    assert ValidationEvent.from_payload(events[0].payload).status == "success"
    assert emu.requests_count("PUT", "/v2/connections/*/actions/validate") >= 3
    assert emu.requests_count("PUT", "/v2/connections/*/actions/test") == 0  # never connects
