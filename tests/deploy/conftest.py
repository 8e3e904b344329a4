"""A real deployment for the tests in this folder: the emulator, a database that comes up late, and a
local Airflow with api-server, scheduler, dag-processor and triggerer as separate processes (on Airflow
2.11: webserver, scheduler and triggerer, the scheduler parsing the DAGs; ``tools/stack_flavours.py``).

Run by ``make test-deploy`` (not by ``make test``: it starts four Airflow processes and a browser);
``make test-deploy AIRFLOW=2.11`` runs them on the lowest supported Airflow, from ``.venv-af2.11``.
``EXECUTOR=celery make test-deploy`` runs the same tests on the CeleryExecutor: a Redis broker and an
``airflow celery worker`` as a fifth process (``ACP_DEPLOY_EXECUTOR=celery`` here).
Everything is started once per session and stopped by PID at the end, even when a test fails or the
run gets SIGTERM (the suite's plugin, tests/support/termination.py, ends the session with its
teardown, then stops by PID whatever is left).
"""

from __future__ import annotations

import importlib.metadata
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from airflow_connections_provider.emulator import EmulatorHandle, run_emulator
from tests.support.datasources import TcpDataSource, start_after_polls
from tools.airflow_api import RunProgress
from tools.airflow_stack import AirflowStack, StackConfig

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
#: Distinctive secrets: any of them in a log, a dump or a page is a leak.
API_KEY = "Deploy-ApiKey-5b1f9e77"
PG_PASSWORD = "Deploy-PgPass-1c0ffee"
PG_NEW_PASSWORD = "Deploy-PgPass-2beef42"
SECRETS = (API_KEY, PG_PASSWORD, PG_NEW_PASSWORD)
DAG_ID = "ibm_deploy_check"
#: "local" (LocalExecutor, what CI runs) or "celery" (Redis + a Celery worker); set by make test-deploy.
EXECUTOR = os.environ.get("ACP_DEPLOY_EXECUTOR", "local")
#: The stack runs the Airflow of this interpreter's environment; tests branch where 2.x and 3.x differ.
AIRFLOW_3 = int(importlib.metadata.version("apache-airflow").split(".")[0]) >= 3


#: Per-test limit here (the suite's 120 s is for unit-sized tests). The session's deployment is set up in
#: the first test and torn down in the last, and a timeout that fires in the teardown would leave
#: components running: starting and stopping five or six processes on a busy 2-core machine takes minutes.
DEPLOY_TIMEOUT = 900


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.timeout(DEPLOY_TIMEOUT))


def output_dir() -> Path:
    """Where screenshots and the run's evidence go (gitignored ``build/``; CI keeps the folder)."""
    out = Path(os.environ.get("DEPLOY_OUTPUT", ROOT / "build" / "deploy"))
    out.mkdir(parents=True, exist_ok=True)
    return out


@dataclass
class Deployment:
    emu: EmulatorHandle
    stack: AirflowStack
    pg: TcpDataSource

    def ibm_connection(self, api_key: str = API_KEY) -> dict[str, object]:
        return {
            "conn_type": "ibmdataplatform",
            "host": self.emu.url,
            "password": api_key,
            "extra": {"auth_type": "iam_api_key", "iam_url": self.emu.url, "project": "sales"},
        }


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("deploy") / "airflow"
    pg = TcpDataSource()  # reserved port; it starts listening only after the sensor has polled twice
    with run_emulator(projects=["sales"], api_keys=[API_KEY]) as emu:
        conn = {
            "conn_type": "ibmdataplatform",
            "host": emu.url,
            "password": API_KEY,
            "extra": {"auth_type": "iam_api_key", "iam_url": emu.url, "project": "sales", "retry_delay": 0.2},
        }
        env = {
            "AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT": json.dumps(conn),
            "AIRFLOW_VAR_PG_PORT": str(pg.port),
            "AIRFLOW_VAR_PG_PASSWORD": PG_PASSWORD,
            "AIRFLOW_VAR_PG_NEW_PASSWORD": PG_NEW_PASSWORD,
            "AIRFLOW__CORE__TEST_CONNECTION": "Enabled",
        }
        stack = AirflowStack(StackConfig(home=home, dags_folder=HERE / "dags", env=env, executor=EXECUTOR))
        try:
            stack.start()
            yield Deployment(emu, stack, pg)
        finally:
            stack.stop()
            pg.stop()


@pytest.fixture(scope="session")
def finished_run(deployment: Deployment) -> RunProgress:
    api = deployment.stack.api
    api.wait_for_dags([DAG_ID])
    api.set_paused(DAG_ID, False)
    watcher = start_after_polls(deployment.emu, deployment.pg, polls=2, within=300)
    run_id = api.trigger(DAG_ID)
    # A component that dies mid-run (a scheduler that cannot start a task) fails here at once, with its log.
    [progress] = api.follow(
        [RunProgress(DAG_ID, run_id)], timeout=480, interval=0.5, on_poll=lambda _: deployment.stack.check_running()
    )
    watcher.join(timeout=5)
    return progress
