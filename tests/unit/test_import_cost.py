"""DAG files import our operators and sensor; parsing them must not pull in what only a running task needs.

The 10 ms budget itself is measured by ``make bench`` (import_cost); these tests pin the design that makes
it possible: the client, hook, sync, masking, target lookups and argument checks are imported when a task
runs, never at parse time, and neither are the HTTP, retry and YAML libraries behind them.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PACKAGE = "airflow_connections_provider"
# Ours: runtime-only modules that a DAG-parse import used to load (or could start loading again).
RUNTIME_ONLY = (
    "client",
    "client.client",
    "hooks.ibm",
    "hooks.settings",
    "sync.runner",
    "sync.spec",
    "sync.limits",
    "triggers.ibm",
    "emulator",
    "masking",
    "compat",
    "operators.sync",
    "tasks.lookups",
    "tasks.arguments",
    "tasks.asset_events",
)
# Third-party libraries the client and the sync stand on. Airflow itself loads some of them before any
# provider (httpx and yaml on 3.x; requests and yaml on 2.11): the check bites for the others, and for
# all of them on an Airflow that stops loading them.
HEAVY_LIBRARIES = ("httpx", "requests", "yaml")


def newly_imported(statement: str) -> dict[str, list[str]]:
    """Modules ``statement`` imports in a fresh interpreter, beyond what Airflow's own bases already loaded."""
    code = (
        "import json, sys\n"
        "import airflow\n"
        "from airflow.providers.common.compat.sdk import BaseOperator, BaseSensorOperator, BaseOperatorLink\n"
        "before = set(sys.modules)\n"
        f"{statement}\n"
        "print(json.dumps({'before': sorted(before), 'new': sorted(set(sys.modules) - before)}))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def parse_time_import() -> dict[str, list[str]]:
    return newly_imported(f"import {PACKAGE}.operators.ibm, {PACKAGE}.sensors.ibm")


def test_importing_operators_and_sensor_loads_no_runtime_module(parse_time_import):
    new = set(parse_time_import["new"])
    assert f"{PACKAGE}.operators.ibm" in new  # the probe did import them
    assert f"{PACKAGE}.sensors.ibm" in new
    assert sorted(f"{PACKAGE}.{m}" for m in RUNTIME_ONLY if f"{PACKAGE}.{m}" in new) == []


def test_importing_operators_and_sensor_loads_no_heavy_library(parse_time_import):
    new = set(parse_time_import["new"])
    assert sorted(lib for lib in HEAVY_LIBRARIES if lib in new) == []


def test_building_the_tasks_and_a_connection_asset_loads_only_the_assets_module():
    """A DAG file builds tasks (each declares the provider's alias outlet) and may schedule on a connection
    asset: of ours that loads ``assets`` alone, a module of the standard library only."""
    statement = (
        f"import {PACKAGE}.operators.ibm as ops, {PACKAGE}.sensors.ibm as sensors\n"
        "from airflow.providers.common.compat.sdk import Asset\n"
        # Airflow's own cost of building any asset (provider discovery, its URI handlers) is not ours.
        "Asset('s3://bucket/any.csv')\n"
        "before = set(sys.modules)\n"
        "ops.IBMCreateConnectionOperator(task_id='c', name='n', datasource_type='postgresql')\n"
        "ops.IBMUpdateConnectionOperator.partial(task_id='u').expand(connection_name=['a', 'b'])\n"
        "sensors.IBMConnectionValidationSensor(task_id='w', connection_name='n')\n"
        f"from {PACKAGE}.assets import ibm_connection_asset\n"
        "ibm_connection_asset('orders-db', project_id='p-1')\n"
    )
    new = set(newly_imported(statement)["new"])
    assert {m for m in new if m.startswith(f"{PACKAGE}.")} <= {f"{PACKAGE}.assets"}
    assert sorted(lib for lib in HEAVY_LIBRARIES if lib in new) == []


def test_the_sync_and_export_operators_are_still_importable_from_operators_ibm():
    from airflow_connections_provider.operators import ibm
    from airflow_connections_provider.operators.export import IBMExportConnectionsOperator
    from airflow_connections_provider.operators.sync import IBMSyncConnectionsOperator

    assert ibm.IBMSyncConnectionsOperator is IBMSyncConnectionsOperator
    assert ibm.IBMExportConnectionsOperator is IBMExportConnectionsOperator
    lazy = {"IBMSyncConnectionsOperator", "IBMExportConnectionsOperator"}
    assert set(ibm.__all__) <= set(dir(ibm)) | lazy
    with pytest.raises(AttributeError, match="no attribute 'NoSuchOperator'"):
        ibm.NoSuchOperator  # noqa: B018


def test_importing_the_sync_operator_by_name_loads_it_on_demand():
    new = set(newly_imported(f"from {PACKAGE}.operators.ibm import IBMSyncConnectionsOperator")["new"])
    assert f"{PACKAGE}.operators.sync" in new
    assert f"{PACKAGE}.sync.runner" not in new  # still only when a task runs
