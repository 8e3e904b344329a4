"""Drift is the plan of a dry run, shown as a diff: which connections, which fields, each secret's
status; what the service changes by itself is ignored by rule. Names only, never a value."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from airflow_connections_provider.client import Connection, DatasourceType
from airflow_connections_provider.sync import drift
from airflow_connections_provider.sync.fingerprints import FingerprintState
from airflow_connections_provider.sync.plan import make_plan
from airflow_connections_provider.sync.spec import DesiredConnection
from tests.support import payloads

PG = DatasourceType.from_api(payloads.postgres_type())
HTTP = DatasourceType.from_api(payloads.http_type())
SECRET = "Drift-Unit-Secret-41"
DECLARED = {"host": "db", "port": 5432, "database": "orders", "username": "etl", "password": SECRET}
ROOT = Path(__file__).resolve().parents[3]


def full_reply(**entity_changes: object) -> dict:
    """A connection as IBM's recorded replies carry it, with everything the service adds."""
    reply = payloads.connection("app-db", asset_id="c1", properties={**DECLARED, "ssl": False, "extra_prop": "x"})
    reply["metadata"]["usage"] = {
        "last_access_time": "2026-11-28T10:00:00Z",
        "last_accessor_id": "u1",
        "access_count": 3,
    }
    reply["entity"]["description"] = "Orders"
    reply["entity"].update(
        {"owner_id": "u1", "rov": {"mode": 0}, "interaction_properties": {"source": [{"name": "t"}]}}
    )
    for key, value in entity_changes.items():
        reply["entity"][key] = value
    return reply


def plan_of(reply: dict, *, description: str | None = "Orders", prune: bool = False, extra: list | None = None):
    desired = [DesiredConnection("app-db", PG, description, dict(DECLARED))]
    actual = [Connection.from_api(reply), *(extra or [])]
    return make_plan(desired, actual, managed_prefix="app-", prune=prune, fingerprints=FingerprintState())


IGNORED_CHANGES = {
    "usage-counters-and-times": lambda r: r["metadata"]["usage"].update(access_count=99, last_access_time="2027"),
    "create-time-and-creator": lambda r: r["metadata"].update(create_time="2027-01-01T00:00:00Z", creator_id="u9"),
    "interaction-properties": lambda r: r["entity"].update(interaction_properties={"source": [{"name": "other"}]}),
    "flags-rov-owner-origin": lambda r: r["entity"].update(
        flags=["restricted"], rov={"mode": 8}, owner_id="u2", origin_country="de"
    ),
    "a-property-not-declared": lambda r: r["entity"]["properties"].update(ssl=True, extra_prop="changed"),
}


@pytest.mark.parametrize("change", list(IGNORED_CHANGES))
def test_fields_the_service_changes_by_itself_are_no_drift(change):
    reply = full_reply()
    IGNORED_CHANGES[change](reply)
    plan = plan_of(reply)
    assert drift.drift_entries(plan) == []
    assert "no drift" in drift.render(drift.drift_entries(plan))


def test_an_undeclared_description_is_not_compared():
    assert drift.drift_entries(plan_of(full_reply(description="edited in the UI"), description=None)) == []


COMPARED_CHANGES = {
    "description": ({"description": "edited in the UI"}, ["description"], "unchanged (read back)"),
    "visible-property": (
        {"properties": {**DECLARED, "database": "other"}},
        ["properties.database"],
        "unchanged (read back)",
    ),
    "secret-read-back": ({"properties": {**DECLARED, "password": "Edited-In-UI-9"}}, [], "changed (read back)"),
}


@pytest.mark.parametrize("change", list(COMPARED_CHANGES))
def test_declared_fields_and_secrets_drift_by_name(change):
    entity, fields, secret = COMPARED_CHANGES[change]
    (entry,) = drift.drift_entries(plan_of(full_reply(**entity)))
    assert (entry["name"], entry["action"], entry["state"], entry["id"]) == ("app-db", "update", "differs", "c1")
    assert entry["fields"] == fields and entry["datasource_type"] == "postgresql"
    assert drift._status(entry["secrets"]["password"]) == secret
    line = drift.render([entry])
    assert line.startswith("~ app-db (id c1): ") and f"secret password: {secret}" in line
    for field in fields:
        assert field in line
    text = json.dumps(entry) + line
    assert SECRET not in text and "Edited-In-UI-9" not in text


def test_missing_and_unexpected_connections_in_destructive_order():
    stray = Connection.from_api(payloads.connection("app-zz-stray", asset_id="c9", datasource_type=payloads.HTTP_ID))
    desired = [DesiredConnection("app-new", HTTP, None, {"url": "https://x"})]
    plan = make_plan(desired, [stray], managed_prefix="app-", prune=True)
    entries = drift.drift_entries(plan)
    assert [(e["name"], e["state"]) for e in entries] == [("app-zz-stray", "not in the spec"), ("app-new", "missing")]
    assert drift.render(entries).splitlines() == [
        "- app-zz-stray (id c9): not in the spec, a sync with prune deletes it",
        "+ app-new: missing, a sync creates it (http)",
    ]


def test_names_from_the_service_cannot_forge_a_line():
    stray = Connection.from_api(payloads.connection("app-x\n+ app-fake: missing", asset_id="c9"))
    plan = make_plan([], [stray], managed_prefix="app-", prune=True)
    assert len(drift.render(drift.drift_entries(plan)).splitlines()) == 1


def test_secrets_of_connections_in_sync_that_could_not_be_checked_are_listed():
    reply = full_reply(properties={k: v for k, v in DECLARED.items() if k != "password"})  # omitted
    desired = [DesiredConnection("app-db", PG, "Orders", dict(DECLARED))]
    plan = make_plan(desired, [Connection.from_api(reply)], fingerprints=None)
    assert drift.drift_entries(plan) == []
    assert drift.unverified_secrets(plan) == {"app-db": {"password": "unknown"}}
    assert "app-db.password (unknown)" in drift.render([], unverified=drift.unverified_secrets(plan))


def test_the_docs_print_the_rule_lists_the_code_applies():
    docs = (ROOT / "docs" / "sync.md").read_text()
    assert drift.rules_table(drift.IGNORED, ("ignored", "why")) in docs
    assert drift.rules_table(drift.COMPARED, ("compared", "how")) in docs


def test_entries_are_plain_json_data():
    entries = drift.drift_entries(plan_of(full_reply(description="x")))
    assert json.loads(json.dumps(entries)) == copy.deepcopy(entries)
