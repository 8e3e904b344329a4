"""The asset search over data assets: what a caller reads to find the data assets that use a
connection (attachments filtered by `connection_id` on its side), and its seeding."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import Api, assert_error

SEARCH = "/v2/asset_types/data_asset/search"
EVERYTHING = {"query": "*:*", "include": "entity,attachments"}


def _connection(emu: EmulatorHandle, name: str, **scope: str) -> str:
    return emu.create_connection(name, "http", {"url": "https://example.com/data"}, **scope)


def _walk(api: Api, params: dict[str, str], body: dict[str, Any]) -> tuple[list[dict], int]:
    """Every result, posting each reply's `next` as the next body (as IBM documents); and the page count."""
    results: list[dict] = []
    pages = 0
    next_body: dict[str, Any] | None = body
    while next_body is not None:
        reply = api.post(SEARCH, params=params, json=next_body)
        assert reply.status_code == 200, reply.text
        page = reply.json()
        results.extend(page["results"])
        pages += 1
        next_body = page.get("next")
    return results, pages


def test_data_assets_that_use_a_connection_are_found_through_their_attachments(
    api: Api, emu: EmulatorHandle, demo: str
) -> None:
    orders, other = _connection(emu, "orders", project="demo"), _connection(emu, "other", project="demo")
    mine = [emu.add_data_asset(f"orders-{i}", orders, f"/landing/orders-{i}.csv") for i in range(3)]
    emu.add_data_asset("unrelated", other, "/x.csv")
    results, pages = _walk(api, {"project_id": demo}, {**EVERYTHING, "limit": 2})
    assert pages == 2 and len(results) == 4
    using = [r for r in results if any(a["connection_id"] == orders for a in r["attachments"])]
    assert [r["metadata"]["asset_id"] for r in using] == mine
    first = using[0]
    assert first["metadata"]["asset_type"] == "data_asset" and first["metadata"]["project_id"] == demo
    assert first["href"] == f"/v2/assets/{mine[0]}?project_id={demo}"
    assert first["entity"]["data_asset"]["mime_type"] == "text/csv"
    [attachment] = first["attachments"]
    assert attachment["connection_path"] == "/landing/orders-0.csv" and attachment["is_remote"] is True
    assert attachment["id"] and attachment["asset_type"] == "data_asset"


def test_next_repeats_the_body_with_a_bookmark_and_the_last_page_has_none(
    api: Api, emu: EmulatorHandle, demo: str
) -> None:
    conn = _connection(emu, "c", project="demo")
    for i in range(3):
        emu.add_data_asset(f"d{i}", conn)
    first = api.post(SEARCH, params={"project_id": demo}, json={**EVERYTHING, "limit": 2}).json()
    assert first["total_rows"] == 3
    assert {k: v for k, v in first["next"].items() if k != "bookmark"} == {**EVERYTHING, "limit": 2}
    last = api.post(SEARCH, params={"project_id": demo}, json=first["next"]).json()
    assert len(last["results"]) == 1 and "next" not in last and last["total_rows"] == 3


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("*:*", ["Orders", "orders-eu", "Returns"]),
        ("asset.name:orders", ["Orders"]),
        ("asset.name:order*", ["Orders", "orders-eu"]),
        ('asset.name:"returns"', ["Returns"]),
        ("  asset.name:*  ", ["Orders", "orders-eu", "Returns"]),
    ],
)
def test_queries_by_name(api: Api, emu: EmulatorHandle, demo: str, query: str, names: list[str]) -> None:
    conn = _connection(emu, "c", project="demo")
    for name in ("Orders", "orders-eu", "Returns"):
        emu.add_data_asset(name, conn)
    body = api.post(SEARCH, params={"project_id": demo}, json={"query": query}).json()
    assert [r["metadata"]["name"] for r in body["results"]] == names and body["total_rows"] == len(names)


def test_without_include_a_result_is_metadata_and_href(api: Api, emu: EmulatorHandle, demo: str) -> None:
    emu.add_data_asset("d", _connection(emu, "c", project="demo"))
    [result] = api.post(SEARCH, params={"project_id": demo}, json={"query": "*:*"}).json()["results"]
    assert set(result) == {"metadata", "href"}


@pytest.mark.parametrize(
    ("body", "code", "target"),
    [
        pytest.param({"limit": 2}, "missing_property", "query", id="no-query"),
        pytest.param({"query": "connection_id:abc"}, "invalid_property", "query", id="other-field"),
        pytest.param({"query": "*:*", "include": "attachments"}, "invalid_property", "include", id="no-entity"),
        pytest.param({"query": "*:*", "include": "entity,columns"}, "invalid_property", "include", id="unknown"),
        pytest.param({"query": "*:*", "limit": 0}, "invalid_property", "limit", id="limit"),
        pytest.param({"query": "*:*", "bookmark": "!!"}, "invalid_property", "bookmark", id="bookmark"),
    ],
)
def test_bad_searches_are_400_naming_the_member(api: Api, demo: str, body: dict, code: str, target: str) -> None:
    assert_error(api.post(SEARCH, params={"project_id": demo}, json=body), 400, code, target)


def test_a_search_sees_its_own_workspace_only(api: Api, emu: EmulatorHandle, demo: str) -> None:
    catalog = emu.add_catalog("cat")
    emu.add_data_asset("in-catalog", _connection(emu, "c", catalog="cat"))
    emu.add_data_asset("in-demo", _connection(emu, "d", project="demo"))
    in_catalog = api.post(SEARCH, params={"catalog_id": catalog}, json=EVERYTHING).json()
    assert [r["metadata"]["name"] for r in in_catalog["results"]] == ["in-catalog"]
    assert in_catalog["results"][0]["metadata"]["catalog_id"] == catalog
    assert [
        r["metadata"]["name"] for r in api.post(SEARCH, params={"project_id": demo}, json=EVERYTHING).json()["results"]
    ] == ["in-demo"]


def test_deleting_the_connection_leaves_its_data_assets(api: Api, emu: EmulatorHandle, demo: str) -> None:
    conn = _connection(emu, "c", project="demo")
    emu.add_data_asset("orphan", conn)
    assert api.delete(f"/v2/connections/{conn}", params={"project_id": demo}).status_code == 204
    [result] = api.post(SEARCH, params={"project_id": demo}, json=EVERYTHING).json()["results"]
    assert result["attachments"][0]["connection_id"] == conn  # the service does not check dependents


def test_data_assets_are_seeded_over_http(api: Api, emu: EmulatorHandle, demo: str) -> None:
    conn = _connection(emu, "c", project="demo")
    reply = api.post("/_emulator/data-assets", json={"name": "d", "connection_id": conn, "connection_path": "/a.csv"})
    assert reply.status_code == 201, reply.text
    seeded = reply.json()
    assert seeded["project_id"] == demo and seeded["connection_path"] == "/a.csv" and seeded["asset_id"]
    assert emu.state()["data_assets"] == [seeded]
    missing = api.post("/_emulator/data-assets", json={"name": "d", "connection_id": "nope"})
    assert "create the connection first" in assert_error(missing, 400, "invalid_parameter", "connection_id")["message"]
    with pytest.raises(ValueError, match="create the connection first"):
        emu.add_data_asset("d", "nope")
    emu.reset()
    assert emu.state()["data_assets"] == []


def test_the_connection_search_honours_include_and_name_queries(api: Api, emu: EmulatorHandle, demo: str) -> None:
    _connection(emu, "orders", project="demo")
    _connection(emu, "returns", project="demo")
    body = {"query": "asset.name:ord*"}
    [result] = api.post("/v2/asset_types/connection/search", params={"project_id": demo}, json=body).json()["results"]
    assert result["metadata"]["asset_type"] == "connection" and "entity" not in result
