"""Whole DAG runs with a real SQLite metadata database (``dag.test()``, the trigger run in line).

Covers what only a real run shows: templated secrets from Variables, XCom between tasks, the deferred
sensor, rendered template fields and XCom stored without secrets, and the sync's fingerprint Variable
keeping unchanged secrets from being rewritten on the next run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest

from airflow_connections_provider import compat
from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS
from tests.support.dags import dag_bag
from tests.support.datasources import HttpDataSource, TcpDataSource, start_after_polls
from tests.support.stored_fields import rendered_fields_of_run

# Real DAG runs and Airflow CLI processes on a fresh metadata database take a minute or two on a
# loaded machine (setup included), more than the suite's 120 s per test (pyproject.toml).
pytestmark = pytest.mark.timeout(600)

DAGS = Path(__file__).resolve().parents[1] / "dags"
PASSWORD = "Old-Passw0rd-1"
NEW_PASSWORD = "New-Passw0rd-2"
APP_PASSWORD = "App-Passw0rd-3"


def airflow_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the ``airflow`` command of this environment, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "airflow", *args],
        env=env or os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="session")
def metadata_db() -> str:
    """``airflow db migrate`` into the session's AIRFLOW_HOME (SQLite)."""
    result = airflow_cli("db", "migrate")
    assert result.returncode == 0, result.stderr[-2000:]
    return os.environ["AIRFLOW_HOME"]


@pytest.fixture
def lifecycle_dag(metadata_db, airflow_conn):
    return load_dag("ibm_connection_lifecycle.py", "ibm_connection_lifecycle")


def load_dag(file_name: str, dag_id: str):
    """One DAG of tests/dags, parsed as the DAG processor parses it (no import errors allowed)."""
    bag = dag_bag(DAGS / file_name)
    assert bag.import_errors == {}
    return bag.get_dag(dag_id)


def run(dag, monkeypatch, when: datetime, **variables: str):
    for key, value in variables.items():
        monkeypatch.setenv(f"AIRFLOW_VAR_{key.upper()}", value)
    return dag.test(**{"logical_date" if AIRFLOW_V_3_0_PLUS else "execution_date": when})


def extra_links(dag_run) -> dict[tuple[str, int], str]:
    """The "IBM connection" link each task instance stored when it finished."""
    if not AIRFLOW_V_3_0_PLUS:
        return links_as_the_airflow2_webserver_shows_them(dag_run)
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rows = session.scalars(
            select(XComModel).where(XComModel.run_id == dag_run.run_id, XComModel.key == "_link_IBMConnectionLink")
        ).all()
        return {(row.task_id, row.map_index): row.value for row in rows}


def links_as_the_airflow2_webserver_shows_them(dag_run) -> dict[tuple[str, int], str]:
    """Airflow 2.x stores no links: its webserver asks the link with an operator that never ran."""
    from types import SimpleNamespace

    from airflow_connections_provider.links import IBMConnectionLink

    never_ran = SimpleNamespace()
    tis = dag_run.get_task_instances()
    links = {(ti.task_id, ti.map_index): IBMConnectionLink().get_link(never_ran, ti_key=ti.key) for ti in tis}
    return {key: link for key, link in links.items() if link}


def rendered_fields_and_xcom(dag_run) -> str:
    """Everything the run stored in rendered-field and XCom tables, as text."""

    try:
        from airflow.models.xcom import XComModel
    except ImportError:  # Airflow 2.x: the XCom class is the table
        from airflow.models.xcom import XCom as XComModel  # type: ignore[no-redef,attr-defined,unused-ignore]
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rtif = rendered_fields_of_run(session, dag_run.run_id)
        assert rtif, "no rendered fields stored for the run: the leak check would check nothing"
        xcoms = session.scalars(select(XComModel).where(XComModel.run_id == dag_run.run_id)).all()
        return json.dumps(rtif, default=str) + json.dumps([x.value for x in xcoms], default=str)


def test_lifecycle_dag_runs_and_leaks_no_secret(lifecycle_dag, emu, monkeypatch):
    from airflow.utils.state import DagRunState

    with HttpDataSource() as web:
        pg = TcpDataSource()
        watcher = start_after_polls(emu, pg, polls=2)  # the database comes up while the sensor is deferred
        try:
            first = run(
                lifecycle_dag,
                monkeypatch,
                datetime(2026, 11, 1, tzinfo=timezone.utc),
                pg_port=str(pg.port),
                pg_password=PASSWORD,
                pg_new_password=NEW_PASSWORD,
                app_password=APP_PASSWORD,
                web_url=web.url,
            )
            watcher.join()
            assert first.state == DagRunState.SUCCESS, [(ti.task_id, ti.state) for ti in first.get_task_instances()]
            stored = {c["entity"]["name"]: c for c in emu.stored_connections("sales")}
            # "orders" was deleted at the end; the two mapped creates ran as two task instances.
            assert sorted(stored) == ["app-db-0", "app-db-1", "app-db-2", "app-web", "mapped-a", "mapped-b"]
            mapped = [ti for ti in first.get_task_instances() if ti.task_id == "create_mapped"]
            assert sorted(ti.map_index for ti in mapped) == [0, 1]
            assert stored["app-db-1"]["entity"]["properties"]["password"] == APP_PASSWORD
            assert emu.requests_count("PUT", "/v2/connections/*/actions/test") >= 2  # refused polls, then success
            assert emu.requests_count("PATCH", "/v2/connections/*") >= 1  # the rotation

            links = extra_links(first)
            orders_url = f"{emu.url}/connections/"
            assert links[("create", -1)].startswith(orders_url)
            assert links[("wait", -1)] == links[("create", -1)]  # recorded again after the deferral
            assert links[("sync", -1)] == f"{emu.url}/projects/{emu.project_id('sales')}/assets?context=icp4data"
            assert links[("create_mapped", 0)] != links[("create_mapped", 1)]

            stored_text = rendered_fields_and_xcom(first)
            assert "app-db-0" in stored_text  # the sync summary is there...
            for secret in (PASSWORD, NEW_PASSWORD, APP_PASSWORD, emu.api_key):
                assert secret not in stored_text  # ...but no secret, in rendered fields or XCom

            # Second run, nothing changed: the sync writes nothing, secrets included.
            patches = emu.requests_count("PATCH", "/v2/connections/*")
            second = run(lifecycle_dag, monkeypatch, datetime(2026, 11, 2, tzinfo=timezone.utc))
            assert second.state == DagRunState.SUCCESS
            sync_patches = emu.requests_count("PATCH", "/v2/connections/*") - patches - 1  # minus the rotation
            assert sync_patches == 0

            # Third run, the app password rotated in the secrets backend: exactly the 3 secrets are sent.
            patches = emu.requests_count("PATCH", "/v2/connections/*")
            third = run(
                lifecycle_dag, monkeypatch, datetime(2026, 11, 3, tzinfo=timezone.utc), app_password="App-Passw0rd-4"
            )
            assert third.state == DagRunState.SUCCESS
            assert emu.requests_count("PATCH", "/v2/connections/*") - patches - 1 == 3
            stored = {c["entity"]["name"]: c for c in emu.stored_connections("sales")}
            assert {stored[f"app-db-{i}"]["entity"]["properties"]["password"] for i in range(3)} == {"App-Passw0rd-4"}
        finally:
            pg.stop()


def test_every_operator_and_the_sensor_run_as_mapped_tasks(metadata_db, airflow_conn, emu, monkeypatch):
    from airflow.utils.state import DagRunState, TaskInstanceState

    dag = load_dag("ibm_mapped_operators.py", "ibm_mapped_operators")
    with HttpDataSource() as web:
        run_ = run(dag, monkeypatch, datetime(2026, 11, 5, tzinfo=timezone.utc), web_url=web.url)
    tis = run_.get_task_instances()
    assert run_.state == DagRunState.SUCCESS, [(ti.task_id, ti.map_index, ti.state) for ti in tis]
    by_task: dict[str, list[int]] = {}
    for ti in tis:
        assert ti.state == TaskInstanceState.SUCCESS
        by_task.setdefault(ti.task_id, []).append(ti.map_index)
    assert {task: sorted(indexes) for task, indexes in by_task.items()} == {
        task: [0, 1] for task in ("create", "wait", "rotate", "delete")
    }
    assert emu.requests_count("POST", "/v2/connections") == 2
    assert emu.requests_count("DELETE", "/v2/connections/*") == 2
    assert emu.stored_connections("sales") == []


def test_airflow_cli_lists_the_provider_and_tests_a_json_connection(metadata_db, emu):
    env = os.environ.copy()
    env["AIRFLOW_CONN_IBM_CLI"] = json.dumps(
        {
            "conn_type": "ibmdataplatform",
            "host": emu.url,
            "login": emu.user[0],
            "password": emu.user[1],
            "extra": {"auth_type": "cp4d_password", "project": "sales"},
        }
    )
    env["AIRFLOW__CORE__TEST_CONNECTION"] = "Enabled"
    providers = airflow_cli("providers", "list", env=env)
    assert "airflow-connections-provider" in providers.stdout
    tested = airflow_cli("connections", "test", "ibm_cli", env=env)
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "Connection success!" in tested.stdout
    # It really reached the hook's test_connection(): authorize, version, then the default project.
    assert emu.requests_count("POST", "/icp4d-api/v1/authorize") == 1
    assert emu.requests_count("GET", "/v2/connections/version") == 1
    assert emu.requests_count("GET", "/v2/projects") == 1

    env["AIRFLOW_CONN_IBM_CLI"] = json.dumps(
        {**json.loads(env["AIRFLOW_CONN_IBM_CLI"]), "password": "Not-The-Passw0rd"}
    )
    refused = airflow_cli("connections", "test", "ibm_cli", env=env)
    assert "Connection failed!" in refused.stdout
    assert "AuthenticationError" in refused.stdout
    assert "Not-The-Passw0rd" not in refused.stdout + refused.stderr


@pytest.mark.skipif(
    compat.AIRFLOW_VERSION[:2] == (3, 0),
    reason="On Airflow 3.0 dag.test() ends this run after the first try's up_for_retry without starting the "
    "second (a plain PythonOperator's retry does run there; the cause is not found yet); the adoption rule "
    "itself is tested on every minor by tests/reliability/test_create_retry_adoption.py",
)
def test_a_retried_create_adopts_its_own_earlier_create_through_the_variable(
    metadata_db, airflow_conn, emu, monkeypatch
):
    """Try 1 saves the connection but never learns it (reply dropped, then every read fails); Airflow runs
    try 2 with a new operator object, which finds the record in the Variable and adopts, then removes it."""
    from airflow.utils.state import DagRunState

    from airflow_connections_provider.tasks import lookups as targets
    from airflow_connections_provider.tasks.lookups import CREATE_MARKER_PREFIX, CreateMarker

    class Forgetful(dict):
        """The process keeps nothing: only the Variable can carry the record to try 2."""

        def __setitem__(self, key: str, value: object) -> None:
            pass

    monkeypatch.setattr(targets, "LOCAL_MARKERS", Forgetful())
    record = CreateMarker.record
    recorded_in_variable: list[bool] = []

    def record_then_fail_every_read(marker: CreateMarker) -> None:
        record(marker)
        recorded_in_variable.append(marker.in_variable)
        emu.script_fault("GET", "/v2/connections", status=503, count=1000)  # every read of try 1

    settle = targets.settle_failed_create

    def settle_then_recover(*args: object, **kwargs: object) -> None:
        try:
            settle(*args, **kwargs)  # type: ignore[arg-type]
        finally:
            emu.clear_faults()  # try 1 is over: the service answers try 2

    monkeypatch.setattr(CreateMarker, "record", record_then_fail_every_read)
    monkeypatch.setattr(targets, "settle_failed_create", settle_then_recover)
    emu.script_fault("POST", "/v2/connections", kind="drop", when="after")
    dag = load_dag("ibm_create_retry.py", "ibm_create_retry")
    dag_run = run(dag, monkeypatch, datetime(2026, 11, 6, tzinfo=timezone.utc), pg_password=PASSWORD)
    (ti,) = dag_run.get_task_instances()
    assert dag_run.state == DagRunState.SUCCESS, ti.state
    assert ti.try_number == 2 and recorded_in_variable == [True]
    (stored,) = emu.stored_connections("sales")
    assert stored["entity"]["properties"]["password"] == PASSWORD
    assert emu.requests_count("POST", "/v2/connections") == 1
    from airflow.models.variable import Variable as VariableModel
    from airflow.utils.session import create_session

    with create_session() as session:
        left = [v.key for v in session.query(VariableModel) if v.key.startswith(CREATE_MARKER_PREFIX)]
    assert left == []
