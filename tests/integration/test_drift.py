"""Drift checks against the emulator over real HTTP: a connection edited through the service is caught
and shown as a diff (fields, secrets as changed/unchanged/unknown, never a value); a clean project is
not; the check writes nothing; a sync repairs what it found."""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.client import ConnectionChanges, Scope
from airflow_connections_provider.masking import spellings
from airflow_connections_provider.operators.ibm import IBMSyncConnectionsOperator
from airflow_connections_provider.sync.fingerprints import MemoryStore
from airflow_connections_provider.sync.runner import SyncRequest, run_sync
from tests.integration.conftest import SECRET, pg_properties
from tests.support.task_fixtures import FakeTI

EDITED_PASSWORD = "Edited-By-Hand-Pw-58"


def spec_for(source: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": "app-db",
            "datasource_type": "postgresql",
            "description": "Orders",
            "properties": pg_properties(source),
        },
        {"name": "app-web", "datasource_type": "http", "properties": {"url": "https://web.example.com/feed"}},
    ]


def operator(spec: Any, **kwargs: Any) -> IBMSyncConnectionsOperator:
    args = {"task_id": "check", "spec": spec, "managed_prefix": "app-", "prune": True, "secret_fingerprints": False}
    args["test"] = False  # the web entry names no reachable host: no live test
    return IBMSyncConnectionsOperator(**{**args, **kwargs})


def writes(emu: Any) -> int:
    return sum(emu.requests_count(m, "/v2/connections*") for m in ("POST", "PATCH", "DELETE"))


def leaks(texts: list[str]) -> list[str]:
    return [s for v in (SECRET, EDITED_PASSWORD) for s in set(spellings(v)) if len(s) >= 5 for t in texts if s in t]


def test_an_edit_through_the_service_is_caught_as_a_diff_and_a_sync_repairs_it(
    airflow_conn, emu, pg_source, client, caplog, capsys
):
    caplog.set_level(logging.DEBUG)
    spec = spec_for(pg_source)
    operator(spec).execute({"ti": FakeTI()})  # the sync that makes the project match
    before = writes(emu)

    clean = operator(spec, dry_run=True, fail_on_drift=True).execute({"ti": FakeTI()})
    assert clean["drift"] == [] and clean["unverified_secrets"] == {}

    # Someone edits through the service (IBM's UI uses the same API): a description, a property and
    # the password of app-db; deletes app-web; adds a connection inside the managed prefix.
    scope = Scope.project(emu.project_id("sales"))
    db = client.find_connection(scope, "app-db")
    assert db is not None
    changes = ConnectionChanges(description="edited", set_properties={"database": "other", "password": EDITED_PASSWORD})
    client.update_connection(scope, db.id, changes, test=False)
    web = client.find_connection(scope, "app-web")
    assert web is not None
    client.delete_connection(scope, web.id)
    client.create_connection(
        scope, name="app-stray", datasource_type="http", properties={"url": "https://s"}, test=False
    )
    edits = writes(emu)

    ti = FakeTI()
    op = operator(spec, dry_run=True, fail_on_drift=True)
    with pytest.raises(AirflowFailException) as caught:
        op.execute({"ti": ti})
    message = str(caught.value)
    assert writes(emu) == edits  # a drift check writes nothing
    assert "3 connection(s) differ from the spec" in message
    stray = emu.stored_connections("sales")
    stray_id = next(c["metadata"]["asset_id"] for c in stray if c["entity"]["name"] == "app-stray")
    assert message.splitlines()[1:] == [
        f"- app-stray (id {stray_id}): not in the spec, a sync with prune deletes it",
        "+ app-web: missing, a sync creates it (http)",
        f"~ app-db (id {db.id}): description, properties.database; secret password: changed (read back)",
    ]
    drift = {e["name"]: e for e in ti.xcom["sync_summary"]["drift"]}
    assert drift["app-db"]["fields"] == ["description", "properties.database"]
    assert drift["app-db"]["secrets"] == {"password": {"status": "changed", "basis": "read back"}}
    assert (drift["app-web"]["state"], drift["app-stray"]["state"]) == ("missing", "not in the spec")
    logged = caplog.text + capsys.readouterr().out
    assert leaks([message, json.dumps(ti.xcom), logged, repr(op)]) == []

    operator(spec).execute({"ti": FakeTI()})  # the sync repairs it: the password too
    assert writes(emu) > edits
    assert operator(spec, dry_run=True, fail_on_drift=True).execute({"ti": FakeTI()})["drift"] == []
    stored = {c["entity"]["name"]: c["entity"] for c in emu.stored_connections("sales")}
    assert sorted(stored) == ["app-db", "app-web"] and stored["app-db"]["properties"]["password"] == SECRET
    assert before > 0


@pytest.mark.parametrize("secret_mode", ["omit", "placeholder"])
def test_where_the_service_returns_no_secret_the_fingerprint_or_unknown_is_said(make_client, pg_source, secret_mode):
    from airflow_connections_provider.emulator import run_emulator

    with run_emulator(projects=["p"], secret_mode=secret_mode) as emu:
        client = make_client(handle=emu)
        scope = Scope.project(emu.project_id("p"))
        spec = [spec_for(pg_source)[0]]
        store = MemoryStore()
        run_sync(client, scope, SyncRequest(spec=spec, test=False), store=store)

        def check(spec: Any, store: MemoryStore | None) -> dict[str, Any]:
            return run_sync(client, scope, SyncRequest(spec=spec, dry_run=True), store=store)

        as_applied = check(spec, store)
        assert as_applied["drift"] == [] and as_applied["unverified_secrets"] == {}

        # The spec's password moved on since the last apply: the fingerprint tells.
        rotated = [{**spec[0], "properties": {**spec[0]["properties"], "password": "Rotated-Pw-77"}}]
        (entry,) = check(rotated, store)["drift"]
        assert entry["secrets"] == {"password": {"status": "changed", "basis": "fingerprint"}}

        # An edit in IBM's UI cannot be seen without a read-back: the fingerprint still says "as applied",
        # and the basis says what that is worth.
        conn = client.find_connection(scope, "app-db")
        assert conn is not None
        client.update_connection(scope, conn.id, ConnectionChanges(set_properties={"password": "Ui-Pw-1"}), test=False)
        assert check(spec, store)["drift"] == []

        # No state at all: unknown, never guessed; listed, and not called drift.
        unknown = check(spec, None)
        assert unknown["drift"] == [] and unknown["unverified_secrets"] == {"app-db": {"password": "unknown"}}
        # A fresh state (lost, or another prefix): unknown, so the sync would send it once: drift.
        (fresh,) = check(spec, MemoryStore())["drift"]
        assert fresh["secrets"] == {"password": {"status": "unknown", "basis": None}} and fresh["fields"] == []
