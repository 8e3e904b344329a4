"""`/v2/projects`: shape, partial name filter, bookmark paging, get, and the projects service's own
error body."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import Api, assert_projects_error


def test_project_has_every_key_ibms_sdk_requires(api: Api, emu: EmulatorHandle) -> None:
    project = api.get(f"/v2/projects/{emu.project_id('demo')}").json()
    assert set(project["metadata"]) == {"guid", "url", "created_at", "updated_at"}
    assert project["metadata"]["guid"] == emu.project_id("demo")
    entity = project["entity"]
    assert set(entity) == {
        "name",
        "description",
        "type",
        "generator",
        "public",
        "creator",
        "tags",
        "storage",
        "scope",
        "compute",
    }
    assert entity["name"] == "demo" and entity["type"] in ("cpd", "wx")
    # IBM's recorded CPD reply: `storage` is {type, guid}; `properties` is optional and absent there.
    assert set(entity["storage"]) == {"type", "guid"} and entity["storage"]["type"] == "assetfiles"
    assert entity["scope"]["bss_account_id"] and entity["compute"] == []


def test_name_filter_is_partial_and_case_insensitive(api: Api, emu: EmulatorHandle) -> None:
    emu.add_project("Demo Two")
    names = [
        p["entity"]["name"]
        for p in api.get("/v2/projects", params={"name": "DEMO", "include": "name,fields"}).json()["resources"]
    ]
    assert names == ["demo", "Demo Two"]


def test_no_match_is_204_without_a_body(api: Api) -> None:
    reply = api.get("/v2/projects", params={"name": "no such project"})
    assert reply.status_code == 204 and reply.content == b""


def test_bookmark_paging(api: Api, emu: EmulatorHandle) -> None:
    for i in range(7):
        emu.add_project(f"p{i}")
    expected = [p["guid"] for p in emu.state()["projects"]]
    seen: list[str] = []
    params: dict[str, str] = {"limit": "3"}
    while True:
        body = api.get("/v2/projects", params=params).json()
        seen.extend(p["metadata"]["guid"] for p in body["resources"])
        if "bookmark" not in body:
            break
        params["bookmark"] = body["bookmark"]
    assert seen == expected and len(seen) == 9


def test_default_page_is_ten_projects(api: Api, emu: EmulatorHandle) -> None:
    for i in range(10):
        emu.add_project(f"p{i}")
    body = api.get("/v2/projects").json()
    assert len(body["resources"]) == 10 and body["bookmark"]


def test_bad_bookmark_is_400_in_the_projects_shape(api: Api) -> None:
    body = assert_projects_error(api.get("/v2/projects", params={"bookmark": "!!"}), 400, "bookmark is not valid")
    assert body["error"] == "Bad Request"


def test_bad_limit_is_400_in_the_projects_shape(api: Api) -> None:
    assert_projects_error(api.get("/v2/projects", params={"limit": "many"}), 400, "'limit' must be an integer")


def test_unknown_project_is_404_in_the_projects_shape(api: Api) -> None:
    body = assert_projects_error(api.get("/v2/projects/no-such-guid"), 404, "Failed to retrieve project: no-such-guid")
    assert body == {
        "code": "404",
        "error": "Not Found",
        "message": "The requested resource could not be found.",
        "reason": body["reason"],
    }


def test_a_fault_on_a_projects_path_answers_in_the_projects_shape(api: Api, emu: EmulatorHandle) -> None:
    emu.script_fault("GET", "/v2/projects", status=503)
    body = assert_projects_error(api.get("/v2/projects"), 503)
    assert body["error"] == "Service Unavailable"


def test_projects_can_be_pinned_and_added(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(projects=["a=11111111-1111-1111-1111-111111111111", "b"])
    assert emu.project_id("a") == "11111111-1111-1111-1111-111111111111"
    assert emu.add_project("c", guid="22222222-2222-2222-2222-222222222222") == "22222222-2222-2222-2222-222222222222"
    api = Api(emu.url, emu.issue_token())
    assert [p["entity"]["name"] for p in api.get("/v2/projects").json()["resources"]] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="22222222"):
        emu.add_project("d", guid="22222222-2222-2222-2222-222222222222")


def test_reset_keeps_only_seeded_projects(api: Api, emu: EmulatorHandle) -> None:
    emu.add_project("temporary")
    emu.reset()
    assert [p["entity"]["name"] for p in api.get("/v2/projects").json()["resources"]] == ["demo", "other"]
