"""`personal_credentials`: "The credentials' secrets will be visible only to the user who created the
connection" (cpdctl). The caller is the token's subject; another caller's reads leave the secrets out."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import SECRET, Api, pg_body

EVERY_FLAG = {"entity.flags": "personal_credentials"}


def _reads(api: Api, project: str, cid: str) -> dict[str, dict]:
    """The connection's properties as this caller sees them, through every read."""
    got = api.get(f"/v2/connections/{cid}", params={"project_id": project}).json()
    listed = api.get("/v2/connections", params={"project_id": project, **EVERY_FLAG}).json()["resources"]
    search = {"query": "*:*", "include": "entity"}
    found = api.post("/v2/asset_types/connection/search", params={"project_id": project}, json=search).json()
    return {
        "get": got["entity"]["properties"],
        "list": listed[0]["entity"]["properties"],
        "search": found["results"][0]["entity"]["properties"],
    }


@pytest.mark.parametrize("mode", ["clear", "placeholder"])
def test_only_the_creator_sees_the_secrets(make_emulator: Callable[..., EmulatorHandle], mode: str) -> None:
    emu = make_emulator(secret_mode=mode)
    project = emu.project_id("default")
    alice, bob = Api(emu.url, emu.issue_token("alice")), Api(emu.url, emu.issue_token("bob"))
    created = alice.create(project, pg_body(flags=["personal_credentials"]))
    assert created.status_code == 201 and created.json()["metadata"]["creator_id"] == "alice"
    cid = created.json()["metadata"]["asset_id"]
    shown = SECRET if mode == "clear" else "********"
    for read, properties in _reads(alice, project, cid).items():
        assert properties["password"] == shown, read
    for read, properties in _reads(bob, project, cid).items():
        assert "password" not in properties and properties["username"] == "alice", read
    patched = bob.patch(cid, [{"op": "replace", "path": "/description", "value": "by bob"}], project)
    assert patched.status_code == 200 and "password" not in patched.json()["properties"]
    assert emu.stored_connection(cid)["entity"]["properties"]["password"] == SECRET


def test_shared_credentials_are_shown_to_everyone(api: Api, emu: EmulatorHandle, demo: str) -> None:
    cid = Api(emu.url, emu.issue_token("alice")).create(demo, pg_body()).json()["metadata"]["asset_id"]
    bob = Api(emu.url, emu.issue_token("bob"))
    assert (
        bob.get(f"/v2/connections/{cid}", params={"project_id": demo}).json()["entity"]["properties"]["password"]
        == SECRET
    )


def test_a_personal_connection_is_listed_only_when_its_flag_is_named(api: Api, demo: str) -> None:
    api.create(demo, pg_body("mine", flags=["personal_credentials"]))
    assert api.get("/v2/connections", params={"project_id": demo}).json()["total_count"] == 0
    assert api.get("/v2/connections", params={"project_id": demo, **EVERY_FLAG}).json()["total_count"] == 1
