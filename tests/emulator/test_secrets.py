"""Secret (masked) properties in replies follow the secret mode: in clear by default (as IBM's
recorded replies carry them for shared-credential connections), dropped (`omit`) or masked
(`placeholder`); never in the request log; always in clear in the stored-state inspection."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import SECRET, Api, pg_body

COS_SECRET = "cos-Secret-Key-42"
PLACEHOLDER = "********"


@pytest.fixture(params=["clear", "omit", "placeholder"])
def moded(request: pytest.FixtureRequest, make_emulator: Callable[..., EmulatorHandle]) -> EmulatorHandle:
    return make_emulator(secret_mode=request.param)


def _every_read(api: Api, project: str) -> list[str]:
    """Create, read, list and patch a connection with secrets; returns every reply body."""
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
    ]
    for reply in replies:
        assert reply.status_code in (200, 201), reply.text
    return [r.text for r in replies]


@pytest.mark.parametrize("mode", ["omit", "placeholder"])
def test_masking_modes_never_return_secrets_in_clear(make_emulator: Callable[..., EmulatorHandle], mode: str) -> None:
    emu = make_emulator(secret_mode=mode)
    api = Api(emu.url, emu.issue_token())
    for text in _every_read(api, emu.project_id("default")):
        assert SECRET not in text and COS_SECRET not in text


def test_clear_is_the_default_and_returns_secrets_in_every_read(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator()
    assert emu.settings.secret_mode == "clear"
    api = Api(emu.url, emu.issue_token())
    replies = _every_read(api, emu.project_id("default"))
    # create, get (twice), list (twice) and PATCH of the PostgreSQL connection; create of the COS one.
    assert sum(SECRET in text for text in replies) == 6
    assert COS_SECRET in replies[1]
    # access_key is no secret in IBM's catalogue: shown in every mode.


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


@pytest.mark.parametrize("mode", ["clear", "omit", "placeholder"])
def test_the_cos_access_key_is_shown_in_every_mode(make_emulator: Callable[..., EmulatorHandle], mode: str) -> None:
    emu = make_emulator(secret_mode=mode)
    api = Api(emu.url, emu.issue_token())
    props = {"url": "https://s3.example", "auth_method": "accesskey_secretkey", "access_key": "AK", "secret_key": "s"}
    body = {"name": "cos", "datasource_type": "cloudobjectstorage", "properties": props}
    assert api.create(emu.project_id("default"), body).json()["entity"]["properties"]["access_key"] == "AK"


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
