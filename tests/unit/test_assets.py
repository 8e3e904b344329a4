"""Connection assets: the URI a DAG author computes, the sanitiser Airflow runs on every asset of our
scheme, and its registration in the provider info (Airflow 3 reads ``asset-uris``, 2.11 ``dataset-uris``)."""

from __future__ import annotations

import importlib
import warnings
from urllib.parse import urlsplit, urlunsplit

import pytest

from airflow_connections_provider.assets import (
    CHANGES_ALIAS,
    ibm_connection_asset,
    ibm_connection_asset_uri,
    ibm_connection_changes,
    sanitize_uri,
)
from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS
from airflow_connections_provider.get_provider_info import get_provider_info

PROJECT = "99845973-050b-482b-b900-a13a75865258"


def sanitized(uri: str) -> str:
    return urlunsplit(sanitize_uri(urlsplit(uri)))


@pytest.mark.parametrize(
    ("name", "scope", "expected"),
    [
        pytest.param("orders-db", {"project_id": PROJECT}, f"ibm-connection://project/{PROJECT}/orders-db", id="plain"),
        pytest.param(
            "orders db", {"project_id": PROJECT}, f"ibm-connection://project/{PROJECT}/orders%20db", id="space"
        ),
        pytest.param("a/b?c#d", {"catalog_id": "c1"}, "ibm-connection://catalog/c1/a%2Fb%3Fc%23d", id="reserved"),
        pytest.param(
            "Bestellungen-ü", {"space_id": "s-1"}, "ibm-connection://space/s-1/Bestellungen-%C3%BC", id="utf8"
        ),
        pytest.param("%41", {"project_id": PROJECT}, f"ibm-connection://project/{PROJECT}/%2541", id="percent"),
    ],
)
def test_the_uri_names_scope_kind_scope_id_and_the_quoted_name(name, scope, expected):
    assert ibm_connection_asset_uri(name, **scope) == expected
    assert sanitized(expected) == expected  # already canonical
    asset = ibm_connection_asset(name, **scope)
    assert asset.uri == expected
    if AIRFLOW_V_3_0_PLUS:
        assert asset.name == expected  # emitted and scheduled under one identity


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"connection_name": "x"}, "exactly one of project_id, catalog_id or space_id", id="no-scope"),
        pytest.param(
            {"connection_name": "x", "project_id": PROJECT, "space_id": "s"}, "several are given", id="two-scopes"
        ),
        pytest.param({"connection_name": "", "project_id": PROJECT}, "connection's exact name", id="empty-name"),
        pytest.param({"connection_name": 7, "project_id": PROJECT}, "connection's exact name", id="not-text"),
        pytest.param({"connection_name": "x", "project_id": "orders-pipeline ?"}, "not a project id", id="bad-id"),
        pytest.param({"connection_name": "x", "project_id": "."}, "not a project id", id="dot-id"),
        pytest.param({"connection_name": "x", "catalog_id": ""}, "not a catalog id", id="empty-id"),
    ],
)
def test_the_factory_refuses_what_names_no_connection(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ibm_connection_asset(**kwargs)


@pytest.mark.parametrize(
    ("uri", "canonical"),
    [
        pytest.param(
            f"ibm-connection://project/{PROJECT}/orders%2ddb", f"ibm-connection://project/{PROJECT}/orders-db"
        ),
        pytest.param(
            f"ibm-connection://project/{PROJECT}/orders%2fdb", f"ibm-connection://project/{PROJECT}/orders%2Fdb"
        ),
        pytest.param("ibm-connection://space/s1/a~b_c.d", "ibm-connection://space/s1/a~b_c.d"),
        pytest.param("ibm-connection://catalog/c1/x%20y", "ibm-connection://catalog/c1/x%20y"),
    ],
)
def test_the_sanitiser_spells_each_connection_one_way(uri, canonical):
    assert sanitized(uri) == canonical


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        pytest.param("ibm-connection://proj/p1/x", "scope kind as its host, one of project, catalog, space", id="kind"),
        pytest.param("ibm-connection://Project/p1/x", "got 'Project'", id="kind-case"),
        pytest.param("ibm-connection://project:80/p1/x", "got 'project:80'", id="port"),
        pytest.param("ibm-connection:///p1/x", "got ''", id="no-host"),
        pytest.param("ibm-connection://project/p1", "path is /<scope id>/<connection name>", id="no-name"),
        pytest.param("ibm-connection://project/p1/", "path is /<scope id>/<connection name>", id="empty-name"),
        pytest.param("ibm-connection://project/p1/a/b", "a '/' in a name is written %2F", id="slash"),
        pytest.param("ibm-connection://project//x", "path is /<scope id>/<connection name>", id="no-id"),
        pytest.param("ibm-connection://project/p%201/x", "'p%201' is not a project id", id="bad-id"),
        pytest.param("ibm-connection://project/p1/x?v=1", "takes no query", id="query"),
        pytest.param("ibm-connection://project/p1/%ff", "not valid percent-encoded UTF-8", id="bad-escape"),
    ],
)
def test_the_sanitiser_refuses_malformed_uris_naming_the_form(uri, message):
    with pytest.raises(ValueError, match=message) as refused:
        sanitize_uri(urlsplit(uri))
    assert "build it with airflow_connections_provider.assets.ibm_connection_asset(name, project_id=...)" in str(
        refused.value
    )


def test_airflow_runs_the_sanitiser_on_every_asset_of_the_scheme():
    from airflow.providers.common.compat.sdk import Asset

    assert (
        Asset(f"ibm-connection://project/{PROJECT}/orders%2ddb").uri == f"ibm-connection://project/{PROJECT}/orders-db"
    )
    if AIRFLOW_V_3_0_PLUS:
        with pytest.raises(ValueError, match="scope kind as its host"):
            Asset("ibm-connection://proj/p1/x")
    else:  # 2.11 warns unless [core] strict_dataset_uri_validation; the factory refuses on both
        with pytest.warns(UserWarning, match="scope kind as its host"):
            Asset("ibm-connection://proj/p1/x")


def test_the_provider_registers_the_scheme_for_assets_and_datasets_alike():
    info = get_provider_info()
    assert (
        info["asset-uris"]
        == info["dataset-uris"]
        == [{"schemes": ["ibm-connection"], "handler": "airflow_connections_provider.assets.sanitize_uri"}]
    )
    assert info["asset-uris"] is not info["dataset-uris"]
    module, _, name = info["asset-uris"][0]["handler"].rpartition(".")
    assert getattr(importlib.import_module(module), name) is sanitize_uri


def test_the_changes_alias_is_the_one_every_task_declares():
    alias = ibm_connection_changes()
    assert alias.name == CHANGES_ALIAS == "ibm-connection-changes"


def test_the_id_rule_is_the_clients():
    from airflow_connections_provider import assets
    from airflow_connections_provider.client import endpoints

    assert assets._ID_TOKEN.pattern == endpoints._ID_TOKEN.pattern


def test_building_an_asset_warns_about_nothing():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ibm_connection_asset("orders-db", project_id=PROJECT)
