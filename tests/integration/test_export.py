"""Export against the emulator over real HTTP: a seeded scope exported, the spec applied back (its secret
placeholders rendered to the values the emulator holds) plans no change; the console script's exit codes
(run in a process where Airflow cannot be imported); the operator and the hook; no secret in any output."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook
from airflow_connections_provider.operators.export import IBMExportConnectionsOperator
from airflow_connections_provider.operators.ibm import IBMSyncConnectionsOperator
from airflow_connections_provider.sync.spec_yaml import load
from tests.integration.conftest import FAST_RETRY, pg_properties
from tests.packaging.blocked_imports import ROOT, blocking_env
from tests.support.task_fixtures import FakeTI

PG_PASSWORD = 'Exp-"Pw\\{{ x }}-7731'  # a quote, a backslash and a Jinja opening: rendered with tojson
COS_API_KEY = "Exp-Cos-Api-Key-5519"
COS_SECRET_KEY = "Exp-Cos-Secret-Key-0442"
SECRETS = (PG_PASSWORD, COS_API_KEY, COS_SECRET_KEY)
PLACEHOLDER = re.compile(r"\{\{ conn\.(\w+)\.(password|extra_dejson\.(\w+)) \| tojson \}\}")


def seed(emu: Any, source: Any, *, catalog: str | None = None) -> dict[str, str]:
    where: dict[str, Any] = {"catalog": catalog} if catalog else {"project": "sales"}
    db = pg_properties(source, password=PG_PASSWORD, database="2024_01", port=5432)
    cos = {
        "url": "https://s3.eu-de.cloud-object-storage.appdomain.cloud",
        "bucket": "yes",
        "auth_method": "instanceid_apikey_accesskey_secretkey",
        "api_key": COS_API_KEY,
        "resource_instance_id": "crn:v1:bluemix:public:cloud-object-storage:global:a/1:2::",
        "access_key": "0755",
        "secret_key": COS_SECRET_KEY,
        "auto_discovery": False,
    }
    return {
        "app-orders.db": emu.create_connection(
            "app-orders.db", "postgresql", db, description='Orders: "main" {% raw %} #1', **where
        ),
        "app-landing": emu.create_connection("app-landing", "cloudobjectstorage", cos, **where),
        "app-web": emu.create_connection(
            "app-web", "http", {"url": "https://example.com/a?b=c#d"}, flags=("restricted",), **where
        ),
    }


def airflow_connections_for(text: str, emu: Any, scope_args: dict[str, Any]) -> dict[str, str]:
    """``AIRFLOW_CONN_<ID>`` for every placeholder, holding the secrets the emulator stores (as a user
    filling in the exported spec would)."""
    held = {c["entity"]["name"]: c["entity"]["properties"] for c in emu.stored_connections(**scope_args)}
    conns: dict[str, dict[str, Any]] = {}
    spec = load(PLACEHOLDER.sub('"placeholder"', text))["connections"]
    for entry, (conn_id, _, _) in zip(spec, _placeholders_by_entry(text, spec), strict=True):
        if conn_id is None:
            continue
        stored = held[entry["name"]]
        secret = {k: stored[k] for k, v in entry["properties"].items() if v == "placeholder"}
        conns[conn_id] = {
            "conn_type": "generic",
            "password": secret.pop("password", None),
            "extra": secret,
        }
    return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn) for conn_id, conn in conns.items()}


def _placeholders_by_entry(text: str, spec: list[Any]) -> list[tuple[str | None, None, None]]:
    blocks = text.split("\n  - name: ")[1:]
    found = []
    for block in blocks:
        ids = {m.group(1) for m in PLACEHOLDER.finditer(block)}
        assert len(ids) <= 1, ids  # one Airflow connection per IBM connection
        found.append((next(iter(ids), None), None, None))
    assert len(found) == len(spec)
    return found


class Cli:
    def __init__(self, tmp_path: Path, emu: Any) -> None:
        self.tmp_path = tmp_path
        env = blocking_env(tmp_path / "site", ("airflow",))
        self.env = {k: v for k, v in env.items() if not k.startswith(("AIRFLOW_CONN_", "AIRFLOW_VAR_"))}
        ibm = {
            "conn_type": "ibmdataplatform",
            "host": emu.url,
            "password": emu.api_key,
            "extra": {"iam_url": emu.url, **FAST_RETRY.to_dict()},
        }
        self.env["AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT"] = json.dumps(ibm)
        self.outputs: list[str] = []

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "airflow_connections_provider.cli", *args]
        done = subprocess.run(
            argv, capture_output=True, text=True, env={**self.env, **(env or {})}, cwd=ROOT, timeout=120, check=False
        )
        self.outputs += [done.stdout, done.stderr]
        assert "Traceback" not in done.stderr, done.stderr
        return done

    def leaks(self) -> list[str]:
        return [s for s in SECRETS for out in self.outputs if s in out or json.dumps(s)[1:-1] in out]


@pytest.fixture
def cli(tmp_path, emu) -> Cli:
    return Cli(tmp_path, emu)


def writes(emu: Any) -> int:
    return sum(emu.requests_count(m, "/v2/connections*") for m in ("POST", "PATCH", "DELETE"))


def test_an_exported_project_applied_back_plans_no_change(cli, emu, pg_source, tmp_path):
    seed(emu, pg_source)
    exported = cli("export", "--project", "sales")
    assert exported.returncode == 0, exported.stderr
    text = exported.stdout
    assert cli("export", "--project", "sales").stdout == text  # stable, byte for byte

    names = [line.split('"')[1] for line in text.splitlines() if line.startswith("  - name: ")]
    assert names == ["app-landing", "app-orders.db", "app-web"]
    assert "password: {{ conn.app_orders_db.password | tojson }}" in text
    assert "api_key: {{ conn.app_landing.extra_dejson.api_key | tojson }}" in text
    assert "secret_key: {{ conn.app_landing.extra_dejson.secret_key | tojson }}" in text
    assert 'database: "2024_01"' in text and 'access_key: "0755"' in text and 'bucket: "yes"' in text
    assert "port: 5432" in text and "auto_discovery: false" in text
    assert "#   conn.app_landing.extra_dejson.api_key" in text  # the header says what to fill in
    assert 'flags: ["restricted"]' in text

    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    filled = airflow_connections_for(text, emu, {"project": "sales"})
    assert set(filled) == {"AIRFLOW_CONN_APP_ORDERS_DB", "AIRFLOW_CONN_APP_LANDING"}
    plan = cli("plan", str(spec), "--project", "sales", "--managed-prefix", "app-", "--prune", env=filled)
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "(no drift: the service matches the spec)" in plan.stdout

    document = json.loads(cli("plan", str(spec), "--project", "sales", "--json", env=filled).stdout)
    assert document["changes"] is False and document["counts"]["unchanged"] == 3
    assert document["not_available"] == []  # every placeholder rendered: the secrets were compared
    db = next(c for c in document["connections"] if c["name"] == "app-orders.db")
    assert db["secrets"] == {"password": {"status": "unchanged", "basis": "read back"}}

    applied = cli("apply", str(spec), "--project", "sales", "--yes", "--no-test", env=filled)
    assert applied.returncode == 0 and writes(emu) == 0, applied.stdout + applied.stderr
    assert cli.leaks() == []


def test_an_exported_catalog_round_trips_as_data_through_the_hook_and_the_sync_operator(airflow_conn, emu, pg_source):
    emu.add_catalog("shared")
    seed(emu, pg_source, catalog="shared")

    spec = IBMDataPlatformHook().export(catalog="shared", text=False)
    assert isinstance(spec, dict) and [e["name"] for e in spec["connections"]] == [
        "app-landing",
        "app-orders.db",
        "app-web",
    ]
    assert not any(s in json.dumps(spec) for s in SECRETS)
    held = {c["entity"]["name"]: c["entity"]["properties"] for c in emu.stored_connections(catalog="shared")}
    for entry in spec["connections"]:  # what Airflow's rendering of the placeholders would give
        for prop, value in entry["properties"].items():
            if isinstance(value, str) and value.startswith("{{ conn."):
                entry["properties"][prop] = held[entry["name"]][prop]

    summary = IBMSyncConnectionsOperator(
        task_id="s",
        catalog="shared",
        spec=spec,
        managed_prefix="app-",
        prune=True,
        dry_run=True,
        secret_fingerprints=False,
    ).execute({"ti": FakeTI()})
    assert summary["drift"] == [] and sorted(summary["unchanged"]) == ["app-landing", "app-orders.db", "app-web"]
    assert writes(emu) == 0


def test_the_operator_returns_the_spec_and_writes_it_to_its_path(airflow_conn, emu, pg_source, tmp_path, caplog):
    seed(emu, pg_source)
    path = tmp_path / "exported.yaml"
    ti = FakeTI()
    text = IBMExportConnectionsOperator(task_id="export", path=str(path), name_prefix="app-o").execute({"ti": ti})
    assert path.read_text() == text
    assert [n for n in re.findall(r'^  - name: "(.*)"$', text, re.M)] == ["app-orders.db"]
    assert not any(s in t for s in SECRETS for t in (text, caplog.text, json.dumps(ti.xcom)))
    assert writes(emu) == 0

    with pytest.raises(Exception, match="its folder does not exist"):
        IBMExportConnectionsOperator(task_id="export", path=str(tmp_path / "no" / "x.yaml")).execute({"ti": ti})


def test_the_console_scripts_exit_codes(cli, emu, pg_source):
    seed(emu, pg_source)
    emu.add_catalog("shared")

    ok = cli("export", "--project", "sales", "--json")
    assert ok.returncode == 0, ok.stderr
    document = json.loads(ok.stdout)
    assert document["command"] == "export" and document["scope"] == {"project_id": emu.project_id("sales")}
    assert [e["name"] for e in document["connections"]] == ["app-landing", "app-orders.db", "app-web"]

    empty = cli("export", "--catalog", "shared")  # by exact name, or by id
    assert empty.returncode == 0 and "connections: []" in empty.stdout, empty.stderr
    assert cli("export", "--catalog", emu.catalog_id("shared")).stdout == empty.stdout

    no_project = cli("export")
    assert no_project.returncode == 1 and no_project.stdout == ""
    assert "no project, catalog or space: pass --project, --catalog or --space" in no_project.stderr

    unknown = cli("export", "--project", "salse")
    assert unknown.returncode == 1 and unknown.stdout == "" and "sales" in unknown.stderr  # a near match

    missing = cli("export", "--space", "no-such-space")
    assert missing.returncode == 1 and missing.stdout == "" and "no-such-space" in missing.stderr

    before = emu.requests_count()
    blank = cli("export", "--catalog", " ")
    assert blank.returncode == 1 and "catalog must be the catalog's id or exact name" in blank.stderr
    assert emu.requests_count() == before  # refused before any request

    both = cli("export", "--catalog", emu.catalog_id("shared"), "--space", emu.catalog_id("shared"))
    assert both.returncode == 1 and "not allowed with argument" in both.stderr

    emu.script_fault("GET", "/v2/connections", status=403, count=100)
    refused = cli("export", "--project", "sales")
    assert refused.returncode == 1 and refused.stdout == "" and "403" in refused.stderr
    assert cli.leaks() == []
