"""Operators, the sensor and the sync in catalogs and deployment spaces, with flags, vault references and
the validate action, against the emulator."""

from __future__ import annotations

import logging
import uuid

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor
from tests.integration.conftest import SECRET, pg_properties
from tests.support.task_fixtures import FakeTI

URN = "1000330999:bootstrap-db-password"


@pytest.fixture
def context():
    return {"ti": FakeTI()}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def connection_writes(emu) -> int:
    return sum(1 for e in emu.request_log() if e["method"] != "GET" and e["path"].startswith("/v2/connections"))


def test_create_in_a_space_by_name_with_flags_a_vault_reference_and_validate(airflow_conn, emu, pg_source, context):
    name = unique("deploy")
    space_id = emu.add_space(name)
    create = IBMCreateConnectionOperator(
        task_id="create",
        space=name,
        name="scoring-db",
        datasource_type="postgresql",
        properties={**pg_properties(pg_source), "password": {"vault_secret": URN}},
        flags=["personal_credentials"],
        test=False,
        validate=True,
    )
    with pytest.raises(AirflowFailException) as caught:  # the vault does not hold the secret yet
        create.execute(context)
    message = str(caught.value)
    assert "was saved" in message and URN in message and "if_exists='skip' or 'update'" in message
    (stored,) = emu.stored_connections(space=name)
    assert stored["entity"]["flags"] == ["personal_credentials"]
    assert stored["entity"]["properties"]["vaulted_properties"] == "password"
    assert context["ti"].xcom["ibm_connection_url"].find(space_id) != -1

    emu.add_vault_secret(URN, SECRET)
    again = IBMCreateConnectionOperator(
        task_id="create",
        space=name,
        name="scoring-db",
        datasource_type="postgresql",
        properties={**pg_properties(pg_source), "password": {"vault_secret": URN}},
        flags=["personal_credentials"],
        test=False,
        validate=True,
        if_exists="update",
    ).execute(context)
    assert again == stored["metadata"]["asset_id"]
    assert len(emu.stored_connections(space=name)) == 1


def test_other_flags_on_an_existing_connection_fail_the_task_without_a_write(airflow_conn, emu, context):
    emu.create_connection("web", "http", {"url": "https://h"}, project="sales")
    before = connection_writes(emu)
    with pytest.raises(AirflowFailException, match=r"flags are set when a connection is created.*delete it first"):
        IBMCreateConnectionOperator(
            task_id="c",
            name="web",
            datasource_type="http",
            properties={"url": "https://h"},
            flags=["restricted"],
            if_exists="update",
        ).execute(context)
    assert connection_writes(emu) == before


def test_update_in_a_catalog_and_the_validate_sensor(airflow_conn, emu, pg_source, context):
    name = unique("cat")
    emu.add_catalog(name)
    conn_id = emu.create_connection("pg", "postgresql", pg_properties(pg_source), catalog=name)
    IBMUpdateConnectionOperator(
        task_id="u",
        catalog=name,
        connection_name="pg",
        set_properties={"password": {"vault_secret": URN}},
        test=False,
    ).execute(context)
    assert emu.stored_connection(conn_id)["entity"]["properties"]["password"] == URN

    sensor = IBMConnectionValidationSensor(
        task_id="wait", catalog=name, connection_name="pg", action="validate", mode="poke", deferrable=False
    )
    assert sensor.poke(context) is False  # the vault does not hold it yet: not yet, not a failure
    emu.add_vault_secret(URN, SECRET)
    assert sensor.poke(context).xcom_value == conn_id
    assert any(e["path"].endswith("/actions/validate") for e in emu.request_log())


def test_the_sync_manages_a_space(airflow_conn, emu, pg_source, context):
    name = unique("sync-space")
    emu.add_space(name)
    # secret_fingerprints=False: the fingerprints live in an Airflow Variable, which Airflow 3.0 reads only
    # inside a task runner; a vault reference is compared as a reference, never fingerprinted.
    spec = [
        {
            "name": "app-db",
            "datasource_type": "postgresql",
            "properties": {**pg_properties(pg_source), "password": {"vault_secret": URN}},
            "flags": ["personal_credentials"],
        }
    ]

    def sync(spec):
        return IBMSyncConnectionsOperator(
            task_id="s", space=name, spec=spec, test=False, secret_fingerprints=False
        ).execute(context)

    summary = sync(spec)
    assert list(summary["created"]) == ["app-db"]
    (stored,) = emu.stored_connections(space=name)
    assert stored["entity"]["flags"] == ["personal_credentials"]
    again = sync(spec)
    assert again["unchanged"] == ["app-db"]  # the same reference is no change, and the flagged one is found
    moved = [{**spec[0], "properties": {**spec[0]["properties"], "password": {"vault_secret": URN + "-v2"}}}]
    third = sync(moved)
    assert third["updated"] == {"app-db": ["properties.password"]}
    assert emu.stored_connections(space=name)[0]["entity"]["properties"]["password"] == URN + "-v2"


def test_if_exists_skip_keeps_a_connection_with_other_flags_and_warns(airflow_conn, emu, context, caplog, capsys):
    caplog.set_level(logging.INFO)
    existing = emu.create_connection("web", "http", {"url": "https://h"}, project="sales")
    before = connection_writes(emu)
    kept = IBMCreateConnectionOperator(
        task_id="c",
        name="web",
        datasource_type="http",
        properties={"url": "https://h"},
        flags=["personal_credentials"],
        if_exists="skip",
    ).execute(context)
    assert kept == existing and connection_writes(emu) == before
    logged = caplog.text + capsys.readouterr().out  # Airflow 3's task logger writes through structlog
    assert "kept with flags [none], not the [personal_credentials] asked for" in logged
    assert "delete it and run this task again" in logged
