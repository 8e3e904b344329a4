"""Listing connections: start-token paging, filters, sort."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import POSTGRES_ID, SECRET, Api, assert_error, http_body, pg_body


def _names(reply_or_resources: object) -> list[str]:
    resources = reply_or_resources["resources"] if isinstance(reply_or_resources, dict) else reply_or_resources
    return [c["entity"]["name"] for c in resources]  # type: ignore[index]


def _seed(emu: EmulatorHandle, count: int, prefix: str = "c") -> list[str]:
    return [
        emu.create_connection(f"{prefix}{i:03d}", "http", {"url": "http://x"}, project="demo") for i in range(count)
    ]


def test_paging_walks_every_connection_once(api: Api, emu: EmulatorHandle, demo: str) -> None:
    ids = _seed(emu, 250)
    first = api.get("/v2/connections", params={"project_id": demo, "limit": 100}).json()
    assert first["total_count"] == 250 and len(first["resources"]) == 100
    # Absolute links on the address the client called, as the service sends them.
    assert first["first"]["href"].startswith(f"{api.base_url}/v2/connections?")
    seen = api.walk(first["first"]["href"])
    assert [c["metadata"]["asset_id"] for c in seen] == ids


def test_next_href_carries_filters_and_an_opaque_start_token(api: Api, emu: EmulatorHandle, demo: str) -> None:
    _seed(emu, 5, prefix="My Conn ")
    reply = api.get("/v2/connections", params={"project_id": demo, "limit": 2, "entity.name": "my conn"}).json()
    href = reply["next"]["href"]
    assert href.startswith(f"{api.base_url}/v2/connections?") and " " not in href
    query = parse_qs(urlsplit(href).query)
    assert query["entity.name"] == ["my conn"] and query["limit"] == ["2"] and query["project_id"] == [demo]
    start = query["start"][0]
    assert not start.isdigit()


def test_last_page_has_no_next(api: Api, emu: EmulatorHandle, demo: str) -> None:
    _seed(emu, 3)
    body = api.get("/v2/connections", params={"project_id": demo, "limit": 3}).json()
    assert len(body["resources"]) == 3 and "next" not in body
    empty = api.get("/v2/connections", params={"project_id": demo, "entity.name": '"none"'}).json()
    assert empty == {"total_count": 0, "resources": [], "first": empty["first"]}


def test_items_created_during_a_walk_cause_no_duplicates_or_gaps(api: Api, emu: EmulatorHandle, demo: str) -> None:
    original = set(_seed(emu, 120))
    href: str | None = f"/v2/connections?project_id={demo}&limit=25"
    seen: list[str] = []
    created_during: list[str] = []
    while href:
        body = api.get(href.removeprefix(api.base_url)).json()
        seen.extend(c["metadata"]["asset_id"] for c in body["resources"])
        late = http_body("http://x", name=f"late-{len(created_during)}")
        created_during.append(api.create(demo, late).json()["metadata"]["asset_id"])
        href = body.get("next", {}).get("href")
    assert len(seen) == len(set(seen))
    assert original <= set(seen)
    # Created after the cursor, in creation order: every one but the last still shows up.
    assert set(created_during[:-1]) <= set(seen)


@pytest.mark.parametrize("sort", ["entity.name", "-entity.name", "-metadata.create_time", "entity.datasource_type"])
def test_paging_is_stable_for_every_sort(api: Api, emu: EmulatorHandle, demo: str, sort: str) -> None:
    for i in range(30):
        emu.create_connection(f"n{(i * 7) % 30:02d}", "http", {"url": "http://x"}, project="demo")
    whole = api.get("/v2/connections", params={"project_id": demo, "sort": sort, "limit": 200}).json()["resources"]
    paged = api.walk(f"/v2/connections?project_id={demo}&sort={sort}&limit=7")
    assert [c["metadata"]["asset_id"] for c in paged] == [c["metadata"]["asset_id"] for c in whole]
    names = _names(whole)
    if sort.endswith("entity.name"):
        assert names == sorted(names, reverse=sort.startswith("-"))


def test_default_order_is_creation_order(api: Api, emu: EmulatorHandle, demo: str) -> None:
    ids = _seed(emu, 4)
    assert [
        c["metadata"]["asset_id"] for c in api.get("/v2/connections", params={"project_id": demo}).json()["resources"]
    ] == ids


@pytest.mark.parametrize(
    ("params", "target"),
    [
        pytest.param({"start": "garbage!"}, "start", id="bad-start"),
        pytest.param({"limit": "0"}, "limit", id="zero-limit"),
        pytest.param({"limit": "ten"}, "limit", id="bad-limit"),
        pytest.param({"sort": "entity.colour"}, "sort", id="bad-sort"),
        pytest.param({"entity.properties": "not json"}, "entity.properties", id="bad-properties"),
        pytest.param({"entity.properties": "[1]"}, "entity.properties", id="properties-not-object"),
        pytest.param({"entity.context": "sideways"}, "entity.context", id="bad-context"),
    ],
)
def test_malformed_list_parameters_are_400(api: Api, demo: str, params: dict[str, str], target: str) -> None:
    reply = api.get("/v2/connections", params={"project_id": demo, **params})
    assert_error(reply, 400, "invalid_parameter", target=target, target_type="parameter")


def test_a_start_token_of_another_sort_is_refused(api: Api, emu: EmulatorHandle, demo: str) -> None:
    _seed(emu, 3)
    href = api.get("/v2/connections", params={"project_id": demo, "limit": 1}).json()["next"]["href"]
    start = parse_qs(urlsplit(href).query)["start"][0]
    reply = api.get("/v2/connections", params={"project_id": demo, "start": start, "sort": "entity.name"})
    assert_error(reply, 400, "invalid_parameter", target="start", target_type="parameter")


def test_limit_is_capped_at_200(api: Api, emu: EmulatorHandle, demo: str) -> None:
    _seed(emu, 201)
    body = api.get("/v2/connections", params={"project_id": demo, "limit": 1000}).json()
    assert len(body["resources"]) == 200 and "next" in body


def test_default_limit_is_100(api: Api, emu: EmulatorHandle, demo: str) -> None:
    _seed(emu, 101)
    assert len(api.get("/v2/connections", params={"project_id": demo}).json()["resources"]) == 100


def test_quoted_name_is_an_exact_match_that_keeps_duplicates(api: Api, emu: EmulatorHandle, demo: str) -> None:
    for name in ("My Conn", "My Conn", "My Conn 2", "my conn"):
        emu.create_connection(name, "http", {"url": "http://x"}, project="demo")
    body = api.get("/v2/connections", params={"project_id": demo, "entity.name": '"My Conn"'}).json()
    assert _names(body) == ["My Conn", "My Conn"] and body["total_count"] == 2


def test_unquoted_name_is_a_case_insensitive_substring(api: Api, emu: EmulatorHandle, demo: str) -> None:
    for name in ("My Conn", "my conn 2", "Other"):
        emu.create_connection(name, "http", {"url": "http://x"}, project="demo")
    assert _names(api.get("/v2/connections", params={"project_id": demo, "entity.name": "CONN"}).json()) == [
        "My Conn",
        "my conn 2",
    ]


def test_datasource_type_filter_takes_an_id_or_a_name(api: Api, emu: EmulatorHandle, demo: str) -> None:
    api.create(demo, pg_body("db"))
    api.create(demo, http_body("http://x"))
    for value in (POSTGRES_ID, "postgresql"):
        assert _names(
            api.get("/v2/connections", params={"project_id": demo, "entity.datasource_type": value}).json()
        ) == ["db"]
    assert (
        _names(api.get("/v2/connections", params={"project_id": demo, "entity.datasource_type": "nosuch"}).json()) == []
    )


def test_properties_filter_matches_contained_pairs_but_never_secrets(api: Api, demo: str) -> None:
    api.create(demo, pg_body("a", properties={"host": "db1", "port": 5432}))
    api.create(demo, pg_body("b", properties={"host": "db2", "port": "5432"}))

    def names(props: dict[str, object]) -> list[str]:
        return _names(
            api.get("/v2/connections", params={"project_id": demo, "entity.properties": json.dumps(props)}).json()
        )

    assert names({"host": "db1"}) == ["a"]
    assert names({"port": "5432"}) == ["a", "b"]
    assert names({"port": 5432, "host": "db2"}) == ["b"]
    assert names({"host": "db3"}) == []
    assert names({"password": SECRET}) == []


@pytest.fixture
def flagged(api: Api, demo: str) -> None:
    for name, flags in (
        ("plain", []),
        ("param", ["parameterized"]),
        ("personal", ["personal_credentials"]),
        ("restricted", ["restricted"]),
        ("internal", ["internal_use_only"]),
        ("both", ["parameterized", "restricted"]),
    ):
        assert api.create(demo, http_body("http://x", name=name, flags=flags)).status_code == 201


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        pytest.param(None, ["plain"], id="default-only-unflagged"),
        pytest.param("parameterized", ["plain", "param", "both"], id="named-adds"),
        pytest.param("+restricted", ["plain", "restricted", "both"], id="plus-adds"),
        pytest.param(
            "parameterized,personal_credentials,restricted,internal_use_only",
            ["plain", "param", "personal", "restricted", "internal", "both"],
            id="every-known-flag",
        ),
        # Additions apply before removals: "both" carries restricted, so "-restricted" drops it.
        pytest.param("parameterized,-restricted", ["plain", "param"], id="minus-removes-after-adding"),
        pytest.param("-restricted,parameterized", ["plain", "param"], id="order-does-not-matter"),
        pytest.param("-parameterized", ["plain"], id="removing-what-was-not-added"),
    ],
)
def test_flags_follow_ibms_rule(api: Api, demo: str, flagged: None, flags: str | None, expected: list[str]) -> None:
    params = {"project_id": demo} if flags is None else {"project_id": demo, "entity.flags": flags}
    body = api.get("/v2/connections", params=params).json()
    assert _names(body) == expected and body["total_count"] == len(expected)


def test_an_unencoded_plus_still_adds(api: Api, demo: str, flagged: None) -> None:
    # "+restricted" sent raw reaches the service as " restricted".
    reply = api.get(f"/v2/connections?project_id={demo}&entity.flags=+restricted")
    assert _names(reply.json()) == ["plain", "restricted", "both"]


def test_an_unknown_flag_is_400(api: Api, demo: str) -> None:
    reply = api.get("/v2/connections", params={"project_id": demo, "entity.flags": "secret-club"})
    assert_error(reply, 400, "invalid_parameter", target="entity.flags", target_type="parameter")


def test_an_exact_name_lookup_with_every_flag_finds_flagged_connections(api: Api, demo: str, flagged: None) -> None:
    every = "parameterized,personal_credentials,restricted,internal_use_only"
    for name in ("restricted", "internal", "both"):
        params = {"project_id": demo, "entity.name": f'"{name}"'}
        assert _names(api.get("/v2/connections", params=params).json()) == []
        found = api.get("/v2/connections", params={**params, "entity.flags": every}).json()
        assert _names(found) == [name] and found["total_count"] == 1


def test_creator_filter(api: Api, emu: EmulatorHandle, demo: str) -> None:
    emu.create_connection("mine", "http", {"url": "http://x"}, project="demo", creator_id="alice")
    emu.create_connection("theirs", "http", {"url": "http://x"}, project="demo", creator_id="bob")
    assert _names(api.get("/v2/connections", params={"project_id": demo, "metadata.creator": "alice"}).json()) == [
        "mine"
    ]


def test_context_filter_uses_the_types_directions(api: Api, demo: str) -> None:
    api.create(demo, pg_body("db"))
    api.create(demo, http_body("http://x", name="web"))  # http is source-only
    assert _names(api.get("/v2/connections", params={"project_id": demo, "entity.context": "source"}).json()) == [
        "db",
        "web",
    ]
    assert _names(api.get("/v2/connections", params={"project_id": demo, "entity.context": "target"}).json()) == ["db"]


def test_list_is_scoped_to_one_project(api: Api, emu: EmulatorHandle) -> None:
    emu.create_connection("in-demo", "http", {"url": "http://x"}, project="demo")
    emu.create_connection("in-other", "http", {"url": "http://x"}, project="other")
    body = api.get("/v2/connections", params={"project_id": emu.project_id("other")}).json()
    assert _names(body) == ["in-other"] and body["total_count"] == 1


def test_the_asset_search_ibms_watsonx_ai_sdk_lists_with_pages_every_connection(
    api: Api, emu: EmulatorHandle, demo: str
) -> None:
    ids = _seed(emu, 5)
    ids.append(emu.create_connection("hidden", "http", {"url": "http://x"}, project="demo", flags=["restricted"]))
    body: dict | None = {"query": "*:*", "include": "entity", "limit": 2}
    seen: list[str] = []
    while body is not None:
        reply = api.post(
            "/v2/asset_types/connection/search", params={"project_id": demo, "version": "2024-01-01"}, json=body
        )
        assert reply.status_code == 200, reply.text
        page = reply.json()
        assert page["total_rows"] == 6 and len(page["results"]) <= 2
        # What the SDK reads from each result: the connection reply's shape.
        for result in page["results"]:
            assert {"asset_id", "asset_type", "create_time", "usage"} <= set(result["metadata"])
            assert {"name", "datasource_type"} <= set(result["entity"])
        seen.extend(r["metadata"]["asset_id"] for r in page["results"])
        body = page.get("next")
    assert seen == ids


def test_the_asset_search_refuses_queries_and_types_it_does_not_answer(api: Api, demo: str) -> None:
    reply = api.post("/v2/asset_types/connection/search", params={"project_id": demo}, json={"query": "name:x"})
    error = assert_error(reply, 400, "invalid_property", target="query")
    assert "asset.name:<prefix>*" in error["message"] and "name:x" not in error["message"]
    other = api.post("/v2/asset_types/job/search", params={"project_id": demo}, json={"query": "*:*"})
    assert_error(other, 400, "invalid_parameter", target="asset_type", target_type="parameter")
