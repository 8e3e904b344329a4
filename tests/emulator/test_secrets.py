"""Secret (masked) properties never come back in clear, in either secret mode, nor show up in
the request log; only the stored-state inspection shows them."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import SECRET, Api, pg_body

COS_SECRET = "cos-Secret-Key-42"
PLACEHOLDER = "********"


@pytest.fixture(params=["omit", "placeholder"])
def moded(request: pytest.FixtureRequest, make_emulator: Callable[..., EmulatorHandle]) -> EmulatorHandle:
    return make_emulator(secret_mode=request.param)


def _every_read(api: Api, project: str) -> list[str]:
    """Create, read, list, patch and copy a connection with secrets; returns every reply body."""
    created = api.create(project, pg_body())
    cid = created.json()["metadata"]["asset_id"]
    cos = api.create(
        project,
        {
            "name": "cos",
            "datasource_type": "cloudobjectstorage",
            "properties": {
                "url": "https://s3.example",
                "auth_method": "accesskey_secretkey",
                "access_key": "AK",
                "secret_key": COS_SECRET,
            },
        },
    )
    replies = [
        created,
        cos,
        api.get(f"/v2/connections/{cid}", params={"project_id": project}),
        api.get(f"/v2/connections/{cid}", params={"project_id": project, "decrypt_secrets": "true"}),
        api.get("/v2/connections", params={"project_id": project}),
        api.get("/v2/connections", params={"project_id": project, "decrypt_secrets": "True"}),
        api.patch(cid, [{"op": "replace", "path": "/properties/username", "value": "bob"}], project),
        api.post(f"/v2/connections/{cid}/copy", params={"project_id": project, "target_project_id": project}),
    ]
    for reply in replies:
        assert reply.status_code in (200, 201), reply.text
    return [r.text for r in replies]


def test_reads_never_return_secrets_in_clear(moded: EmulatorHandle) -> None:
    api = Api(moded.url, moded.issue_token())
    for text in _every_read(api, moded.project_id("default")):
        assert SECRET not in text and COS_SECRET not in text


def test_omit_mode_drops_masked_properties(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(secret_mode="omit")
    api = Api(emu.url, emu.issue_token())
    props = api.create(emu.project_id("default"), pg_body()).json()["entity"]["properties"]
    assert "password" not in props and props["username"] == "alice"


def test_placeholder_mode_replaces_masked_properties(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(secret_mode="placeholder")
    api = Api(emu.url, emu.issue_token())
    props = api.create(emu.project_id("default"), pg_body()).json()["entity"]["properties"]
    assert props["password"] == PLACEHOLDER and props["username"] == "alice"


def test_stored_state_shows_secrets_in_clear(moded: EmulatorHandle) -> None:
    api = Api(moded.url, moded.issue_token())
    _every_read(api, moded.project_id("default"))
    state = Api(moded.url).get("/_emulator/state").json()
    passwords = [c["entity"]["properties"].get("password") for c in state["connections"]]
    assert SECRET in passwords
    assert moded.stored_connections("default")[0]["entity"]["properties"]["password"] == SECRET


def test_the_request_log_never_holds_secrets_or_authorization(emu: EmulatorHandle, api: Api, demo: str) -> None:
    _every_read(api, demo)
    api.get(
        "/v2/connections",
        params={"project_id": demo, "entity.properties": json.dumps({"password": SECRET, "host": "h"})},
    )
    Api(emu.url).post(
        "/identity/token", params={"apikey": "emulator-api-key"}, data={"grant_type": "x", "apikey": emu.api_key}
    )
    log_text = (
        Api(emu.url).get("/_emulator/log").text + json.dumps(emu.request_log()) + json.dumps(emu.request_counts())
    )
    assert SECRET not in log_text and COS_SECRET not in log_text
    assert api.authorization is not None and api.authorization.split()[1] not in log_text
    assert "emulator-api-key" not in log_text
    props_entry = next(e for e in emu.request_log() if "entity.properties" in e["query"])
    assert json.loads(props_entry["query"]["entity.properties"]) == {"password": "***", "host": "h"}


def test_validation_failures_never_echo_the_secret(api: Api, demo: str, closed_port: int) -> None:
    reply = api.create(demo, pg_body(port=closed_port), test=True)
    assert reply.status_code == 400 and SECRET not in reply.text
