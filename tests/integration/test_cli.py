"""The console script against the emulator over real HTTP, in its own process (with Airflow made
unimportable: it never needs it): plan's exit codes 0/2/1 and JSON, apply only with --yes, values
not available never compared nor written, and no secret in any output."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_connections_provider.client import ConnectionChanges, Scope
from airflow_connections_provider.masking import spellings
from tests.integration.conftest import FAST_RETRY
from tests.packaging.blocked_imports import ROOT, blocking_env

DB_PASSWORD = 'Cli-Db-"Pw\\-8831'  # a quote and a backslash: the spec writes it with tojson
API_TOKEN = "Cli-Api-Token-4417"
EDITED = "Cli-Edited-Pw-2290"
SPEC = """connections:
  - name: app-db
    datasource_type: postgresql
    description: Orders
    from_airflow_connection: orders_pg
    properties:
      database: orders
  - name: app-api
    datasource_type: http
    properties:
      url: "{{ var.value.api_url }}"
      ssl_certificate: {{ var.value.api_token | tojson }}
"""
JSON_KEYS = {"format_version", "command", "scope", "changes", "counts", "refused", "not_available", "connections",
             "result", "error", "dependents", "blocked"}  # fmt: skip
ENTRY_KEYS = {"name", "action", "state", "id", "datasource_type", "fields", "secrets", "not_compared"}


class Cli:
    def __init__(self, tmp_path: Path, emu: Any, source: Any) -> None:
        self.spec = tmp_path / "spec.yaml"
        self.spec.write_text(SPEC)
        self.env = blocking_env(tmp_path / "site", ("airflow",))
        self.env = {k: v for k, v in self.env.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))}
        ibm = {
            "conn_type": "ibmdataplatform",
            "host": emu.url,
            "password": emu.api_key,
            "extra": {"iam_url": emu.url, "project": "sales", **FAST_RETRY.to_dict()},
        }
        orders = {
            "conn_type": "postgres",
            "host": source.host,
            "port": source.port,
            "login": "etl",
            "password": DB_PASSWORD,
        }
        self.env.update(
            {
                "AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT": json.dumps(ibm),
                "AIRFLOW_CONN_ORDERS_PG": json.dumps(orders),
                "AIRFLOW_VAR_API_URL": "https://api.example.com/v1",
                "AIRFLOW_VAR_API_TOKEN": API_TOKEN,
            }
        )
        self.outputs: list[str] = []

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "airflow_connections_provider.cli", args[0], str(self.spec), *args[1:]]
        done = subprocess.run(
            argv, capture_output=True, text=True, env=env or self.env, cwd=ROOT, timeout=120, check=False
        )
        self.outputs += [done.stdout, done.stderr]
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def leaks(self) -> list[str]:
        values = (DB_PASSWORD, API_TOKEN, EDITED)
        return [s for v in values for s in set(spellings(v)) if len(s) >= 5 for t in self.outputs if s in t]


@pytest.fixture
def cli(tmp_path, emu, pg_source) -> Cli:
    return Cli(tmp_path, emu, pg_source)


def writes(emu: Any) -> int:
    return sum(emu.requests_count(m, "/v2/connections*") for m in ("POST", "PATCH", "DELETE"))


def test_plan_apply_and_drift_with_exit_codes_and_json(cli, emu, client, tmp_path):
    empty = cli("plan")
    assert empty.returncode == 2, empty.stderr
    assert "+ app-api: missing, a sync creates it (http)" in empty.stdout
    assert "+ app-db: missing, a sync creates it (postgresql)" in empty.stdout

    document = json.loads(cli("plan", "--json").stdout)
    assert set(document) == JSON_KEYS and document["format_version"] == 1 and document["error"] is None
    assert document["changes"] is True and document["counts"] == {"create": 2, "update": 0, "delete": 0, "unchanged": 0}
    assert document["scope"] == {"project_id": emu.project_id("sales")}
    assert [(c["name"], c["action"]) for c in document["connections"]] == [("app-api", "create"), ("app-db", "create")]
    assert all(set(c) == ENTRY_KEYS for c in document["connections"])

    refused = cli("apply")
    assert refused.returncode == 1 and "apply needs --yes" in refused.stderr
    assert writes(emu) == 0

    state = tmp_path / "state.json"
    applied = cli("apply", "--yes", "--no-test", "--state", str(state))
    assert applied.returncode == 0, applied.stderr
    assert "Applied: 2 created, 0 updated, 0 deleted, 0 failed, 0 held back" in applied.stdout
    assert "Sync applied 2 of 2 writes" in applied.stderr
    assert stat.S_IMODE(os.stat(state).st_mode) == 0o600
    stored = {c["entity"]["name"]: c["entity"]["properties"] for c in emu.stored_connections("sales")}
    assert stored["app-db"]["password"] == DB_PASSWORD and stored["app-api"]["ssl_certificate"] == API_TOKEN

    clean = cli("plan", "--state", str(state))
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "(no drift: the service matches the spec)" in clean.stdout
    unchanged = json.loads(cli("plan", "--json").stdout)
    assert unchanged["changes"] is False and unchanged["counts"]["unchanged"] == 2
    db = next(c for c in unchanged["connections"] if c["name"] == "app-db")
    assert db["secrets"] == {"password": {"status": "unchanged", "basis": "read back"}}

    scope = Scope.project(emu.project_id("sales"))
    found = client.find_connection(scope, "app-db")
    assert found is not None
    edit = ConnectionChanges(set_properties={"database": "moved", "password": EDITED})
    client.update_connection(scope, found.id, edit, test=False)
    drifted = cli("plan")
    assert drifted.returncode == 2
    assert f"~ app-db (id {found.id}): properties.database; secret password: changed (read back)" in drifted.stdout
    entry = next(c for c in json.loads(cli("plan", "--json").stdout)["connections"] if c["name"] == "app-db")
    assert entry["action"] == "update" and entry["fields"] == ["properties.database"]

    assert cli.leaks() == []


def test_values_not_available_here_are_not_compared_and_never_written(cli, emu):
    env = {k: v for k, v in cli.env.items() if k not in ("AIRFLOW_CONN_ORDERS_PG", "AIRFLOW_VAR_API_TOKEN")}
    assert cli("apply", "--yes", "--no-test").returncode == 0
    before = writes(emu)

    plan = cli("plan", env=env)
    assert plan.returncode == 0, plan.stdout  # nothing comparable differs
    assert "Not available here, so not compared: conn.orders_pg (set AIRFLOW_CONN_ORDERS_PG), " in plan.stdout
    assert "var.value.api_token (set AIRFLOW_VAR_API_TOKEN)" in plan.stdout
    document = json.loads(cli("plan", "--json", env=env).stdout)
    db = next(c for c in document["connections"] if c["name"] == "app-db")
    assert db["secrets"] == {"password": {"status": "not compared", "basis": None}}
    assert db["not_compared"] == ["host", "password", "port", "username"]

    apply = cli("apply", "--yes", env=env)
    assert apply.returncode == 1
    assert "app-db: host, password, port, username not available here" in apply.stderr
    assert writes(emu) == before
    assert cli.leaks() == []


def test_an_error_is_exit_1_with_the_reason_in_json_too(cli):
    env = {**cli.env, "AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT": json.dumps({"host": "x", "extra": {"timeout": "soon"}})}
    done = cli("plan", "--json", env=env)
    assert done.returncode == 1
    document = json.loads(done.stdout)
    assert document["format_version"] == 1 and "'timeout'" in document["error"]
    assert "error: " in done.stderr


def test_the_console_script_is_installed():
    from importlib.metadata import entry_points

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "airflow-connections"]
    assert script.value == "airflow_connections_provider.cli.main:main"


def test_explain_live_asks_the_service(cli, emu):
    argv = [sys.executable, "-m", "airflow_connections_provider.cli", "explain", "postgresql", "--live", "--json"]
    done = subprocess.run(argv, capture_output=True, text=True, env=cli.env, cwd=ROOT, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    body = json.loads(done.stdout)
    assert body["source"] == "live" and body["datasource_type"]["id"] == "e1c23729-99d8-4407-b3df-336e33ffdc82"
    assert emu.requests_count("GET", "/v2/datasource_types/postgresql") == 1


def test_plan_and_apply_in_a_deployment_space_named_by_a_flag(cli, emu):
    """--space replaces the project the Airflow connection names (the workspace is one field)."""
    emu.add_space("deployments")
    planned = cli("plan", "--json", "--space", "deployments")
    assert planned.returncode == 2, planned.stderr
    assert json.loads(planned.stdout)["scope"] == {"space_id": emu.space_id("deployments")}

    applied = cli("apply", "--yes", "--no-test", "--space", emu.space_id("deployments"))  # or by id
    assert applied.returncode == 0, applied.stderr
    assert sorted(c["entity"]["name"] for c in emu.stored_connections(space="deployments")) == ["app-api", "app-db"]
    assert emu.stored_connections("sales") == []  # the connection's default project is untouched
    assert cli("plan", "--space", "deployments").returncode == 0

    both = cli("plan", "--space", "deployments", "--catalog", "shared")
    assert both.returncode == 1 and "not allowed with argument" in both.stderr  # 2 would read as "changes"
    assert cli.leaks() == []
