"""Catalogs and spaces, flags, vault references, skip_enforcement and the actions, client and hook, over
real HTTP against the emulator."""

from __future__ import annotations

import json
import logging
import uuid

import pytest

from airflow_connections_provider.client import (
    AmbiguousNameError,
    BadRequestError,
    ConfigurationError,
    ConnectionChanges,
    InvalidInputError,
    InvalidPropertiesError,
    NotFoundError,
    Scope,
    VaultReference,
    WorkspaceNotFoundError,
    WorkspaceRef,
)
from airflow_connections_provider.emulator import run_emulator
from tests.integration.conftest import SECRET, pg_properties

URN = "1000330999:orders-password"
OTHER_URN = "1000330999:orders-password-v2"


def unique(prefix: str) -> str:
    """Added workspaces outlive a test in the session's emulator: each test names its own."""
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def writes(emu) -> int:
    return sum(1 for e in emu.request_log() if e["method"] in {"POST", "PATCH", "PUT", "DELETE"})


# -- workspaces --------------------------------------------------------------------------------------


def test_catalogs_resolve_by_id_and_exact_name_across_pages(client, emu):
    names = [unique("cat") for _ in range(30)]  # more than one page of 25
    ids = [emu.add_catalog(n) for n in names]
    assert client.resolve_catalog(names[-1]).id == ids[-1]
    assert client.resolve_catalog(ids[3]).name == names[3]
    assert client.resolve_workspace(WorkspaceRef("catalog", names[0])) == Scope.catalog(ids[0])
    with pytest.raises(WorkspaceNotFoundError) as caught:
        client.resolve_catalog(names[5].upper())
    assert caught.value.kind == "catalog" and names[5] in caught.value.near_matches
    assert "Give the exact name or the catalog id" in str(caught.value)


def test_spaces_resolve_by_id_and_exact_name_and_a_shared_name_is_ambiguous(client, emu):
    name = unique("deploy")
    space_id = emu.add_space(name)
    emu.add_space(f"{name}-staging")  # the service's name filter is exact, and so is the comparison
    assert client.resolve_space(name).id == space_id
    assert client.resolve_space(space_id).name == name
    assert client.resolve_workspace(WorkspaceRef("space", name)) == Scope.space(space_id)
    twin = emu.add_space(name)
    with pytest.raises(AmbiguousNameError) as caught:
        client.resolve_space(name)
    assert space_id in str(caught.value) and twin in str(caught.value)


def test_an_unknown_project_id_reads_the_projects_error_shape(client):
    with pytest.raises(NotFoundError) as caught:
        client.get_project("0c1b2a39-8f4e-4d0b-9e8a-000000000000")
    assert caught.value.status == 404
    assert "0c1b2a39-8f4e-4d0b-9e8a-000000000000" in str(caught.value)  # the reply's "reason", not only "Not Found"


# -- flags -------------------------------------------------------------------------------------------


def test_flags_are_created_and_flagged_connections_are_found(client, emu):
    space = Scope.space(emu.add_space(unique("flags")))
    created = client.create_connection(
        space,
        name="mine",
        datasource_type="http",
        properties={"url": "https://example.invalid"},
        flags=["personal_credentials"],
        test=False,
    )
    assert created.flags == ("personal_credentials",)
    assert emu.stored_connection(created.id)["entity"]["flags"] == ["personal_credentials"]
    assert client.find_connection(space, "mine").id == created.id  # a plain listing would leave it out


def test_an_unknown_flag_is_refused_before_anything_is_sent(client, emu):
    client.get_datasource_type("http")
    before = writes(emu)
    with pytest.raises(InvalidInputError) as caught:
        client.create_connection(
            Scope.project(emu.project_id("sales")),
            name="x",
            datasource_type="http",
            properties={"url": "https://h"},
            flags=["personal"],
        )
    assert "personal_credentials" in str(caught.value)  # the fix: the flags there are
    assert writes(emu) == before


# -- vault references and the actions ---------------------------------------------------------------


def test_a_vault_reference_is_sent_as_the_emulator_models_it_and_compares_as_a_reference(client, emu, pg_source):
    sales = Scope.project(emu.project_id("sales"))
    props = {**pg_properties(pg_source), "password": {"vault_secret": URN}}
    created = client.create_connection(
        sales, name="vaulted", datasource_type="postgresql", properties=props, test=False
    )
    stored = emu.stored_connection(created.id)["entity"]["properties"]
    assert (stored["password"], stored["vaulted_properties"]) == (URN, "password")
    assert created.vault_references == {"password": VaultReference(URN)}

    pg = client.get_datasource_type("postgresql")
    assert created.visible_differences(props, pg) == ()  # the same reference: no change
    assert created.visible_differences({**props, "password": {"vault_secret": OTHER_URN}}, pg) == ("password",)
    assert created.visible_differences({**props, "password": URN}, pg) == ()  # a plain secret is never compared

    updated = client.update_connection(
        sales, created.id, ConnectionChanges(set_properties={"password": {"vault_secret": OTHER_URN}}), test=False
    )
    assert updated.vault_references == {"password": VaultReference(OTHER_URN)}
    client.update_connection(sales, created.id, ConnectionChanges(set_properties={"password": SECRET}), test=False)
    after = emu.stored_connection(created.id)["entity"]["properties"]
    assert after["password"] == SECRET and "vaulted_properties" not in after  # a plain value drops the reference


def test_validate_checks_without_connecting_and_reads_a_missing_vault_secret(client, emu, pg_source):
    sales = Scope.project(emu.project_id("sales"))
    props = {**pg_properties(pg_source), "password": {"vault_secret": URN}}
    conn = client.create_connection(sales, name="v", datasource_type="postgresql", properties=props, test=False)
    with pytest.raises(InvalidPropertiesError) as caught:
        client.validate_connection(sales, conn.id)
    assert caught.value.target == "password" and URN in str(caught.value)
    emu.add_vault_secret(URN, "the-vaulted-value")
    assert client.validate_connection(sales, conn.id) is None
    assert "the-vaulted-value" not in json.dumps(emu.request_log())
    actions = {a.name for a in client.list_actions(sales, conn.id)}
    assert "get_record_count" in actions  # test and validate run without being listed


def test_skip_enforcement_is_sent_only_when_asked_and_logged(make_client, caplog, pg_source):
    with run_emulator(projects=("sales",), enforce_vaulted_credentials=True) as emu:
        client = make_client(handle=emu)
        sales = Scope.project(emu.project_id("sales"))
        plain = {"name": "plain", "datasource_type": "postgresql", "properties": pg_properties(pg_source)}
        with pytest.raises(BadRequestError) as refused:
            client.create_connection(sales, **plain, test=False)
        assert "skip_enforcement" in str(refused.value) and SECRET not in str(refused.value)
        with caplog.at_level(logging.WARNING, logger="airflow_connections_provider.client"):
            client.create_connection(sales, **plain, test=False, skip_enforcement=True)
        sent = [
            e["query"].get("skip_enforcement")
            for e in emu.request_log()
            if e["path"] == "/v2/connections" and e["method"] == "POST"
        ]
        assert sent == [None, "true"]
    assert "skip_enforcement=true on the create of connection 'plain'" in caplog.text
    assert SECRET not in caplog.text


# -- the hook ----------------------------------------------------------------------------------------


def conn_with_extra(monkeypatch, emu, conn_id: str, **extra) -> str:
    conn = {
        "conn_type": "ibmdataplatform",
        "host": emu.url,
        "password": emu.api_key,
        "extra": {"auth_type": "iam_api_key", "iam_url": emu.url, **extra},
    }
    monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
    return conn_id


def test_the_hook_takes_a_default_space_and_refuses_two_defaults(monkeypatch, emu):
    from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook

    name = unique("hook-space")
    space_id = emu.add_space(name)
    hook = IBMDataPlatformHook(conn_with_extra(monkeypatch, emu, "ibm_space", space=name))
    assert hook.resolve_scope() == Scope.space(space_id)
    assert hook.resolve_scope(project="sales") == Scope.project(emu.project_id("sales"))
    ok, message = hook.test_connection()
    assert ok and space_id in message
    with pytest.raises(ConfigurationError, match="exactly one project, catalog or space"):
        hook.resolve_scope(project="sales", catalog="x")

    two = IBMDataPlatformHook(conn_with_extra(monkeypatch, emu, "ibm_two", project="sales", space=name))
    with pytest.raises(ConfigurationError) as caught:
        two.client  # noqa: B018 - reading the settings is what fails
    assert "set one of the extras 'project', 'catalog', 'space'" in str(caught.value)
    assert emu.api_key not in str(caught.value)


def test_the_hook_runs_the_actions_in_its_default_workspace(monkeypatch, emu, pg_source):
    from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook

    name = unique("hook-cat")
    catalog = Scope.catalog(emu.add_catalog(name))
    hook = IBMDataPlatformHook(conn_with_extra(monkeypatch, emu, "ibm_cat", catalog=name))
    conn = hook.client.create_connection(
        catalog, name="pg", datasource_type="postgresql", properties=pg_properties(pg_source), test=False
    )
    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", SECRET)
    assert hook.test_connection_asset(conn.id) is None
    assert hook.validate_connection_asset(conn.id) is None
    assert "get_record_count" in {a.name for a in hook.list_connection_actions(conn.id)}
