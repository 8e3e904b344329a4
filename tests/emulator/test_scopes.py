"""Every connection route works in each of the three workspaces (project, catalog, space) and takes
exactly one of them: none is 400 `missing_required_parameter`, two are 400 `invalid_parameter`."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
import requests

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import JSON_PATCH, Api, assert_error, pg_body

SCOPES = ["project_id", "catalog_id", "space_id"]


@pytest.fixture
def workspaces(emu: EmulatorHandle) -> dict[str, str]:
    return {
        "project_id": emu.project_id("demo"),
        "catalog_id": emu.add_catalog("cat"),
        "space_id": emu.add_space("spc"),
    }


@pytest.mark.parametrize("scope", SCOPES)
def test_the_whole_lifecycle_in_each_workspace(
    api: Api, emu: EmulatorHandle, workspaces: dict[str, str], scope: str, tcp_source: int
) -> None:
    where = {scope: workspaces[scope]}
    created = api.post("/v2/connections", params={**where, "test": "true"}, json=pg_body(port=tcp_source))
    assert created.status_code == 201, created.text
    cid = created.json()["metadata"]["asset_id"]
    assert created.json()["metadata"][scope] == workspaces[scope]
    assert api.get(f"/v2/connections/{cid}", params=where).status_code == 200
    assert [c["metadata"]["asset_id"] for c in api.get("/v2/connections", params=where).json()["resources"]] == [cid]
    patched = api.request(
        "PATCH",
        f"/v2/connections/{cid}",
        params=where,
        data=json.dumps([{"op": "replace", "path": "/description", "value": "moved"}]),
        headers={"Content-Type": JSON_PATCH},
    )
    assert patched.status_code == 200 and patched.json()["description"] == "moved"
    assert [a["name"] for a in api.get(f"/v2/connections/{cid}/actions", params=where).json()["actions"]] == [
        "get_record_count"
    ]
    for action, body in (("test", {}), ("validate", {}), ("get_record_count", {"table_name": "T"})):
        ran = api.put(f"/v2/connections/{cid}/actions/{action}", params=where, json=body)
        assert ran.status_code == 200, (action, ran.text)
    search = {"query": "*:*", "include": "entity"}
    assert api.post("/v2/asset_types/connection/search", params=where, json=search).json()["total_rows"] == 1
    # The datasource lookups take no scope; given one, they ignore it.
    assert api.get("/v2/datasource_types/postgresql", params=where).status_code == 200
    assert api.get("/v2/datasource_types", params=where).status_code == 200
    # Another workspace does not see it.
    elsewhere = {s: workspaces[s] for s in SCOPES if s != scope}
    for other, guid in elsewhere.items():
        assert_error(api.get(f"/v2/connections/{cid}", params={other: guid}), 404, "not_found")
    assert api.delete(f"/v2/connections/{cid}", params=where).status_code == 204
    assert emu.stored_connections() == []


def _routes(cid: str) -> list[tuple[str, str, Callable[[Api, dict[str, str]], requests.Response]]]:
    def patch(api: Api, params: dict[str, str]) -> requests.Response:
        return api.request(
            "PATCH", f"/v2/connections/{cid}", params=params, data="[]", headers={"Content-Type": JSON_PATCH}
        )

    return [
        ("GET", "list", lambda api, p: api.get("/v2/connections", params=p)),
        (
            "POST",
            "create",
            lambda api, p: api.post("/v2/connections", params={**p, "test": "false"}, json=pg_body("x")),
        ),
        ("GET", "get", lambda api, p: api.get(f"/v2/connections/{cid}", params=p)),
        ("PATCH", "update", patch),
        ("DELETE", "delete", lambda api, p: api.delete(f"/v2/connections/{cid}", params=p)),
        ("GET", "actions", lambda api, p: api.get(f"/v2/connections/{cid}/actions", params=p)),
        ("PUT", "action", lambda api, p: api.put(f"/v2/connections/{cid}/actions/test", params=p, json={})),
        (
            "POST",
            "search",
            lambda api, p: api.post("/v2/asset_types/connection/search", params=p, json={"query": "*:*"}),
        ),
    ]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        pytest.param({}, "missing_required_parameter", id="none"),
        pytest.param({"project_id": "demo", "catalog_id": "cat"}, "invalid_parameter", id="project-and-catalog"),
        pytest.param({"catalog_id": "cat", "space_id": "spc"}, "invalid_parameter", id="catalog-and-space"),
        pytest.param({"project_id": "demo", "catalog_id": "cat", "space_id": "spc"}, "invalid_parameter", id="three"),
    ],
)
def test_every_connection_route_takes_exactly_one_scope(
    api: Api, emu: EmulatorHandle, workspaces: dict[str, str], params: dict[str, str], code: str
) -> None:
    cid = emu.create_connection("kept", "postgresql", pg_body()["properties"], project="demo")
    real = {key: workspaces[key] for key in params}
    before = emu.state()["connections"]
    # None: the first scope is named; two or more: the second one given (keep one).
    target = list(params)[1] if len(params) > 1 else "project_id"
    for method, name, call in _routes(cid):
        error = assert_error(call(api, real), 400, code, target, "parameter")
        assert "project_id, catalog_id, space_id" in error["message"], (method, name)
    assert [c["metadata"]["asset_id"] for c in emu.state()["connections"]] == [
        c["metadata"]["asset_id"] for c in before
    ]
