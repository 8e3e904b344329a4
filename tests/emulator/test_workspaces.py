"""`/v2/catalogs` and `/v2/spaces`: the workspaces a connection can live in, served like projects."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import Api, assert_error


def test_a_catalog_has_the_recorded_shape(api: Api, emu: EmulatorHandle) -> None:
    guid = emu.add_catalog("Sales catalog", description="curated")
    catalog = api.get(f"/v2/catalogs/{guid}").json()
    assert catalog["metadata"]["guid"] == guid and catalog["href"] == f"/v2/catalogs/{guid}"
    assert set(catalog["metadata"]) == {"guid", "url", "creator_id", "create_time"}
    assert catalog["entity"]["name"] == "Sales catalog" and catalog["entity"]["description"] == "curated"
    assert {"generator", "bss_account_id", "capacity_limit", "is_governed", "auto_profiling"} <= set(catalog["entity"])


def test_catalogs_page_by_bookmark_until_an_empty_page(api: Api, emu: EmulatorHandle) -> None:
    created = [emu.add_catalog(f"cat{i}") for i in range(5)]
    seen: list[str] = []
    params: dict[str, str] = {"limit": "2"}
    pages = 0
    while True:
        body = api.get("/v2/catalogs", params=params).json()
        assert set(body) == {"catalogs", "nextBookmark", "nextSkip"} and body["nextSkip"] == 0
        pages += 1
        if not body["catalogs"]:
            break
        seen.extend(c["metadata"]["guid"] for c in body["catalogs"])
        params["bookmark"] = body["nextBookmark"]
    # 2 + 2 + 1, then the empty page that ends the walk (a bookmark is always given, as recorded).
    assert seen == created and pages == 4


def test_catalogs_default_to_25_and_take_skip(api: Api, emu: EmulatorHandle) -> None:
    created = [emu.add_catalog(f"cat{i}") for i in range(27)]
    assert len(api.get("/v2/catalogs").json()["catalogs"]) == 25
    skipped = api.get("/v2/catalogs", params={"skip": "25"}).json()["catalogs"]
    assert [c["metadata"]["guid"] for c in skipped] == created[25:]


def test_catalogs_have_no_name_filter(api: Api, emu: EmulatorHandle) -> None:
    emu.add_catalog("a")
    emu.add_catalog("b")
    body = api.get("/v2/catalogs", params={"name": "a"}).json()
    assert [c["entity"]["name"] for c in body["catalogs"]] == ["a", "b"]


@pytest.mark.parametrize(
    ("params", "target"),
    [({"bookmark": "!!"}, "bookmark"), ({"limit": "0"}, "limit"), ({"skip": "-1"}, "skip")],
)
def test_bad_catalog_paging_is_400(api: Api, params: dict[str, str], target: str) -> None:
    assert_error(api.get("/v2/catalogs", params=params), 400, "invalid_parameter", target, "parameter")


def test_an_unknown_catalog_is_403(api: Api) -> None:
    error = assert_error(api.get("/v2/catalogs/no-such-catalog"), 403, "forbidden", "catalog_id", "parameter")
    assert "check the catalog id" in error["message"]


def test_a_space_has_the_recorded_shape(api: Api, emu: EmulatorHandle) -> None:
    sid = emu.add_space("QA")
    space = api.get(f"/v2/spaces/{sid}").json()
    assert space["metadata"]["id"] == sid and "guid" not in space["metadata"]
    assert set(space["metadata"]) == {"id", "url", "creator_id", "created_at", "updated_at"}
    assert space["entity"]["name"] == "QA" and space["entity"]["status"] == {"state": "active"}
    assert space["entity"]["scope"]["bss_account_id"] and space["entity"]["compute"] == []


def test_spaces_filter_by_exact_name(api: Api, emu: EmulatorHandle) -> None:
    qa = emu.add_space("QA")
    emu.add_space("QA tools")
    emu.add_space("qa")
    body = api.get("/v2/spaces", params={"name": "QA"}).json()
    assert [s["metadata"]["id"] for s in body["resources"]] == [qa]
    assert body["limit"] == 100 and body["first"] == {"href": "/v2/spaces?name=QA"} and "next" not in body
    substring = api.get("/v2/spaces", params={"sub_name": "qa"}).json()
    assert [s["entity"]["name"] for s in substring["resources"]] == ["QA", "QA tools", "qa"]


def test_spaces_page_with_relative_next_hrefs(api: Api, emu: EmulatorHandle) -> None:
    created = [emu.add_space(f"s{i}") for i in range(5)]
    seen: list[str] = []
    href: str | None = "/v2/spaces?limit=2&total_count=true"
    while href:
        assert href.startswith("/v2/spaces"), href  # relative, as IBM's recorded reply
        body = api.get(href).json()
        assert body["total_count"] == 5 and body["limit"] == 2
        seen.extend(s["metadata"]["id"] for s in body["resources"])
        href = body.get("next", {}).get("href")
        if href:
            assert parse_qs(urlsplit(href).query)["limit"] == ["2"]
    assert seen == created


def test_space_limit_defaults_to_100_and_is_capped_at_200(api: Api, emu: EmulatorHandle) -> None:
    assert api.get("/v2/spaces").json()["limit"] == 100
    assert api.get("/v2/spaces", params={"limit": "500"}).json()["limit"] == 200


def test_spaces_filter_by_ids(api: Api, emu: EmulatorHandle) -> None:
    a, _b, c = emu.add_space("a"), emu.add_space("b"), emu.add_space("c")
    body = api.get("/v2/spaces", params={"id": f"{c},{a}"}).json()
    assert [s["metadata"]["id"] for s in body["resources"]] == [a, c]


def test_an_unknown_space_is_404(api: Api) -> None:
    error = assert_error(api.get("/v2/spaces/no-such-space"), 404, "not_found", "space_id", "parameter")
    assert "check the space id" in error["message"]


def test_a_bad_space_start_is_400(api: Api) -> None:
    assert_error(api.get("/v2/spaces", params={"start": "!!"}), 400, "invalid_parameter", "start", "parameter")


def test_catalogs_and_spaces_can_be_seeded_and_survive_reset(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(catalogs=["cat=11111111-1111-1111-1111-111111111111"], spaces=["QA"])
    assert emu.catalog_id("cat") == "11111111-1111-1111-1111-111111111111"
    added = emu.add_space("temporary")
    emu.reset()
    api = Api(emu.url, emu.issue_token())
    assert [c["entity"]["name"] for c in api.get("/v2/catalogs").json()["catalogs"]] == ["cat"]
    assert [s["entity"]["name"] for s in api.get("/v2/spaces").json()["resources"]] == ["QA"]
    assert_error(api.get(f"/v2/spaces/{added}"), 404, "not_found")
