"""The `/_emulator` inspection API and its Python handle twin."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import SECRET, Api, http_body, pg_body


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


def test_reset_over_http_clears_connections_and_counters(emu: EmulatorHandle, api: Api, demo: str) -> None:
    api.create(demo, http_body("http://x"))
    assert Api(emu.url).post("/_emulator/reset").status_code == 200
    assert emu.stored_connections() == [] and emu.requests_count() == 0 and emu.request_log() == []
    # Tokens and seeded projects survive a reset.
    assert api.get("/v2/connections", params={"project_id": demo}).json()["total_count"] == 0


def test_tokens_can_be_issued_over_http(emu: EmulatorHandle) -> None:
    reply = Api(emu.url).post("/_emulator/tokens", json={"subject": "tester", "ttl": 30})
    assert reply.status_code == 201
    api = Api(emu.url, reply.json()["token"])
    cid = api.create(emu.project_id("demo"), http_body("http://x")).json()["metadata"]["creator_id"]
    assert cid == "tester"


def test_unknown_api_path_is_a_404_container_and_counted(emu: EmulatorHandle, api: Api) -> None:
    reply = api.get("/v2/nothing-here")
    assert reply.status_code == 404 and reply.json()["errors"][0]["code"] == "not_found"
    assert emu.requests_count("GET", "/v2/nothing-here") == 1


def test_wrong_method_is_405_with_the_container(api: Api) -> None:
    reply = api.put("/v2/connections/version")
    assert reply.status_code == 405 and reply.json()["errors"][0]["code"] == "method_not_allowed"


def test_access_log_is_opt_in_and_redacted(
    make_emulator: Callable[..., EmulatorHandle], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="airflow_connections_provider.emulator.access")
    quiet = make_emulator()
    Api(quiet.url, quiet.issue_token()).get("/v2/projects")
    assert not [r for r in caplog.records if r.name.endswith(".access")]
    emu = make_emulator(access_log=True)
    api = Api(emu.url, emu.issue_token())
    project = emu.project_id("default")
    api.create(project, pg_body())
    api.get("/v2/connections", params={"project_id": project, "entity.properties": json.dumps({"password": SECRET})})
    lines = [r.getMessage() for r in caplog.records if r.name.endswith(".access")]
    assert any(line.startswith("POST /v2/connections?") and " 201 " in line for line in lines), lines
    assert any(line.startswith("GET /v2/connections?") and " 200 " in line for line in lines), lines
    text = "\n".join(lines)
    assert SECRET not in text and (api.authorization or "").split()[1] not in text


def test_wait_for_requests_returns_once_logged_and_times_out_otherwise(emu: EmulatorHandle, api: Api) -> None:
    api.get("/v2/projects")
    assert emu.wait_for_requests(1, "GET", "/v2/projects") == 1
    with pytest.raises(TimeoutError, match="0 of 1 expected requests"):
        emu.wait_for_requests(1, "DELETE", timeout=0.01)
