"""Operators against the emulator: bootstrapping, rotation, deletion, and the declarative sync."""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from tests.integration.conftest import SECRET, pg_properties
from tests.support.datasources import TcpDataSource, free_port
from tests.support.task_fixtures import FakeTI


@pytest.fixture
def context():
    return {"ti": FakeTI()}


def stored_by_name(emu, project="sales") -> dict[str, dict]:
    return {c["entity"]["name"]: c for c in emu.stored_connections(project)}


def test_bootstrap_rotate_delete(airflow_conn, emu, pg_source, context, capsys):
    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", SECRET)
    conn_id = IBMCreateConnectionOperator(
        task_id="create", name="orders", datasource_type="postgresql", properties=pg_properties(pg_source)
    ).execute(context)
    assert stored_by_name(emu)["orders"]["metadata"]["asset_id"] == conn_id
    assert (
        context["ti"]
        .xcom["ibm_connection_url"]
        .endswith(f"/connections/{conn_id}?project_id={emu.project_id('sales')}&context=icp4data")
    )

    # A re-run with if_exists="skip" creates nothing new.
    again = IBMCreateConnectionOperator(
        task_id="create",
        name="orders",
        datasource_type="postgresql",
        properties=pg_properties(pg_source),
        if_exists="skip",
    ).execute(context)
    assert again == conn_id
    assert len(emu.stored_connections("sales")) == 1

    # Rotation to a password the data source refuses: the task fails with the reason, the old one stays.
    wrong = IBMUpdateConnectionOperator(
        task_id="rotate", connection_name="orders", set_properties={"password": "Wr0ng-pass"}
    )
    with pytest.raises(AirflowException, match="authentication failed"):
        wrong.execute(context)
    assert stored_by_name(emu)["orders"]["entity"]["properties"]["password"] == SECRET

    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", "R0tated-Secret")
    IBMUpdateConnectionOperator(
        task_id="rotate", connection_id=conn_id, set_properties={"password": "R0tated-Secret"}
    ).execute(context)
    assert stored_by_name(emu)["orders"]["entity"]["properties"]["password"] == "R0tated-Secret"
    assert context["ti"].xcom["changed_fields"] == ["properties.password"]

    assert IBMDeleteConnectionOperator(task_id="delete", connection_name="orders").execute(context) == conn_id
    assert IBMDeleteConnectionOperator(task_id="delete", connection_name="orders").execute(context) is None
    assert emu.stored_connections("sales") == []

    logged = capsys.readouterr().out
    assert SECRET not in logged
    assert "R0tated-Secret" not in logged
    assert "Wr0ng-pass" not in logged


def spec_for(source: TcpDataSource, count: int, *, prefix: str = "app-", password: str = SECRET) -> list[dict]:
    return [
        {
            "name": f"{prefix}{i:02d}",
            "datasource_type": "postgresql",
            "description": f"connection {i}",
            "properties": pg_properties(source, password=password),
        }
        for i in range(count)
    ]


def sync(spec, **kwargs) -> IBMSyncConnectionsOperator:
    options = {"task_id": "sync", "spec": spec, "managed_prefix": "app-", "secret_fingerprints": False}
    options.update(kwargs)
    return IBMSyncConnectionsOperator(**options)


def writes(emu) -> dict[str, int]:
    return {m: emu.requests_count(m, "/v2/connections*") for m in ("POST", "PATCH", "DELETE")}


def test_sync_converges_and_costs_one_listing_plus_the_writes(airflow_conn, emu, pg_source, context):
    spec = spec_for(pg_source, 30)
    first = sync(spec, max_concurrency=4).execute(context)
    assert len(first["created"]) == 30
    assert writes(emu) == {"POST": 30, "PATCH": 0, "DELETE": 0}

    before_get = emu.requests_count("GET", "/v2/connections")
    before = writes(emu)
    second = sync(spec).execute(context)
    assert second["created"] == {} and second["updated"] == {} and len(second["unchanged"]) == 30
    assert writes(emu) == before  # nothing written
    assert emu.requests_count("GET", "/v2/connections") - before_get == 1  # one page of 30

    spec[3]["properties"]["database"] = "moved"
    spec[4]["description"] = "new words"
    third = sync(spec).execute(context)
    # The emulator returns secrets in clear, as IBM's recorded replies do: the password reads back
    # unchanged, so it is not sent with the other change (fingerprints decide where nothing reads back:
    # tests/integration/test_drift.py; the DAG-level test covers the stateful policy).
    assert third["updated"] == {"app-03": ["properties.database"], "app-04": ["description"]}
    assert writes(emu)["PATCH"] == before["PATCH"] + 2


def test_sync_prunes_only_inside_the_prefix(airflow_conn, emu, pg_source, context):
    emu.create_connection("app-stale", "http", {"url": "https://x"}, project="sales")
    emu.create_connection("someone-elses", "http", {"url": "https://y"}, project="sales")
    result = sync(spec_for(pg_source, 2), prune=True).execute(context)
    assert result["deleted"] == ["app-stale"]
    assert sorted(stored_by_name(emu)) == ["app-00", "app-01", "someone-elses"]


def test_sync_dry_run_writes_nothing(airflow_conn, emu, pg_source, context):
    emu.create_connection("app-stale", "http", {"url": "https://x"}, project="sales")
    result = sync(spec_for(pg_source, 3), prune=True, dry_run=True).execute(context)
    assert result["dry_run"] is True
    assert sorted(result["created"]) == ["app-00", "app-01", "app-02"]
    assert result["deleted"] == ["app-stale"]
    assert writes(emu) == {"POST": 0, "PATCH": 0, "DELETE": 0}


def test_sync_refuses_a_bad_spec_before_any_write(airflow_conn, emu, pg_source, context):
    spec = spec_for(pg_source, 3)
    spec[1]["properties"]["port"] = "not-a-port"
    spec[2]["datasource_type"] = "postgres"
    spec.append(dict(spec[0]))
    with pytest.raises(AirflowFailException) as caught:
        sync(spec).execute(context)
    message = str(caught.value)
    assert "'port' must be an integer" in message
    assert "did you mean 'postgresql'" in message
    assert "duplicate name" in message
    assert writes(emu) == {"POST": 0, "PATCH": 0, "DELETE": 0}
    assert SECRET not in message


def test_sync_partial_failure_applies_the_rest_then_a_rerun_converges(airflow_conn, emu, pg_source, context):
    late = TcpDataSource(free_port())  # a database that is down during the first run
    spec = [*spec_for(pg_source, 3), *spec_for(late, 1, prefix="app-late-")]
    with pytest.raises(AirflowException, match=r"1 connection\(s\) failed to sync.*app-late-00") as caught:
        sync(spec).execute(context)
    assert "app-late-00" in str(caught.value)
    assert sorted(stored_by_name(emu)) == ["app-00", "app-01", "app-02"]
    summary = context["ti"].xcom["sync_summary"]
    assert list(summary["failed"]) == ["app-late-00"]
    assert sorted(summary["created"]) == ["app-00", "app-01", "app-02"]

    with late:
        result = sync(spec).execute(context)
    assert list(result["created"]) == ["app-late-00"]
    assert len(result["unchanged"]) == 3


def test_sync_survives_injected_faults_without_duplicates(airflow_conn, emu, pg_source, context):
    emu.script_fault("POST", "/v2/connections", status=502, count=3, when="after")
    emu.script_fault("PATCH", "/v2/connections/*", kind="drop", count=1, when="after")
    emu.create_connection("app-01", "postgresql", pg_properties(pg_source, database="old"), project="sales")
    result = sync(spec_for(pg_source, 6), max_concurrency=3).execute(context)
    assert sorted(result["created"]) == ["app-00", "app-02", "app-03", "app-04", "app-05"]
    assert result["updated"] == {"app-01": ["description", "properties.database"]}  # password read back equal
    names = [c["entity"]["name"] for c in emu.stored_connections("sales")]
    assert sorted(names) == [f"app-{i:02d}" for i in range(6)]  # each exactly once
