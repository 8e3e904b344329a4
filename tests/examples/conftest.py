"""The example DAGs against the emulator: the same Airflow connections and Variables as ``make demo``
(``tools.demo_world``), real local data sources, a real SQLite metadata database."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from airflow_connections_provider.emulator import EmulatorHandle, EmulatorSettings
from tests.integration.conftest import FAST_RETRY
from tests.support.dags import dag_bag
from tests.support.datasources import HttpDataSource, TcpDataSource
from tools.demo_world import PROJECT, PROJECT_ID, DemoWorld

EXAMPLES = Path(__file__).resolve().parents[2] / "dags_examples"


@pytest.fixture(autouse=True)
def _airflow3_only() -> None:
    from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS

    if not AIRFLOW_V_3_0_PLUS:
        pytest.skip(
            "the example DAGs are written for Airflow 3 (airflow.sdk) and the demo runs Airflow 3's "
            "components; on 2.x real DAG runs of every operator and the sensor are tests/integration/test_dag_runs.py"
        )


@pytest.fixture(scope="session")
def examples_db() -> str:
    """``airflow db migrate`` into the session's AIRFLOW_HOME (idempotent when already done)."""
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return os.environ["AIRFLOW_HOME"]


@pytest.fixture
def ibm_emulator_settings() -> EmulatorSettings:
    return EmulatorSettings(projects=(f"{PROJECT}={PROJECT_ID}",))


@pytest.fixture
def world(ibm_emulator: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> Iterator[DemoWorld]:
    """Emulator, two databases and a web server up; the Airflow connections and Variables set."""
    with TcpDataSource() as orders, TcpDataSource() as inventory, HttpDataSource() as web:
        web_url = web.url.rsplit("/", 1)[0]
        made = DemoWorld(ibm_emulator.url, orders.port, inventory.port, web_url)
        for account in made.datasource_accounts():
            ibm_emulator.register_datasource_credentials(**account)
        for key, value in made.airflow_env(retry=FAST_RETRY.to_dict()).items():
            monkeypatch.setenv(key, value)
        # dag.test() runs only DAGs that live in the configured DAGs folder. Airflow reads it into
        # airflow.settings when first imported (possibly by an earlier test), so set both.
        import airflow.settings

        monkeypatch.setenv("AIRFLOW__CORE__DAGS_FOLDER", str(EXAMPLES))
        monkeypatch.setattr(airflow.settings, "DAGS_FOLDER", str(EXAMPLES))
        yield made


@pytest.fixture
def example_dags(examples_db: str, world: DemoWorld) -> dict[str, object]:
    bag = dag_bag(EXAMPLES)
    assert bag.import_errors == {}
    return dict(bag.dags)
