"""Updating connections with RFC 6902 JSON Patch on entity paths."""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import SECRET, Api, assert_error, pg_body


@pytest.fixture
def conn_id(api: Api, demo: str) -> str:
    cid: str = api.create(demo, pg_body(description="before")).json()["metadata"]["asset_id"]
    return cid


def _stored(emu: EmulatorHandle, cid: str) -> dict[str, Any]:
    entity: dict[str, Any] = emu.stored_connection(cid)["entity"]
    return entity


def test_replace_add_and_remove_apply_together(api: Api, emu: EmulatorHandle, demo: str, conn_id: str) -> None:
    ops = [
        {"op": "replace", "path": "/name", "value": "renamed"},
        {"op": "add", "path": "/properties/ssl", "value": "true"},
        {"op": "replace", "path": "/properties/password", "value": "rotated"},
        {"op": "remove", "path": "/description"},
    ]
    reply = api.patch(conn_id, ops, demo)
    assert reply.status_code == 200
    # The reply is the bare entity, as IBM's OpenAPI document and recorded reply say: no metadata, no id.
    entity = reply.json()
    assert "metadata" not in entity and "entity" not in entity
    assert entity["name"] == "renamed" and entity["properties"]["ssl"] == "true" and entity["description"] == ""
    assert {"datasource_type", "origin_country", "owner_id", "rov", "interaction_properties"} <= set(entity)
    stored = _stored(emu, conn_id)
    assert stored["properties"]["password"] == "rotated"
    assert stored["name"] == "renamed"


def test_add_replaces_an_existing_member(api: Api, emu: EmulatorHandle, demo: str, conn_id: str) -> None:
    assert api.patch(conn_id, [{"op": "add", "path": "/properties/password", "value": "new"}], demo).status_code == 200
    assert _stored(emu, conn_id)["properties"]["password"] == "new"


@pytest.mark.parametrize(
    "content_type",
    [
        "application/json-patch+json",
        "application/json-patch+json; charset=utf-8",
        "Application/JSON-Patch+JSON",
        "application/json",  # IBM's spec accepts it for a patch too
        "application/json;charset=utf-8",
    ],
)
def test_the_media_type_is_matched_not_the_whole_header(api: Api, demo: str, conn_id: str, content_type: str) -> None:
    reply = api.patch(conn_id, [{"op": "replace", "path": "/name", "value": "x"}], demo, content_type=content_type)
    assert reply.status_code == 200


@pytest.mark.parametrize("content_type", ["text/plain", "application/merge-patch+json", "application/jsonx"])
def test_wrong_content_type_is_415(api: Api, emu: EmulatorHandle, demo: str, conn_id: str, content_type: str) -> None:
    reply = api.patch(conn_id, [{"op": "replace", "path": "/name", "value": "x"}], demo, content_type=content_type)
    assert_error(reply, 415, "unsupported_media_type", target="Content-Type", target_type="header")
    assert _stored(emu, conn_id)["name"] == "pg"


@pytest.mark.parametrize(
    "ops",
    [
        pytest.param({"op": "replace", "path": "/name", "value": "x"}, id="not-an-array"),
        pytest.param([{"op": "frobnicate", "path": "/name"}], id="unknown-op"),
        pytest.param([{"op": "replace", "path": "/name"}], id="replace-without-value"),
        pytest.param([{"op": "replace", "value": "x"}], id="no-path"),
        pytest.param([{"op": "replace", "path": "name", "value": "x"}], id="pointer-without-slash"),
        pytest.param([{"op": "replace", "path": "/datasource_type", "value": "http"}], id="type-not-patchable"),
        pytest.param([{"op": "replace", "path": "/metadata/asset_id", "value": "x"}], id="metadata-not-patchable"),
        pytest.param([{"op": "add", "path": "/name/deeper", "value": "x"}], id="too-deep"),
        pytest.param([{"op": "remove", "path": "/properties/ssl"}], id="remove-missing"),
        pytest.param([{"op": "replace", "path": "/properties/ssl", "value": "true"}], id="replace-missing"),
        pytest.param([{"op": "add", "path": "/properties/port", "value": "abc"}], id="bad-value"),
        pytest.param([{"op": "add", "path": "/properties/colour", "value": "red"}], id="unknown-property"),
        pytest.param([{"op": "remove", "path": "/properties/host"}], id="remove-required"),
        pytest.param([{"op": "remove", "path": "/name"}], id="remove-name"),
        pytest.param([{"op": "test", "path": "/name", "value": "not-the-name"}], id="failed-test-op"),
        pytest.param([{"op": "replace", "path": "/properties/bad~2escape", "value": "x"}], id="bad-escape"),
        pytest.param(
            [{"op": "replace", "path": "/name", "value": "half"}, {"op": "remove", "path": "/properties/nope"}],
            id="second-op-fails",
        ),
    ],
)
def test_bad_patches_are_400_and_change_nothing(
    api: Api, emu: EmulatorHandle, demo: str, conn_id: str, ops: object
) -> None:
    before = emu.stored_connection(conn_id)
    reply = api.patch(conn_id, ops, demo)
    assert reply.status_code == 400, reply.text
    error = reply.json()["errors"][0]
    # Each names what is wrong in the body: a client reads it as a rejected request, not a refused test.
    assert error["target"]["type"] == "field", error
    assert error["code"] in ("invalid_request", "invalid_property", "missing_property", "unknown_property"), error
    assert emu.stored_connection(conn_id) == before


def test_escaped_unknown_property_is_named_unescaped(api: Api, demo: str, conn_id: str) -> None:
    error = assert_error(
        api.patch(conn_id, [{"op": "add", "path": "/properties/a~1b", "value": "x"}], demo), 400, "unknown_property"
    )
    assert "a/b" in error["message"]


def test_patch_of_an_unknown_connection_is_404(api: Api, demo: str) -> None:
    assert_error(api.patch("nope", [], demo), 404, "not_found")


def test_patch_with_test_true_validates_the_result(
    api: Api, emu: EmulatorHandle, demo: str, tcp_source: int, closed_port: int
) -> None:
    cid = api.create(demo, pg_body(port=tcp_source), test=True).json()["metadata"]["asset_id"]
    refused = api.patch(cid, [{"op": "replace", "path": "/properties/port", "value": closed_port}], demo, test=True)
    error = assert_error(refused, 400, "connection_test_failed")
    assert f"127.0.0.1:{closed_port}" in error["message"] and "refused" in error["message"]
    assert _stored(emu, cid)["properties"]["port"] == tcp_source
    accepted = api.patch(cid, [{"op": "replace", "path": "/properties/port", "value": closed_port}], demo, test=False)
    assert accepted.status_code == 200 and _stored(emu, cid)["properties"]["port"] == closed_port


def _content(stored: dict[str, Any]) -> dict[str, Any]:
    return {"entity": stored["entity"], "asset_id": stored["metadata"]["asset_id"]}


def test_an_empty_patch_is_an_update_that_changes_nothing(api: Api, emu: EmulatorHandle, demo: str) -> None:
    """Not a re-test (that is the `test` action): an update like any other, whose result is unchanged."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        cid = api.create(demo, pg_body(port=listener.getsockname()[1]), test=True).json()["metadata"]["asset_id"]
        before = _content(emu.stored_connection(cid))
        ok = api.patch(cid, [], demo, test=True)
        assert ok.status_code == 200 and ok.json()["name"] == "pg" and "metadata" not in ok.json()
        assert _content(emu.stored_connection(cid)) == before
    # test=true means what it means for every update: the result is tested before it is saved.
    assert_error(api.patch(cid, [], demo, test=True), 400, "connection_test_failed")
    assert api.patch(cid, [], demo, test=False).status_code == 200
    assert _content(emu.stored_connection(cid)) == before


def test_a_rename_to_a_taken_name_is_409(api: Api, emu: EmulatorHandle, demo: str, conn_id: str) -> None:
    api.create(demo, pg_body("taken"))
    reply = api.patch(conn_id, [{"op": "replace", "path": "/name", "value": "taken"}], demo)
    assert_error(reply, 409, "conflict")
    assert _stored(emu, conn_id)["name"] == "pg"
    # Keeping one's own name is no conflict.
    assert api.patch(conn_id, [{"op": "replace", "path": "/name", "value": "pg"}], demo).status_code == 200


def test_patch_replies_follow_the_secret_mode(make_emulator: Callable[..., EmulatorHandle]) -> None:
    for mode, shown in (("clear", SECRET + "2"), ("placeholder", "********"), ("omit", None)):
        emu = make_emulator(secret_mode=mode)
        api = Api(emu.url, emu.issue_token())
        project = emu.project_id("default")
        cid = api.create(project, pg_body()).json()["metadata"]["asset_id"]
        reply = api.patch(cid, [{"op": "replace", "path": "/properties/password", "value": SECRET + "2"}], project)
        assert reply.json()["properties"].get("password") == shown, mode


def test_a_failed_test_op_on_a_secret_never_shows_it(api: Api, emu: EmulatorHandle, demo: str, conn_id: str) -> None:
    """jsonpatch's own message names the stored value a `test` compared; the reply must not."""
    reply = api.patch(conn_id, [{"op": "test", "path": "/properties/password", "value": "a-guess"}], demo)
    error = assert_error(reply, 400, "invalid_request", target="/properties/password")
    assert "test failed" in error["message"]
    assert SECRET not in reply.text and "a-guess" not in reply.text
    assert _stored(emu, conn_id)["properties"]["password"] == SECRET
