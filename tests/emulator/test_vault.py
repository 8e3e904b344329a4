"""Vault references (the emulator's model, docs/emulator.md "Vault references") and the
vaulted-credentials guard (`enforce_vaulted_credentials`, `skip_enforcement`)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import SECRET, Api, assert_error, pg_body

URN = "1000330999:orders-password"


def vaulted_pg(port: int, name: str = "vaulted", **extra: Any) -> dict[str, Any]:
    body = pg_body(name, port=port)
    body["properties"].update(password=URN, vaulted_properties="password", **extra)
    return body


def test_a_vaulted_password_is_stored_and_shown_as_its_urn(api: Api, emu: EmulatorHandle, demo: str) -> None:
    created = api.create(demo, vaulted_pg(5999))
    assert created.status_code == 201, created.text
    assert created.json()["entity"]["properties"]["password"] == URN
    assert emu.stored_connection(created.json()["metadata"]["asset_id"])["entity"]["properties"]["password"] == URN


@pytest.mark.parametrize("mode", ["omit", "placeholder"])
def test_a_vault_reference_is_shown_in_every_secret_mode(
    make_emulator: Callable[..., EmulatorHandle], mode: str
) -> None:
    emu = make_emulator(secret_mode=mode)
    api = Api(emu.url, emu.issue_token())
    body = api.create(emu.project_id("default"), vaulted_pg(5999)).json()
    assert body["entity"]["properties"]["password"] == URN  # it names a secret; it is not one


def test_the_live_test_resolves_the_reference(api: Api, emu: EmulatorHandle, demo: str, tcp_source: int) -> None:
    emu.register_datasource_credentials("127.0.0.1", tcp_source, "alice", SECRET)
    missing = api.create(demo, vaulted_pg(tcp_source), test=True)
    error = assert_error(missing, 400, "connection_test_failed")
    assert URN in error["message"] and "add it to the vault" in error["message"] and "target" not in error
    emu.add_vault_secret(URN, "not-the-password")
    assert (
        "authentication failed"
        in assert_error(api.create(demo, vaulted_pg(tcp_source), test=True), 400, "connection_test_failed")["message"]
    )
    emu.add_vault_secret(URN, SECRET)
    created = api.create(demo, vaulted_pg(tcp_source), test=True)
    assert created.status_code == 201, created.text
    # The resolved secret is used for the test only: never shown, never logged.
    assert SECRET not in created.text and SECRET not in json.dumps(emu.request_log())
    assert emu.state()["vault_secrets"] == [{"secret_urn": URN}]


def test_a_vaulted_value_counts_for_required_and_skips_the_type_check(api: Api, demo: str) -> None:
    body = vaulted_pg(5999)
    body["properties"].update(port="1000330999:db-port", vaulted_properties="password, port")
    assert api.create(demo, body).status_code == 201


@pytest.mark.parametrize(
    ("change", "target", "fragment"),
    [
        pytest.param({"vaulted_properties": "colour"}, "vaulted_properties", "not a connection property", id="unknown"),
        pytest.param(
            {"vaulted_properties": "password,ssl_certificate"}, "vaulted_properties", "has no value", id="empty"
        ),
        pytest.param({"password": SECRET}, "password", "must be a vault secret URN", id="not-a-urn"),
        pytest.param({"password": "1000330999:has space"}, "password", "must be a vault secret URN", id="space"),
        pytest.param({"vaulted_properties": 7}, "vaulted_properties", "must be a string", id="not-a-string"),
    ],
)
def test_a_malformed_reference_is_400_naming_the_property(
    api: Api, emu: EmulatorHandle, demo: str, change: dict[str, Any], target: str, fragment: str
) -> None:
    body = vaulted_pg(5999)
    body["properties"].update(change)
    error = assert_error(api.create(demo, body), 400, "invalid_property", target)
    assert fragment in error["message"] and SECRET not in error["message"]
    assert emu.stored_connections() == []


def test_vault_secrets_are_seeded_over_http_and_never_shown(api: Api, emu: EmulatorHandle) -> None:
    reply = api.post("/_emulator/vault-secrets", json={"secret_urn": URN, "value": SECRET})
    assert reply.status_code == 201 and reply.json() == {"secret_urn": URN}
    assert SECRET not in api.get("/_emulator/state").text
    bad = api.post("/_emulator/vault-secrets", json={"secret_urn": "no colon", "value": SECRET})
    error = assert_error(bad, 400, "invalid_parameter", "secret_urn")
    assert "1000330999:" in error["message"] and SECRET not in bad.text
    assert_error(api.post("/_emulator/vault-secrets", json={"secret_urn": URN}), 400, "invalid_parameter", "value")
    emu.reset()
    assert emu.state()["vault_secrets"] == []


# --- the administrator's guard: allow-only-vaulted-credentials ---


@pytest.fixture
def guarded(make_emulator: Callable[..., EmulatorHandle]) -> tuple[EmulatorHandle, Api, str]:
    emu = make_emulator(enforce_vaulted_credentials=True)
    return emu, Api(emu.url, emu.issue_token()), emu.project_id("default")


def test_the_guard_refuses_a_plain_secret_in_a_shared_connection(guarded: tuple[EmulatorHandle, Api, str]) -> None:
    emu, api, project = guarded
    error = assert_error(api.create(project, pg_body()), 400, "vaulted_credentials_required", "password")
    for fix in ("vaulted_properties", "personal_credentials", "skip_enforcement=true"):
        assert fix in error["message"]
    assert SECRET not in error["message"] and emu.stored_connections() == []


@pytest.mark.parametrize(
    ("body", "params"),
    [
        pytest.param(vaulted_pg(5999), {}, id="vaulted"),
        pytest.param(pg_body(flags=["personal_credentials"]), {}, id="personal"),
        pytest.param(pg_body(), {"skip_enforcement": "true"}, id="skip-enforcement"),
    ],
)
def test_the_guard_lets_these_through(
    guarded: tuple[EmulatorHandle, Api, str], body: dict[str, Any], params: dict[str, str]
) -> None:
    _emu, api, project = guarded
    assert api.create(project, body, **params).status_code == 201


def test_the_guard_on_updates_refuses_only_a_plain_secret_the_update_sets(
    guarded: tuple[EmulatorHandle, Api, str],
) -> None:
    emu, api, project = guarded
    legacy = api.create(project, pg_body("legacy"), skip_enforcement="true").json()["metadata"]["asset_id"]
    # Editing something else of a connection saved before the guard still works.
    assert api.patch(legacy, [{"op": "replace", "path": "/description", "value": "x"}], project).status_code == 200
    rotate = [{"op": "replace", "path": "/properties/password", "value": "New-" + SECRET}]
    assert_error(api.patch(legacy, rotate, project), 400, "vaulted_credentials_required", "password")
    assert emu.stored_connection(legacy)["entity"]["properties"]["password"] == SECRET
    skipped = api.request(
        "PATCH",
        f"/v2/connections/{legacy}",
        params={"project_id": project, "test": "false", "skip_enforcement": "true"},
        data=json.dumps(rotate),
        headers={"Content-Type": "application/json-patch+json"},
    )
    assert skipped.status_code == 200, skipped.text
    to_vault = [
        {"op": "replace", "path": "/properties/password", "value": URN},
        {"op": "add", "path": "/properties/vaulted_properties", "value": "password"},
    ]
    assert api.patch(legacy, to_vault, project).status_code == 200


def test_without_the_guard_plain_secrets_are_fine(api: Api, demo: str) -> None:
    assert api.create(demo, pg_body()).status_code == 201
