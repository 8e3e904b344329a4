"""The `/_emulator` inspection API and its Python handle twin."""

from __future__ import annotations

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import Api, http_body


def test_request_counts_by_method_and_route_template(emu: EmulatorHandle, api: Api, demo: str) -> None:
    ids = [api.create(demo, http_body("http://x", name=f"w{i}")).json()["metadata"]["asset_id"] for i in range(2)]
    for i, cid in enumerate(ids):
        api.patch(cid, [{"op": "replace", "path": "/name", "value": f"n{i}"}], demo)
    api.get(f"/v2/connections/{ids[0]}", params={"project_id": demo})
    counts = Api(emu.url).get("/_emulator/requests").json()
    assert counts == {
        "total": 5,
        "counts": {
            "POST /v2/connections": 2,
            "PATCH /v2/connections/{connection_id}": 2,
            "GET /v2/connections/{connection_id}": 1,
        },
    }
    assert emu.requests_count() == 5
    assert emu.requests_count("PATCH") == 2
    assert emu.requests_count("patch", "/v2/connections/{connection_id}") == 2
    assert emu.requests_count(path=f"/v2/connections/{ids[0]}") == 2
    assert emu.requests_count("POST", "/v2/connections") == 2
    assert emu.requests_count(path="/v2/connections/*") == 3


def test_log_entries_have_the_documented_fields(emu: EmulatorHandle, api: Api, demo: str) -> None:
    api.get("/v2/connections", params={"project_id": demo, "limit": 5})
    entries = Api(emu.url).get("/_emulator/log").json()["entries"]
    assert len(entries) == 1
    entry = entries[0]
    assert set(entry) == {"seq", "timestamp", "method", "path", "template", "query", "status", "duration_ms", "fault"}
    assert entry["method"] == "GET" and entry["path"] == "/v2/connections" and entry["status"] == 200
    assert entry["query"] == {"project_id": demo, "limit": "5"} and entry["fault"] is None


def test_state_lists_workspaces_and_connections(emu: EmulatorHandle, api: Api, demo: str) -> None:
    emu.add_catalog("cat")
    api.create(demo, http_body("http://x"))
    state = Api(emu.url).get("/_emulator/state").json()
    assert [p["name"] for p in state["projects"]] == ["demo", "other"]
    assert [c["name"] for c in state["catalogs"]] == ["cat"] and state["spaces"] == []
    assert state["connections"][0]["metadata"]["project_id"] == demo


def test_unknown_api_path_is_a_404_container_and_counted(emu: EmulatorHandle, api: Api) -> None:
    reply = api.get("/v2/nothing-here")
    assert reply.status_code == 404 and reply.json()["errors"][0]["code"] == "not_found"
    assert emu.requests_count("GET", "/v2/nothing-here") == 1


def test_wrong_method_is_405_with_the_container(api: Api) -> None:
    reply = api.put("/v2/connections/version")
    assert reply.status_code == 405 and reply.json()["errors"][0]["code"] == "method_not_allowed"
