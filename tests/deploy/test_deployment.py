"""The provider in a real Airflow deployment: separate api-server, scheduler, dag-processor and triggerer
(webserver, scheduler and triggerer on Airflow 2.11).

What only a deployment shows: the deferrable sensor really goes through the triggerer process; the
API server knows the connection type and its form fields (on 2.x the webserver renders them from the
hook, checked in ``test_browser.py``); the connection test endpoint works; and no secret reaches task
logs, trigger logs or the metadata database.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.deploy.celery_state import celery_results_dump, redis_dump
from tests.deploy.conftest import (
    AIRFLOW_3,
    DAG_ID,
    EXECUTOR,
    SECRETS,
    Deployment,
    output_dir,
)


def test_every_task_succeeds_and_the_sensor_waits_in_the_triggerer(deployment: Deployment, finished_run):
    assert finished_run.state == "success", finished_run.tasks
    assert finished_run.tasks == {(t, -1): "success" for t in ("create", "wait", "rotate", "delete")}
    # The sensor was seen deferred, and the trigger ran in the triggerer process (its own log file).
    assert ("wait", -1) in finished_run.ever("deferred")
    trigger_logs = trigger_log_files(deployment.stack.logs_dir, DAG_ID, "wait")
    assert trigger_logs, f"no trigger log under {deployment.stack.logs_dir}"
    trigger_text = "\n".join(p.read_text(errors="replace") for p in trigger_logs)
    assert "poll" in trigger_text  # the trigger's own poll lines, written by the triggerer process
    # The service saw the connection created, re-tested, rotated (validated) and deleted.
    stored = deployment.emu.stored_connections("sales")
    assert [c["entity"]["name"] for c in stored] == []
    assert deployment.emu.requests_count("POST", "/v2/connections") == 1
    assert deployment.emu.requests_count("DELETE", "/v2/connections/*") == 1


def trigger_log_files(logs: Path, dag_id: str, task_id: str) -> list[Path]:
    return [
        p
        for p in logs.rglob("*")
        if p.is_file() and f"dag_id={dag_id}" in str(p) and f"task_id={task_id}" in str(p) and "trigger" in p.name
    ]


def test_the_server_discovered_the_provider(deployment: Deployment):
    api = deployment.stack.api
    providers = api.request("GET", f"{api.prefix}/providers")["providers"]
    assert "airflow-connections-provider" in [p["package_name"] for p in providers]


@pytest.mark.skipif(
    not AIRFLOW_3,
    reason="Airflow 2 has no hook metadata endpoint: its webserver renders the form from the hook's "
    "widgets, checked in test_browser.py",
)
def test_hook_metadata_lists_the_connection_type_its_fields_and_default_conn_id(deployment: Deployment):
    meta = deployment.stack.api.request("GET", "/ui/connections/hook_meta")
    [ours] = [m for m in meta if m["connection_type"] == "ibmdataplatform"]
    assert ours["hook_name"].startswith("IBM Data Platform")
    # Airflow 3.3.2 reports default_conn_name as null for every provider (its UI service hard-codes it:
    # api_fastapi/core_api/services/ui/connections.py); the hook's own attribute is checked in
    # tests/unit/test_provider_info.py, and the README says where the default conn id comes from.
    fields = ours["extra_fields"]
    for name in ("auth_type", "iam_url", "project", "verify_tls", "ca_bundle", "timeout", "retry_limit"):
        assert name in fields, sorted(fields)
    assert ours["standard_fields"]["password"]["title"] == "API key / password / token"


def test_the_connection_test_endpoint_passes_with_good_settings_and_names_the_problem_with_a_wrong_key(
    deployment: Deployment,
):
    api = deployment.stack.api
    body = {"connection_id": "ibm_probe", **deployment.ibm_connection()}
    body["extra"] = json.dumps(body["extra"])
    good = api.request("POST", f"{api.prefix}/connections/test", json=body)
    assert good["status"] is True, good
    assert "Connected to" in good["message"]

    wrong = api.request("POST", f"{api.prefix}/connections/test", json={**body, "password": "Not-The-Key-0000"})
    assert wrong["status"] is False
    assert "token exchange refused" in wrong["message"] and "API key" in wrong["message"]
    assert "Not-The-Key-0000" not in wrong["message"]


def test_no_secret_in_task_logs_trigger_logs_component_logs_or_the_metadata_database(
    deployment: Deployment, finished_run
):
    home = deployment.stack.home
    texts = {str(p): p.read_text(errors="replace") for p in home.rglob("*.log") if p.is_file()}
    assert any("task_id=wait" in name for name in texts)  # the scan really covers task logs
    dump = "\n".join(sqlite3.connect(home / "airflow.db").iterdump())
    assert "ibm_deploy_check" in dump  # ...and the database
    if EXECUTOR == "celery":  # ...and what Celery keeps: its result backend and the broker
        assert deployment.stack.redis is not None
        dump += "\n" + celery_results_dump(home) + "\n" + redis_dump(deployment.stack.redis.url(0))
    for secret in SECRETS:
        leaks = [name for name, text in texts.items() if secret in text]
        assert leaks == [], f"secret found in {leaks}"
        assert secret not in dump
    (output_dir() / "metadata-dump.sql").write_text(dump)  # kept as evidence, checked clean above
