"""Asset events in real DAG runs (SQLite metadata database): a DAG scheduled on a connection's asset
gets a run after another DAG rotated the connection's password, and its task reads each triggering
event's extra. On Airflow 3 these are assets, on 2.11 datasets; the flow and the checks are the same.

The scheduler's step that turns queued events into a run is called in process (``SchedulerJobRunner.
_create_dagruns_for_dags``, what its loop calls): a whole scheduler would also need an API server to
run tasks on Airflow 3. The follower's task then runs in that very run with ``airflow tasks test``.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

import pytest

from airflow_connections_provider.assets import ibm_connection_asset_uri
from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS
from tests.integration.test_dag_runs import airflow_cli, load_dag, run
from tests.integration.test_dag_runs import metadata_db as metadata_db  # a fixture
from tests.support.datasources import HttpDataSource

if TYPE_CHECKING:
    from airflow_connections_provider.client import Scope

pytestmark = pytest.mark.timeout(600)

PROJECT_ID = "5a1e5000-0000-4000-8000-0000000000a1"  # as the two DAG files name it
OLD_PASSWORD = "Follow-Old-Pw-1"
NEW_PASSWORD = "Follow-New-Pw-2"


@pytest.fixture
def followed_project(emu, client, pg_source) -> Scope:
    """The project the DAGs name by id, holding the connection to rotate and a stale managed one to prune."""
    from airflow_connections_provider.client import Scope

    try:
        emu.project_id(PROJECT_ID)
    except KeyError:  # not yet in this session's emulator
        emu.add_project("follow", guid=PROJECT_ID)
    scope = Scope.project(PROJECT_ID)
    for connection in client.list_connections(scope):
        client.delete_connection(scope, connection.id)
    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", NEW_PASSWORD)  # the DBA rotated it
    properties = {
        "host": pg_source.host,
        "port": pg_source.port,
        "database": "orders",
        "username": "etl",
        "password": OLD_PASSWORD,
    }
    client.create_connection(scope, name="orders db", datasource_type="postgresql", properties=properties, test=False)
    client.create_connection(
        scope, name="app-old", datasource_type="http", properties={"url": "http://127.0.0.1:9/old"}, test=False
    )
    return scope


def registered_followers() -> None:
    """What the DAG processor (the scheduler on 2.11) does before any event: every DAG of the folder in
    the metadata database, the follower's schedule on the asset included; then the follower is unpaused
    (Airflow queues runs only for unpaused DAGs)."""
    result = airflow_cli("dags", "reserialize")
    assert result.returncode == 0, result.stderr[-2000:]
    from airflow.models.dag import DagModel
    from airflow.utils.session import create_session
    from sqlalchemy import update

    with create_session() as session:
        unpaused = session.execute(
            update(DagModel).where(DagModel.dag_id == "ibm_connection_follower").values(is_paused=False)
        )
        assert unpaused.rowcount == 1, "ibm_connection_follower is not in the metadata database: an import error?"


def create_triggered_runs() -> list[Any]:
    """The scheduler loop's run creation, once; returns the follower's asset-triggered runs."""
    from airflow.jobs.job import Job
    from airflow.jobs.scheduler_job_runner import SchedulerJobRunner
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session
    from airflow.utils.sqlalchemy import prohibit_commit
    from sqlalchemy import select

    runner = SchedulerJobRunner(job=Job())
    with create_session() as session:
        with prohibit_commit(session) as guard:
            runner._create_dagruns_for_dags(guard, session)
        runs = session.scalars(select(DagRun).where(DagRun.dag_id == "ibm_connection_follower")).all()
        session.expunge_all()
    return [
        r for r in runs if str(r.run_type) in ("asset_triggered", "dataset_triggered", "DagRunType.ASSET_TRIGGERED")
    ]


def scheduled(dag_run: Any) -> None:
    """The scheduler's next steps for a new run: started, its task instances scheduled (Airflow 3.0 and
    3.1 run only a task instance of a started run in a runnable state, even with ``airflow tasks test``)."""
    from datetime import datetime, timezone

    from airflow.models.dagrun import DagRun
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from airflow.utils.state import DagRunState, TaskInstanceState
    from sqlalchemy import update

    with create_session() as session:
        session.execute(
            update(DagRun)
            .where(DagRun.dag_id == dag_run.dag_id, DagRun.run_id == dag_run.run_id)
            .values(state=DagRunState.RUNNING, start_date=datetime.now(timezone.utc))
        )
        session.execute(
            update(TaskInstance)
            .where(TaskInstance.dag_id == dag_run.dag_id, TaskInstance.run_id == dag_run.run_id)
            .values(state=TaskInstanceState.SCHEDULED)
        )


def stored_events(uri: str) -> list[tuple[Any, ...]]:
    """The events the metadata database holds for ``uri``, oldest first: source task and extra."""
    from airflow.utils.session import create_session
    from sqlalchemy import select

    if AIRFLOW_V_3_0_PLUS:
        from airflow.models.asset import AssetEvent as Event
        from airflow.models.asset import AssetModel as Target
    else:
        from airflow.models.dataset import DatasetEvent as Event  # type: ignore[no-redef,attr-defined,unused-ignore]
        from airflow.models.dataset import DatasetModel as Target  # type: ignore[no-redef,attr-defined,unused-ignore]
    target_id = Event.asset_id if AIRFLOW_V_3_0_PLUS else Event.dataset_id  # type: ignore[attr-defined]
    with create_session() as session:
        rows = session.scalars(
            select(Event).join(Target, Target.id == target_id).where(Target.uri == uri).order_by(Event.id)
        ).all()
        return [
            (r.source_task_id, *(r.extra.get(k) for k in ("action", "datasource_type", "changed_fields", "validated")))
            for r in rows
        ]


def test_a_rotation_runs_the_dag_scheduled_on_the_connection_with_the_events_extra(
    metadata_db, airflow_conn, emu, followed_project, pg_source, monkeypatch
):
    from airflow.utils.state import DagRunState

    registered_followers()
    with HttpDataSource() as web:
        producer = load_dag("ibm_credentials_rotation.py", "ibm_credentials_rotation")
        dag_run = run(
            producer,
            monkeypatch,
            datetime(2026, 11, 10, tzinfo=timezone.utc),
            pg_port=str(pg_source.port),
            pg_new_password=NEW_PASSWORD,
            web_url=web.url,
        )
    assert dag_run.state == DagRunState.SUCCESS, [(ti.task_id, ti.state) for ti in dag_run.get_task_instances()]

    # One event per connection a task changed, naming what changed and whether the service validated it,
    # never a value; flat (strings and booleans: Airflow 2.11 and 3.0 hash them).
    events = {name: stored_events(uri_of(name)) for name in ("orders db", "orders replica", "app-web", "app-old")}
    assert events == {
        "orders db": [("rotate", "updated", "postgresql", "properties.password", True)],
        "orders replica": [("create", "created", "postgresql", "", False)],
        "app-web": [("sync", "created", "http", "", True), ("wait", "validated", "http", "", True)],
        "app-old": [("sync", "deleted", "http", "", False)],
    }

    (follower_run,) = create_triggered_runs()
    scheduled(follower_run)
    out = airflow_cli("tasks", "test", "ibm_connection_follower", "report", follower_run.run_id)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    (line,) = [line for line in out.stdout.splitlines() if "TRIGGERING_EVENTS " in line]
    assert json.loads(line.split("TRIGGERING_EVENTS ", 1)[1]) == [
        {
            "source_task_id": "rotate",
            "extra": {
                "action": "updated",
                "datasource_type": "postgresql",
                "changed_fields": "properties.password",
                "validated": True,
            },
        }
    ]
    for secret in (OLD_PASSWORD, NEW_PASSWORD, emu.api_key):
        assert secret not in out.stdout + out.stderr + json.dumps(events)


def uri_of(name: str) -> str:
    return ibm_connection_asset_uri(name, project_id=PROJECT_ID)
