"""Renames: never onto a name another connection holds; a retry finds what an earlier try renamed."""

from __future__ import annotations

import json
import logging

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException
from responses import matchers

from airflow_connections_provider.client import Scope
from airflow_connections_provider.operators.ibm import IBMUpdateConnectionOperator
from airflow_connections_provider.tasks.lookups import LOCAL_MARKERS, RenameMarker
from tests.support import payloads
from tests.support.task_fixtures import API, PROJECT_ID, FakeTI, writes

CONNS = f"{API}/v2/connections"
VISIBLE = {"host": "db", "port": 5432, "database": "orders", "username": "etl"}


class VariableStore(dict):
    """Airflow's Variables where they can be written (a task runner, a metadata database)."""

    def set(self, key, value, description=None, serialize_json=False):
        self[key] = value

    def get(self, key, default=None, deserialize_json=False):
        return dict.get(self, key, default)

    def delete(self, key):
        self.pop(key, None)


@pytest.fixture(autouse=True, params=["variables-unavailable", "variables"])
def variables(request, monkeypatch):
    """Each test twice: as a unit test (no Variable can be written: the record lives in this process
    only) and as in a task (the record is also an Airflow Variable, which must not outlive the outcome)."""
    LOCAL_MARKERS.clear()
    store = VariableStore()
    if request.param == "variables":
        import airflow.providers.common.compat.sdk as sdk

        monkeypatch.setattr(sdk, "Variable", store)
    yield store
    LOCAL_MARKERS.clear()


def named(api, name: str, *conns: dict) -> None:
    api.get(
        CONNS,
        json=payloads.page(list(conns)),
        match=[matchers.query_param_matcher({"entity.name": f'"{name}"'}, strict_match=False)],
    )


def rename(**kwargs) -> IBMUpdateConnectionOperator:
    args = {"task_id": "rename", "connection_name": "a", "new_name": "b"}
    args.update(kwargs)
    return IBMUpdateConnectionOperator(**args)


def test_rename_onto_an_existing_name_fails_before_writing(api, context):
    named(api, "a", payloads.connection("a", asset_id="id-a", properties=VISIBLE))
    named(api, "b", payloads.connection("b", asset_id="id-b", properties=VISIBLE))
    with pytest.raises(AirflowFailException, match=r"cannot rename connection 'a' \(id id-a\) to 'b'.*id-b"):
        rename().execute(context)
    assert writes(api) == []


def test_rename_onto_a_name_several_connections_hold_fails_too(api, context):
    named(api, "a", payloads.connection("a", asset_id="id-a"))
    named(api, "b", payloads.connection("b", asset_id="id-b1"), payloads.connection("b", asset_id="id-b2"))
    with pytest.raises(AirflowFailException, match=r"2 connections \(id-b1, id-b2\)"):
        rename().execute(context)
    assert writes(api) == []


def test_rename_to_a_free_name_patches_the_name(api, context):
    conn = payloads.connection("a", asset_id="id-a", properties=VISIBLE)
    named(api, "a", conn)
    named(api, "b")
    api.patch(f"{CONNS}/id-a", json={**conn, "entity": {**conn["entity"], "name": "b"}})
    assert rename().execute(context) == "id-a"
    assert {"op": "add", "path": "/name", "value": "b"} in json.loads(api.calls[-1].request.body)


@pytest.mark.parametrize(
    ("try_number", "b_properties", "recorded", "adopted"),
    [
        pytest.param(2, VISIBLE, "id-a", True, id="retry-finds-the-renamed-one"),
        pytest.param(2, {**VISIBLE, "host": "elsewhere"}, "id-a", False, id="retry-refuses-a-different-one"),
        pytest.param(2, VISIBLE, None, False, id="retry-without-evidence-of-its-rename"),
        pytest.param(2, VISIBLE, "id-other", False, id="retry-whose-rename-was-of-another-connection"),
        pytest.param(1, VISIBLE, "id-a", False, id="first-try-never-guesses"),
    ],
)
def test_a_retry_of_a_rename_finds_what_an_earlier_try_renamed(
    api, try_number, b_properties, recorded, adopted, capsys, caplog, variables
):
    renamed = payloads.connection("b", asset_id="id-a", properties=b_properties)
    named(api, "a")  # gone: try 1 renamed it before its reply was lost (or someone else did)
    named(api, "b", renamed)
    api.patch(f"{CONNS}/id-a", json=renamed)
    op = rename(set_properties={"host": "db", "password": "pw-rotated-1"})
    context = {"ti": FakeTI(try_number=try_number)}
    if recorded:  # what try 1 recorded just before it sent its rename
        RenameMarker(context["ti"], Scope.project(PROJECT_ID), "b", recorded, logging.getLogger(__name__)).record()
    if not adopted:
        with pytest.raises(AirflowFailException, match="no connection is named exactly 'a'"):
            op.execute(context)
        assert writes(api) == []
        if try_number > 1 and b_properties == VISIBLE:
            assert "not adopted (give connection_id='id-a'" in caplog.text + capsys.readouterr().out
        return
    assert op.execute(context) == "id-a"
    body = json.loads(api.calls[-1].request.body)
    assert {"op": "add", "path": "/properties/password", "value": "pw-rotated-1"} in body  # the rest re-applied
    assert not any(o["path"] == "/name" for o in body)  # already named b
    assert not RenameMarker(context["ti"], Scope.project(PROJECT_ID), "b", "id-a", logging.getLogger()).recorded()
    assert variables == {}  # no record outlives the outcome


def test_a_rename_records_its_evidence_before_sending_and_clears_it_after(api, context, variables):
    conn = payloads.connection("a", asset_id="id-a", properties=VISIBLE)
    named(api, "a", conn)
    named(api, "b")
    marker = RenameMarker(context["ti"], Scope.project(PROJECT_ID), "b", "id-a", logging.getLogger(__name__))
    seen: list[bool] = []

    def patched(request):
        seen.append(marker.recorded())  # while the rename is in flight
        return (200, {}, json.dumps({**conn, "entity": {**conn["entity"], "name": "b"}}))

    api.add_callback("PATCH", f"{CONNS}/id-a", callback=patched)
    assert rename().execute(context) == "id-a"
    assert seen == [True] and not marker.recorded()
    assert variables == {}


def test_a_rename_by_id_is_idempotent(api):
    """Try 2 finds the connection already named b: nothing left to change, nothing written."""
    conn = payloads.connection("b", asset_id="id-a", properties=VISIBLE)
    api.get(f"{CONNS}/id-a", json=conn)
    op = rename(connection_name=None, connection_id="id-a", test=False)
    assert op.execute({"ti": FakeTI(try_number=2)}) == "id-a"
    assert writes(api) == []
