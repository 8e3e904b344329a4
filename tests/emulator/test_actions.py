"""A connection's actions: listed as IBM's recorded replies list them (`get_record_count` for table
types), `test` and `validate` runnable without being listed, `validate` checking without connecting."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import SECRET, Api, assert_error, http_body, pg_body

URN = "1000330999:orders-password"


def _actions(api: Api, demo: str, cid: str) -> list[dict]:
    reply = api.get(f"/v2/connections/{cid}/actions", params={"project_id": demo})
    assert reply.status_code == 200, reply.text
    actions: list[dict] = reply.json()["actions"]
    return actions


def _run(api: Api, demo: str, cid: str, action: str, body: object = None) -> requests.Response:
    return api.put(f"/v2/connections/{cid}/actions/{action}", params={"project_id": demo}, json=body or {})


def test_a_table_type_lists_get_record_count_as_recorded(api: Api, demo: str) -> None:
    cid = api.create(demo, pg_body()).json()["metadata"]["asset_id"]
    [action] = _actions(api, demo, cid)
    assert action["name"] == "get_record_count"
    assert action["description"] == "Get the number of rows in the specified table"
    inputs = {p["name"]: p for p in action["properties"]["input"]}
    assert inputs["table_name"]["required"] and not inputs["schema_name"]["required"]
    assert [(p["name"], p["type"]) for p in action["properties"]["output"]] == [("record_count", "integer")]


def test_test_and_validate_run_without_being_listed(api: Api, demo: str, http_source: str) -> None:
    cid = api.create(demo, http_body(http_source)).json()["metadata"]["asset_id"]
    assert _actions(api, demo, cid) == []
    for action in ("test", "validate"):
        reply = _run(api, demo, cid, action)
        assert reply.status_code == 200 and reply.json() == {}, (action, reply.text)


def test_an_action_the_type_does_not_have_is_404_naming_the_fix(api: Api, demo: str, http_source: str) -> None:
    cid = api.create(demo, http_body(http_source)).json()["metadata"]["asset_id"]
    error = assert_error(_run(api, demo, cid, "get_signed_url"), 404, "not_found", "action_name", "parameter")
    assert "test and validate run for every type" in error["message"]


@pytest.mark.parametrize("actions", ["true", None])
def test_a_types_actions_come_with_actions_true(api: Api, actions: str | None) -> None:
    params = {"actions": actions} if actions else {}
    pg = api.get("/v2/datasource_types/postgresql", params=params).json()["entity"]["actions"]
    assert [a["name"] for a in pg] == (["get_record_count"] if actions else [])
    listed = api.get("/v2/datasource_types", params=params).json()["resources"]
    http = next(t for t in listed if t["entity"]["name"] == "http")
    assert http["entity"]["actions"] == []


def test_validate_checks_without_connecting(api: Api, demo: str, closed_port: int) -> None:
    cid = api.create(demo, pg_body(port=closed_port)).json()["metadata"]["asset_id"]
    assert _run(api, demo, cid, "validate").json() == {}
    # The data source is down: only `test` notices.
    assert_error(_run(api, demo, cid, "test"), 400, "connection_test_failed")


@pytest.mark.parametrize(
    ("properties", "code", "target"),
    [
        pytest.param(
            {"host": "h", "port": 1, "database": "d", "username": "u"}, "missing_property", "password", id="missing"
        ),
        pytest.param(
            {"host": "h", "port": "five", "database": "d", "username": "u", "password": SECRET},
            "invalid_property",
            "port",
            id="wrong-type",
        ),
        pytest.param(
            {"host": "h", "database": "d", "username": "u", "password": SECRET, "colour": "red"},
            "unknown_property",
            "colour",
            id="unknown",
        ),
    ],
)
def test_validate_refuses_stored_properties_that_fail_the_checks(
    api: Api, emu: EmulatorHandle, demo: str, properties: dict, code: str, target: str
) -> None:
    cid = emu.create_connection("legacy", "postgresql", properties, project="demo", checks=False)
    error = assert_error(_run(api, demo, cid, "validate"), 400, code, target)
    assert SECRET not in error["message"]


def test_validate_refuses_a_vault_reference_the_vault_does_not_hold(api: Api, emu: EmulatorHandle, demo: str) -> None:
    properties = {**pg_body()["properties"], "password": URN, "vaulted_properties": "password"}
    cid = emu.create_connection("vaulted", "postgresql", properties, project="demo")
    error = assert_error(_run(api, demo, cid, "validate"), 400, "invalid_property", "password")
    assert URN in error["message"] and "add the secret to the vault" in error["message"]
    emu.add_vault_secret(URN, SECRET)
    assert _run(api, demo, cid, "validate").json() == {}


def test_get_record_count_connects_and_counts(api: Api, demo: str, tcp_source: int) -> None:
    cid = api.create(demo, pg_body(port=tcp_source)).json()["metadata"]["asset_id"]
    first = _run(api, demo, cid, "get_record_count", {"table_name": "CUSTOMER"})
    assert first.status_code == 200, first.text
    count = first.json()["record_count"]
    # A float, as IBM's recorded reply (5001.0); the same on every call.
    assert isinstance(count, float) and count == int(count) >= 0
    assert _run(api, demo, cid, "get_record_count", {"table_name": "CUSTOMER"}).json() == {"record_count": count}


def test_get_record_count_needs_a_table_and_a_reachable_source(api: Api, demo: str, closed_port: int) -> None:
    cid = api.create(demo, pg_body(port=closed_port)).json()["metadata"]["asset_id"]
    assert_error(_run(api, demo, cid, "get_record_count"), 400, "missing_property", "table_name")
    bad_schema = _run(api, demo, cid, "get_record_count", {"table_name": "T", "schema_name": 5})
    assert_error(bad_schema, 400, "invalid_property", "schema_name")
    down = _run(api, demo, cid, "get_record_count", {"table_name": "T"})
    assert "target" not in assert_error(down, 400, "connection_test_failed")


def test_the_200_failure_setting_applies_to_test_only(
    make_emulator: Callable[..., EmulatorHandle], closed_port: int
) -> None:
    emu = make_emulator(test_action_failure_status=200)
    api = Api(emu.url, emu.issue_token())
    project = emu.project_id("default")
    cid = emu.create_connection("pg", "postgresql", pg_body(port=closed_port)["properties"])
    assert _run(api, project, cid, "test").json()["status"] == "failed"
    assert_error(_run(api, project, cid, "get_record_count", {"table_name": "T"}), 400, "connection_test_failed")
