"""Every example DAG parses cleanly, follows Airflow 3 authoring conventions, and does no work at
parse time (no client, hook or HTTP module is imported while the files are read)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.examples.conftest import EXAMPLES
from tests.support.dags import dag_bag

EXPECTED = {
    "bootstrap_project_connections",
    "rotate_connection_credentials",
    "sync_connections_from_spec",
    "provision_partner_feeds",
    "detect_connection_drift",
    "reload_orders_after_rotation",
    "bootstrap_space_connections",
    "retire_connection",
}


def test_every_example_dag_imports_without_errors():
    bag = dag_bag(EXAMPLES)

    assert bag.import_errors == {}
    assert set(bag.dag_ids) == EXPECTED
    for dag in bag.dags.values():
        assert dag.catchup is False, dag.dag_id
        assert "example" in dag.tags and "ibm" in dag.tags, dag.dag_id
        assert dag.doc_md and len(dag.doc_md) > 100, dag.dag_id
        assert dag.fileloc.startswith(str(EXAMPLES))


def test_example_files_use_the_task_sdk_and_final_names():
    for path in EXAMPLES.glob("*.py"):
        text = path.read_text()
        assert "from airflow.sdk import" in text, path.name
        for old in ("airflow.models", "airflow.operators", "operators.connections", "conn_id=", 'ibm_data_platform"'):
            assert old not in text.replace("ibm_conn_id=", ""), (path.name, old)


def test_parsing_the_examples_loads_no_client_hook_or_http_module():
    code = (
        "import json, sys, runpy, pathlib, airflow.sdk\n"
        f"for path in sorted(pathlib.Path({str(EXAMPLES)!r}).glob('*.py')):\n"
        "    runpy.run_path(str(path))\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True).stdout
    loaded = set(json.loads(out.strip().splitlines()[-1]))
    assert "airflow_connections_provider.operators.ibm" in loaded
    for heavy in ("client", "client.client", "hooks.ibm", "sync.runner", "sync.spec", "triggers.ibm", "emulator"):
        assert f"airflow_connections_provider.{heavy}" not in loaded, heavy


def test_the_dag_following_orders_db_is_scheduled_on_the_demo_projects_asset():
    """The example names the project by id, as a DAG author copies it; ``make demo`` pins that id."""
    import runpy

    from airflow_connections_provider.assets import ibm_connection_asset_uri
    from tools.demo_world import PROJECT_ID

    module = runpy.run_path(str(EXAMPLES / "reload_orders_after_rotation.py"))
    assert module["ORDERS_DB"].uri == ibm_connection_asset_uri("orders-db", project_id=PROJECT_ID)
    dag = dag_bag(EXAMPLES).dags["reload_orders_after_rotation"]
    assert [asset.uri for asset in dag.timetable.asset_condition.objects] == [module["ORDERS_DB"].uri]
