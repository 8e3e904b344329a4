"""Vault references (the user's form, the wire form, comparison, masking), flags and the one-workspace rule:
the pure decisions."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import ConnectionChanges, VaultReference
from airflow_connections_provider.client.endpoints import wire_changes
from airflow_connections_provider.client.validation import check_flags
from airflow_connections_provider.client.values import normalise_property_value
from airflow_connections_provider.client.vault import reference_problem, stored_references, wire_properties
from airflow_connections_provider.client.workspaces import WorkspaceRef, workspace_ref
from airflow_connections_provider.masking import secret_values

URN = "1000330999:db-password"


def test_a_create_sends_each_reference_as_its_urn_listed_in_vaulted_properties():
    wire = wire_properties({"host": "h", "password": {"vault_secret": URN}, "api_key": VaultReference("1:k")})
    assert wire == {"host": "h", "password": URN, "api_key": "1:k", "vaulted_properties": "api_key,password"}
    assert wire_properties({"host": "h"}) == {"host": "h"}  # no reference, no vaulted_properties


def test_stored_references_read_back_only_listed_properties():
    stored = {"password": URN, "username": "1:looks-like-one", "vaulted_properties": "password, missing"}
    assert stored_references(stored) == {"password": VaultReference(URN)}


@pytest.mark.parametrize(
    ("stored_list", "changes", "sent_list", "removed"),
    [
        pytest.param(None, {"password": {"vault_secret": URN}}, "password", [], id="first-reference"),
        pytest.param("api_key", {"password": {"vault_secret": URN}}, "api_key,password", [], id="added-to-others"),
        pytest.param("password", {"password": {"vault_secret": URN}}, None, [], id="replaced-same-list"),
        pytest.param("api_key,password", {"password": "plain"}, "api_key", [], id="plain-value-drops-it"),
        pytest.param("password", {"password": "plain"}, None, ["vaulted_properties"], id="last-one-removes-list"),
    ],
)
def test_an_update_keeps_vaulted_properties_in_step(stored_list, changes, sent_list, removed):
    stored = {"vaulted_properties": stored_list} if stored_list else {}
    wired = wire_changes(ConnectionChanges(set_properties=changes), stored)
    assert wired.set_properties.get("vaulted_properties") == sent_list
    assert list(wired.remove_properties) == removed
    assert wired.set_properties["password"] in (URN, "plain")


def test_removing_a_vaulted_property_drops_its_name():
    wired = wire_changes(ConnectionChanges(remove_properties=["password"]), {"vaulted_properties": "password,api_key"})
    assert wired.set_properties == {"vaulted_properties": "api_key"}


def test_a_reference_compares_as_its_urn_and_never_as_a_value():
    assert normalise_property_value({"vault_secret": URN}, "password") == normalise_property_value(VaultReference(URN))
    assert normalise_property_value({"vault_secret": URN}) != normalise_property_value(URN)


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ({"vault_secret": ""}, "empty secret URN"),
        ({"vault_secret": 5}, "not text"),
        ({"vault_secret": "a b"}, "whitespace"),
    ],
)
def test_a_malformed_reference_names_the_form(value, problem):
    found = reference_problem("password", value)
    assert found is not None and problem in found and "'vault_secret'" in found


def test_a_reference_is_not_handed_to_the_masker_but_a_secret_is():
    found = list(secret_values({"password": {"vault_secret": URN}, "api_key": "k-123456"}, {"password", "api_key"}))
    assert found == ["k-123456"]


def test_flags_are_checked_against_ibms_names():
    assert check_flags(["personal_credentials", "personal_credentials"]) == (("personal_credentials",), [])
    assert check_flags(None) == (None, [])
    _, problems = check_flags(["restricted", "secret"])
    every = "parameterized, personal_credentials, restricted, internal_use_only"
    assert problems == [f"flags[1] 'secret' is not a flag; the flags are {every}"]
    assert "must be a list" in check_flags("restricted")[1][0]


def test_exactly_one_workspace():
    assert workspace_ref(project=None, catalog="", space=" s ") == (WorkspaceRef("space", "s"), [])
    assert workspace_ref() == (None, [])
    assert workspace_ref(project="p", space="s")[1] == [
        "project and space are both given: a connection lives in exactly one project, catalog or space"
    ]
    assert "must be the catalog's id or exact name" in workspace_ref(catalog=["c"])[1][0]
