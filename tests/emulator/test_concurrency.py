"""Concurrent clients: no request lost, none applied twice."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import Api, http_body, pg_body

THREADS = 20


def test_concurrent_creates_each_land_exactly_once(emu: EmulatorHandle, demo: str) -> None:
    def create(i: int) -> str:
        api = Api(emu.url, emu.issue_token())
        reply = api.create(demo, http_body("http://x", name=f"c{i}"))
        assert reply.status_code == 201
        asset_id: str = reply.json()["metadata"]["asset_id"]
        return asset_id

    with ThreadPoolExecutor(THREADS) as pool:
        ids = list(pool.map(create, range(THREADS * 3)))
    stored = emu.stored_connections("demo")
    assert len(set(ids)) == len(ids) == len(stored) == THREADS * 3
    assert sorted(c["entity"]["name"] for c in stored) == sorted(f"c{i}" for i in range(THREADS * 3))
    assert emu.requests_count("POST", "/v2/connections") == THREADS * 3


def test_concurrent_patches_of_one_connection_are_all_applied(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator()
    project = emu.project_id("default")
    cid = Api(emu.url, emu.issue_token()).create(project, pg_body()).json()["metadata"]["asset_id"]
    # Each patch sets a different PostgreSQL property: none may be lost to another's write.
    names = ["host", "database", "username", "ssl_certificate", "ssl_certificate_host", "key_certificate"]
    names += ["proxy_host", "proxy_user"]

    def patch(name: str) -> int:
        api = Api(emu.url, emu.issue_token())
        return api.patch(
            cid, [{"op": "add", "path": f"/properties/{name}", "value": f"set-{name}"}], project
        ).status_code

    with ThreadPoolExecutor(len(names)) as pool:
        statuses = list(pool.map(patch, names))
    assert statuses == [200] * len(names)
    properties = emu.stored_connection(cid)["entity"]["properties"]
    assert {name: properties[name] for name in names} == {name: f"set-{name}" for name in names}
