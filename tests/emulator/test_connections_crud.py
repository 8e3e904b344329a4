"""Connections: version, create, get, delete, scopes, names, and the service-side checks."""

from __future__ import annotations

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import HTTP_ID, POSTGRES_ID, SECRET, Api, assert_error, http_body, pg_body


def test_version_has_the_documented_fields(api: Api) -> None:
    body = api.get("/v2/connections/version").json()
    assert {"service_name", "version", "status", "timestamp"} <= set(body)


def test_every_reply_carries_a_transaction_id(api: Api) -> None:
    assert api.get("/v2/connections/version").headers["x-global-transaction-id"]


def test_create_returns_201_and_the_connection_in_the_service_shape(api: Api, demo: str) -> None:
    reply = api.create(demo, pg_body(description="the db", flags=[]))
    assert reply.status_code == 201
    conn = reply.json()
    metadata, entity = conn["metadata"], conn["entity"]
    assert metadata["asset_type"] == "connection"
    assert metadata["project_id"] == demo
    assert "catalog_id" not in metadata and "space_id" not in metadata
    assert metadata["asset_id"] and metadata["create_time"].endswith("Z") and metadata["creator_id"]
    # IBM's recorded replies: no metadata.href (IBM's watsonx.ai SDK breaks on one), usage by access.
    assert "href" not in metadata and metadata["asset_category"] == "USER" and metadata["tags"] == []
    usage = metadata["usage"]
    assert set(usage) == {"last_access_time", "last_accessor_id", "access_count"}
    assert usage["access_count"] == 0 and usage["last_accessor_id"] == metadata["creator_id"]
    assert entity["name"] == "pg" and entity["description"] == "the db"
    assert entity["datasource_type"] == POSTGRES_ID
    assert entity["properties"]["host"] == "127.0.0.1" and entity["properties"]["port"] == 5999
    # No flags: no `flags` key, as in IBM's recorded replies; the other keys real replies carry are there.
    assert "flags" not in entity and entity["origin_country"] == "us"
    assert entity["owner_id"] == metadata["creator_id"] and entity["rov"] == {"mode": 0}
    assert {"source", "target"} <= set(entity["interaction_properties"])


def test_flags_appear_on_connections_that_have_them(api: Api, demo: str) -> None:
    reply = api.create(demo, pg_body(flags=["restricted"]))
    assert reply.json()["entity"]["flags"] == ["restricted"]


def test_unknown_flags_are_refused(api: Api, demo: str, emu: EmulatorHandle) -> None:
    assert_error(api.create(demo, pg_body(flags=["secret-club"])), 400, "invalid_property", target="flags")
    assert emu.stored_connections() == []


@pytest.mark.parametrize("type_ref", ["http", "HTTP", HTTP_ID])
def test_datasource_type_may_be_given_by_name_or_id_and_is_returned_as_id(api: Api, demo: str, type_ref: str) -> None:
    reply = api.create(demo, {"name": "w", "datasource_type": type_ref, "properties": {"url": "http://x"}})
    assert reply.json()["entity"]["datasource_type"] == HTTP_ID


def test_get_returns_what_create_returned(api: Api, demo: str) -> None:
    created = api.create(demo, pg_body()).json()
    cid = created["metadata"]["asset_id"]
    reply = api.get(f"/v2/connections/{cid}", params={"project_id": demo, "decrypt_secrets": "false"})
    assert reply.status_code == 200
    got = reply.json()
    assert got["entity"] == created["entity"]
    # A read is an access: counted, with its time and reader.
    usage = got["metadata"].pop("usage")
    assert usage["access_count"] == 1 and usage["last_access_time"] >= created["metadata"]["usage"]["last_access_time"]
    created["metadata"].pop("usage")
    assert got["metadata"] == created["metadata"]


def test_get_of_an_unknown_connection_is_404(api: Api, demo: str) -> None:
    assert_error(api.get("/v2/connections/no-such-id", params={"project_id": demo}), 404, "not_found")


def test_a_connection_is_not_found_through_another_project(api: Api, emu: EmulatorHandle, demo: str) -> None:
    cid = api.create(demo, pg_body()).json()["metadata"]["asset_id"]
    reply = api.get(f"/v2/connections/{cid}", params={"project_id": emu.project_id("other")})
    assert_error(reply, 404, "not_found")


def test_delete_is_204_then_404(api: Api, demo: str, emu: EmulatorHandle) -> None:
    cid = api.create(demo, pg_body()).json()["metadata"]["asset_id"]
    first = api.delete(f"/v2/connections/{cid}", params={"project_id": demo})
    assert first.status_code == 204 and first.content == b""
    assert_error(api.delete(f"/v2/connections/{cid}", params={"project_id": demo}), 404, "not_found")
    assert_error(api.get(f"/v2/connections/{cid}", params={"project_id": demo}), 404, "not_found")
    assert emu.stored_connections("demo") == []


def test_a_duplicate_name_is_409_and_saves_nothing(api: Api, demo: str, emu: EmulatorHandle) -> None:
    assert api.create(demo, pg_body("same")).status_code == 201
    error = assert_error(api.create(demo, pg_body("same")), 409, "conflict")
    assert "target" not in error and "same" in error["message"]
    assert [c["entity"]["name"] for c in emu.stored_connections("demo")] == ["same"]
    # Names are per scope, and compared exactly.
    assert api.create(emu.project_id("other"), pg_body("same")).status_code == 201
    assert api.create(demo, pg_body("Same")).status_code == 201


def test_seeding_through_the_handle_may_repeat_a_name(emu: EmulatorHandle, api: Api, demo: str) -> None:
    first = emu.create_connection("dup", "http", {"url": "http://a"}, project="demo")
    second = emu.create_connection("dup", "http", {"url": "http://b"}, project="demo")
    assert first != second
    listed = api.get("/v2/connections", params={"project_id": demo, "entity.name": '"dup"'}).json()
    assert listed["total_count"] == 2


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        pytest.param({}, 400, "missing_required_parameter", id="no-scope"),
        pytest.param({"project_id": "P", "space_id": "S"}, 400, "invalid_parameter", id="two-scopes"),
        pytest.param({"project_id": "no-such-project"}, 403, "forbidden", id="unknown-project"),
        pytest.param({"catalog_id": "no-such-catalog"}, 403, "forbidden", id="unknown-catalog"),
    ],
)
def test_scope_errors(api: Api, emu: EmulatorHandle, params: dict[str, str], status: int, code: str) -> None:
    for reply in (
        api.get("/v2/connections", params=params),
        api.post("/v2/connections", params={**params, "test": "false"}, json=pg_body()),
    ):
        assert_error(reply, status, code)
    assert emu.stored_connections() == []


def test_catalogs_and_spaces_scope_connections(api: Api, emu: EmulatorHandle) -> None:
    catalog = emu.add_catalog("cat")
    space = emu.add_space("spc")
    in_catalog = api.post("/v2/connections", params={"catalog_id": catalog, "test": "false"}, json=pg_body("c"))
    in_space = api.post("/v2/connections", params={"space_id": space, "test": "false"}, json=pg_body("s"))
    assert in_catalog.json()["metadata"]["catalog_id"] == catalog
    assert in_space.json()["metadata"]["space_id"] == space
    listed = api.get("/v2/connections", params={"catalog_id": catalog}).json()
    assert [c["entity"]["name"] for c in listed["resources"]] == ["c"]
    assert [c["entity"]["name"] for c in emu.stored_connections(space="spc")] == ["s"]


@pytest.mark.parametrize(
    ("body", "code", "target"),
    [
        pytest.param(
            {"datasource_type": "http", "properties": {"url": "http://x"}},
            "missing_property",
            "name",
            id="no-name",
        ),
        pytest.param({"name": "x", "properties": {}}, "missing_property", "datasource_type", id="no-type"),
        pytest.param(
            {"name": "x", "datasource_type": "nosuchdb", "properties": {}},
            "invalid_property",
            "datasource_type",
            id="unknown-type",
        ),
        pytest.param(pg_body(properties={"host": ""}), "missing_property", "host", id="blank-required"),
        pytest.param(
            {
                "name": "x",
                "datasource_type": "postgresql",
                "properties": {"host": "h", "port": 1, "database": "d", "username": "u"},
            },
            "missing_property",
            "password",
            id="missing-password",
        ),
        pytest.param(pg_body(properties={"port": "abc"}), "invalid_property", "port", id="port-not-integer"),
        pytest.param(pg_body(properties={"ssl": "maybe"}), "invalid_property", "ssl", id="bad-boolean"),
        pytest.param(pg_body(properties={"colour": "red"}), "unknown_property", "colour", id="unknown-property"),
        pytest.param(pg_body(properties={"host": {"nested": 1}}), "invalid_property", "host", id="object-value"),
        pytest.param(http_body("ftp://example.com/x"), "invalid_property", "url", id="not-http-url"),
        pytest.param(
            {
                "name": "x",
                "datasource_type": "cloudobjectstorage",
                "properties": {"url": "http://x", "auth_method": "magic"},
            },
            "invalid_property",
            "auth_method",
            id="bad-enum",
        ),
        pytest.param(
            {
                "name": "x",
                "datasource_type": "cloudobjectstorage",
                "properties": {"url": "http://x", "auth_method": "instanceid_apikey", "resource_instance_id": "r"},
            },
            "missing_property",
            "api_key",
            id="auth-method-needs-key",
        ),
        pytest.param(
            {
                "name": "x",
                "datasource_type": "bluemixcloudobjectstorage",
                "properties": {"url": "http://x", "api_key": "k", "resource_instance_id": "r", "access_key": "a"},
            },
            "missing_property",
            "secret_key",
            id="bluemix-access-key-needs-secret",
        ),
        pytest.param(
            {"name": "x", "datasource_type": "ftp", "properties": {"host": "h", "username": "u"}},
            "missing_property",
            "connection_mode",
            id="ftp-mode",
        ),
        pytest.param(
            {"name": "x", "datasource_type": "oracle", "properties": {"host": "h", "username": "u", "password": "p"}},
            "missing_property",
            "service_name",
            id="oracle-service-name",
        ),
    ],
)
def test_service_side_checks_refuse_and_save_nothing(
    api: Api, demo: str, emu: EmulatorHandle, body: dict[str, object], code: str, target: str
) -> None:
    error = assert_error(api.create(demo, body), 400, code, target=target)
    assert SECRET not in error["message"]
    assert emu.stored_connections() == []


def test_valid_variants_pass_the_checks(api: Api, demo: str) -> None:
    cos = {"url": "https://s3.example"}
    bodies = [
        pg_body("p1", properties={"port": "5432", "ssl": "True"}),
        pg_body("p2", properties={"ssl": "yes"}),  # IBM's conditions compare booleans as yes/no too
        {"name": "f", "datasource_type": "ftp", "properties": {"host": "h", "connection_mode": "anonymous"}},
        {
            "name": "o",
            "datasource_type": "oracle",
            "properties": {"host": "h", "port": 1521, "service_name": "s", "username": "u", "password": "p"},
        },
        {
            "name": "o-sid",
            "datasource_type": "oracle",
            "properties": {"host": "h", "connection_mode": "sid", "sid": "ORCL", "username": "u", "password": "p"},
        },
        {
            "name": "c",
            "datasource_type": "cloudobjectstorage",
            "properties": {**cos, "auth_method": "accesskey_secretkey", "access_key": "a", "secret_key": "s"},
        },
        {
            "name": "c-key",
            "datasource_type": "cloudobjectstorage",
            "properties": {**cos, "auth_method": "instanceid_apikey", "api_key": "k", "resource_instance_id": "r"},
        },
        {"name": "c-cred", "datasource_type": "cloudobjectstorage", "properties": {**cos, "credentials": "{}"}},
        # Deferred credentials: none of the conditional ones are needed.
        {
            "name": "b-defer",
            "datasource_type": "bluemixcloudobjectstorage",
            "properties": {**cos, "defer_credentials": "yes"},
        },
        {
            "name": "b",
            "datasource_type": "bluemixcloudobjectstorage",
            "properties": {**cos, "api_key": "k", "resource_instance_id": "r"},
        },
        {"name": "m", "datasource_type": "mysql", "properties": {"host": "h", "username": "u", "password": "p"}},
        {
            "name": "pg-defer",
            "datasource_type": "postgresql",
            "properties": {"host": "h", "database": "d", "defer_credentials": True},
        },
        {"name": "bq", "datasource_type": "bigquery", "properties": {"credentials": '{"type": "service_account"}'}},
        {
            "name": "sf",
            "datasource_type": "snowflake",
            "properties": {"account_name": "a", "database": "d", "warehouse": "w", "username": "u", "password": "p"},
        },
    ]
    for body in bodies:
        assert api.create(demo, body).status_code == 201, body


def test_malformed_json_body_is_400(api: Api, demo: str) -> None:
    reply = api.post(
        "/v2/connections", params={"project_id": demo}, data="{not json", headers={"Content-Type": "application/json"}
    )
    error = assert_error(reply, 400, "invalid_request")
    assert "target" not in error  # the code alone says the request is wrong


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "false", "False"])
def test_booleans_accept_any_case(api: Api, demo: str, value: str) -> None:
    reply = api.post(
        "/v2/connections", params={"project_id": demo, "test": value}, json=http_body("http://127.0.0.1:1/x")
    )
    # test=true against a closed port fails the live test; test=false saves.
    assert reply.status_code == (400 if value.lower() == "true" else 201)


def test_a_bad_boolean_is_400(api: Api, demo: str) -> None:
    reply = api.post("/v2/connections", params={"project_id": demo, "test": "yes"}, json=pg_body())
    assert_error(reply, 400, "invalid_parameter", target="test", target_type="parameter")


def test_unknown_query_parameters_are_ignored(api: Api, demo: str) -> None:
    reply = api.get("/v2/connections", params={"project_id": demo, "properties": "host", "name": "", "whatever": "1"})
    assert reply.status_code == 200


def test_unknown_action_is_404(api: Api, demo: str, http_source: str) -> None:
    cid = api.create(demo, http_body(http_source)).json()["metadata"]["asset_id"]
    reply = api.put(f"/v2/connections/{cid}/actions/get_record_count", params={"project_id": demo}, json={})
    assert_error(reply, 404, "not_found", target="action_name", target_type="parameter")
