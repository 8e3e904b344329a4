"""Listing costs O(page), not O(everything stored), and stays stable while others write.

The cost is counted, not timed: `EmulatorHandle.connections_examined()` says how many stored
connections list queries have looked at.
"""

from __future__ import annotations

import threading

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import Api

STORED = 3000
PAGE = 50


def _seed(emu: EmulatorHandle, count: int, *, flags: tuple[str, ...] = ()) -> list[str]:
    return [
        emu.create_connection(f"c{i:05d}", "http", {"url": "http://x"}, project="demo", flags=flags)
        for i in range(count)
    ]


def _examined(emu: EmulatorHandle, api: Api, path: str, **params: object) -> tuple[dict, int]:
    before = emu.connections_examined()
    reply = api.get(path, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json(), emu.connections_examined() - before


def test_a_page_in_the_default_order_examines_about_a_page(api: Api, emu: EmulatorHandle, demo: str) -> None:
    ids = _seed(emu, STORED)
    body, cost = _examined(emu, api, "/v2/connections", project_id=demo, limit=PAGE)
    assert body["total_count"] == STORED
    assert cost <= PAGE + 1
    # Deep into the scope, a page still costs a page: the cursor is a bisect, not a scan.
    seen = [c["metadata"]["asset_id"] for c in body["resources"]]
    href = body["next"]["href"].removeprefix(api.base_url)
    worst = 0
    while href:
        before = emu.connections_examined()
        page = api.get(href).json()
        worst = max(worst, emu.connections_examined() - before)
        seen.extend(c["metadata"]["asset_id"] for c in page["resources"])
        href = page.get("next", {}).get("href", "").removeprefix(api.base_url)
    assert seen == ids
    assert worst <= PAGE + 1


def test_with_every_flag_named_a_page_still_examines_about_a_page(api: Api, emu: EmulatorHandle, demo: str) -> None:
    _seed(emu, STORED)
    every = "parameterized,personal_credentials,restricted,internal_use_only"
    body, cost = _examined(emu, api, "/v2/connections", project_id=demo, limit=PAGE, **{"entity.flags": every})
    assert body["total_count"] == STORED and cost <= PAGE + 1


def test_an_exact_name_examines_only_that_name(api: Api, emu: EmulatorHandle, demo: str) -> None:
    _seed(emu, STORED)
    body, cost = _examined(emu, api, "/v2/connections", project_id=demo, **{"entity.name": '"c01234"'})
    assert [c["entity"]["name"] for c in body["resources"]] == ["c01234"] and body["total_count"] == 1
    assert cost <= 2


def test_another_filter_costs_a_scan_and_says_so(api: Api, emu: EmulatorHandle, demo: str) -> None:
    # The documented limit: filters other than flags and an exact name look at every connection.
    _seed(emu, 500)
    _body, cost = _examined(emu, api, "/v2/connections", project_id=demo, limit=PAGE, **{"entity.name": "c00"})
    assert cost >= 500


def test_paging_while_others_create_and_delete_sees_no_duplicates(api: Api, emu: EmulatorHandle, demo: str) -> None:
    original = _seed(emu, 600)
    doomed = set(original[::7])
    stop = threading.Event()
    created: list[str] = []

    def write() -> None:
        writer = Api(api.base_url, emu.issue_token())
        for i, cid in enumerate(sorted(doomed)):
            if stop.is_set():
                return
            reply = writer.post(
                "/v2/connections",
                params={"project_id": demo, "test": "false"},
                json={"name": f"late-{i}", "datasource_type": "http", "properties": {"url": "http://x"}},
            )
            created.append(reply.json()["metadata"]["asset_id"])
            writer.delete(f"/v2/connections/{cid}", params={"project_id": demo})

    writer = threading.Thread(target=write)
    writer.start()
    try:
        seen = api.walk(f"/v2/connections?project_id={demo}&limit=20")
    finally:
        stop.set()
        writer.join()
    ids = [c["metadata"]["asset_id"] for c in seen]
    assert len(ids) == len(set(ids))
    # Every connection that existed throughout the walk was seen, in creation order.
    survivors = [cid for cid in original if cid not in doomed]
    assert [cid for cid in ids if cid in set(survivors)] == survivors
