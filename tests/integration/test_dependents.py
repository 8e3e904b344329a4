"""What uses a connection, against the emulator over real HTTP: the client's asset-search walk, the delete
operator's check and the sync's prune check, each refusing before any write, naming the data assets."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.client import ConnectionsClient, Dependent, Scope
from airflow_connections_provider.client import dependents as dependents_module
from airflow_connections_provider.operators.ibm import IBMDeleteConnectionOperator, IBMSyncConnectionsOperator
from tests.integration.conftest import pg_properties
from tests.support.task_fixtures import FakeTI

SEARCH = "/v2/asset_types/data_asset/search"


def writes(emu: Any) -> int:
    return sum(emu.requests_count(m, "/v2/connections*") for m in ("POST", "PATCH", "PUT", "DELETE"))


def seed(emu: Any, source: Any, *names: str) -> dict[str, str]:
    return {n: emu.create_connection(n, "postgresql", pg_properties(source), project="sales") for n in names}


def test_one_walk_finds_the_dependents_of_every_connection_across_pages(client, emu, pg_source):
    ids = seed(emu, pg_source, "orders", "sales", "unused")
    for i in range(5):
        emu.add_data_asset(f"orders-{i}.csv", ids["orders"], f"/landing/orders-{i}.csv")
    emu.add_data_asset("sales.csv", ids["sales"])
    scope = Scope.project(emu.project_id("sales"))

    found = dependents_module.find_dependents(client.transport.request, scope, ids.values(), page_size=2)

    assert [d.name for d in found[ids["orders"]]] == [f"orders-{i}.csv" for i in range(5)]
    assert [d.name for d in found[ids["sales"]]] == ["sales.csv"]
    assert found[ids["unused"]] == ()
    assert all(isinstance(d, Dependent) and d.asset_type == "data_asset" for d in found[ids["orders"]])
    assert emu.requests_count("POST", SEARCH) == 3  # 6 assets, 2 a page: one walk for the three connections
    assert writes(emu) == 0


def test_the_client_method_searches_the_connections_own_workspace(client, emu, pg_source):
    emu.add_catalog("shared-catalog")
    in_catalog = emu.create_connection("orders", "postgresql", pg_properties(pg_source), catalog="shared-catalog")
    in_project = seed(emu, pg_source, "orders")["orders"]
    emu.add_data_asset("catalogued.csv", in_catalog)

    catalog = Scope.catalog(emu.catalog_id("shared-catalog"))
    assert [d.name for d in client.find_dependents(catalog, [in_catalog])[in_catalog]] == ["catalogued.csv"]
    project = Scope.project(emu.project_id("sales"))
    assert client.find_dependents(project, [in_project]) == {in_project: ()}
    assert client.find_dependents(project, []) == {}  # nothing to ask: no request
    assert emu.requests_count("POST", SEARCH) == 2


def delete(**kwargs: Any) -> IBMDeleteConnectionOperator:
    return IBMDeleteConnectionOperator(**{"task_id": "delete", "connection_name": "orders", **kwargs})


def test_the_delete_operator_refuses_naming_the_data_assets_and_writes_nothing(airflow_conn, emu, pg_source):
    ids = seed(emu, pg_source, "orders")
    first = emu.add_data_asset("orders.csv", ids["orders"])
    second = emu.add_data_asset("orders-archive.csv", ids["orders"])

    with pytest.raises(AirflowFailException) as caught:
        delete().execute({"ti": FakeTI()})

    message = str(caught.value)
    assert "used by 2 data asset(s)" in message and "nothing was deleted" in message
    assert f"orders.csv (data_asset {first})" in message and f"orders-archive.csv (data_asset {second})" in message
    assert f"accepted_dependents={[second, first]!r}" in message and "force=True" in message
    assert writes(emu) == 0 and [c["entity"]["name"] for c in emu.stored_connections("sales")] == ["orders"]


def test_accepting_every_dependent_deletes_and_reports_what_is_left_behind(airflow_conn, emu, pg_source):
    ids = seed(emu, pg_source, "orders")
    asset = emu.add_data_asset("orders.csv", ids["orders"])
    emu.add_data_asset("orders-archive.csv", ids["orders"])
    ti = FakeTI()

    with pytest.raises(AirflowFailException, match=r"used by 1 data asset\(s\).*orders-archive.csv"):
        delete(accepted_dependents=[asset]).execute({"ti": ti})  # by id: one of two is not enough
    assert writes(emu) == 0

    assert delete(accepted_dependents=[asset, "orders-archive.csv"]).execute({"ti": ti}) == ids["orders"]
    assert emu.stored_connections("sales") == []
    assert sorted(d["name"] for d in ti.xcom["dependents"]) == ["orders-archive.csv", "orders.csv"]


def test_force_deletes_without_searching(airflow_conn, emu, pg_source):
    ids = seed(emu, pg_source, "orders")
    emu.add_data_asset("orders.csv", ids["orders"])

    assert delete(force=True).execute({"ti": FakeTI()}) == ids["orders"]
    assert emu.requests_count("POST", SEARCH) == 0 and emu.stored_connections("sales") == []


def test_a_connection_nothing_uses_is_deleted_after_one_search(airflow_conn, emu, pg_source):
    ids = seed(emu, pg_source, "orders", "other")
    emu.add_data_asset("other.csv", ids["other"])

    assert delete().execute({"ti": FakeTI()}) == ids["orders"]
    assert emu.requests_count("POST", SEARCH) == 1
    assert [c["entity"]["name"] for c in emu.stored_connections("sales")] == ["other"]


def sync(spec: Any, **kwargs: Any) -> IBMSyncConnectionsOperator:
    args = {"task_id": "s", "spec": spec, "managed_prefix": "app-", "prune": True, "secret_fingerprints": False}
    return IBMSyncConnectionsOperator(**{**args, "test": False, **kwargs})


def keep(source: Any, *names: str) -> list[dict[str, Any]]:
    return [{"name": n, "datasource_type": "postgresql", "properties": pg_properties(source)} for n in names]


def test_a_prune_sends_everything_but_the_deletions_of_used_connections_and_fails_naming_them(
    airflow_conn, emu, pg_source
):
    ids = seed(emu, pg_source, "app-keep", "app-old", "app-older", "app-spare")
    asset = emu.add_data_asset("old.csv", ids["app-old"])
    spec = keep(pg_source, "app-keep", "app-new")  # a create, and three deletions, two of them in use
    emu.add_data_asset("older.csv", ids["app-older"])
    ti = FakeTI()

    with pytest.raises(AirflowFailException) as caught:
        sync(spec, max_delete_fraction=None).execute({"ti": ti})

    message = str(caught.value)
    assert f"app-old (id {ids['app-old']}) is used by 1 data asset(s): old.csv (data_asset {asset})" in message
    assert "app-older" in message and "older.csv" in message and "app-spare (id" not in message
    assert "force=True" in message and "accepted_dependents=" in message
    summary = ti.xcom["sync_summary"]
    assert summary["created"].keys() == {"app-new"} and summary["deleted"] == ["app-spare"]
    assert sorted(summary["blocked"]) == sorted(summary["failed_permanently"]) == ["app-old", "app-older"]
    names = sorted(c["entity"]["name"] for c in emu.stored_connections("sales"))
    assert names == ["app-keep", "app-new", "app-old", "app-older"]  # the used ones stay
    assert emu.requests_count("DELETE", "/v2/connections/*") == 1
    assert emu.requests_count("POST", SEARCH) == 1  # one walk for the three deletions


def test_a_dry_run_shows_the_dependents_in_the_plan_and_the_summary(airflow_conn, emu, pg_source, capsys):
    ids = seed(emu, pg_source, "app-keep", "app-old")
    asset = emu.add_data_asset("old.csv", ids["app-old"])

    summary = sync(keep(pg_source, "app-keep"), dry_run=True).execute({"ti": FakeTI()})

    assert summary["dependents"] == {"app-old": [{"asset_id": asset, "name": "old.csv", "asset_type": "data_asset"}]}
    assert "used by 1 data asset(s)" in summary["blocked"]["app-old"] and "refused" not in summary
    logged = capsys.readouterr().out
    assert f"app-old (id {ids['app-old']}): old.csv (data_asset {asset})" in logged
    assert writes(emu) == 0


def test_accepted_or_forced_prunes_delete(airflow_conn, emu, pg_source):
    ids = seed(emu, pg_source, "app-keep", "app-old", "app-gone")
    emu.add_data_asset("old.csv", ids["app-old"])
    emu.add_data_asset("gone.csv", ids["app-gone"])

    summary = sync(keep(pg_source, "app-keep", "app-gone"), accepted_dependents=["old.csv"]).execute({"ti": FakeTI()})
    assert summary["deleted"] == ["app-old"] and [d["name"] for d in summary["dependents"]["app-old"]] == ["old.csv"]

    searches = emu.requests_count("POST", SEARCH)
    summary = sync(keep(pg_source, "app-keep"), force=True).execute({"ti": FakeTI()})
    assert summary["deleted"] == ["app-gone"] and summary["dependents"] == {}
    assert emu.requests_count("POST", SEARCH) == searches  # force: not looked up
    assert [c["entity"]["name"] for c in emu.stored_connections("sales")] == ["app-keep"]


def test_a_sync_that_deletes_nothing_never_searches(airflow_conn, emu, pg_source):
    seed(emu, pg_source, "app-keep")
    sync(keep(pg_source, "app-keep", "app-new")).execute({"ti": FakeTI()})
    assert emu.requests_count("POST", SEARCH) == 0


def test_the_client_method_is_the_modules_walk(client: ConnectionsClient, emu, pg_source):
    """The thin client method and the module agree (one implementation)."""
    ids = seed(emu, pg_source, "orders")
    emu.add_data_asset("orders.csv", ids["orders"])
    scope = Scope.project(emu.project_id("sales"))
    assert client.find_dependents(scope, [ids["orders"]]) == dependents_module.find_dependents(
        client.transport.request, scope, [ids["orders"]]
    )


def test_a_dry_run_whose_search_is_refused_still_shows_the_plan_and_why_it_would_be_refused(
    airflow_conn, emu, pg_source
):
    seed(emu, pg_source, "app-keep", "app-old")
    emu.script_fault("POST", SEARCH, status=403, count=100)

    summary = sync(keep(pg_source, "app-keep"), dry_run=True).execute({"ti": FakeTI()})

    assert summary["deleted"] == ["app-old"] and summary["dependents"] == {}
    why = summary["blocked"]["app-old"]
    assert "could not look up which data assets use the connection" in why
    assert "403" in why and "force=True" in why
    assert writes(emu) == 0


def test_the_hook_answers_names_and_ids_for_each_connection(airflow_conn, emu, pg_source):
    from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook

    ids = seed(emu, pg_source, "orders", "unused")
    asset = emu.add_data_asset("orders.csv", ids["orders"])

    found = IBMDataPlatformHook().find_dependents([ids["orders"], ids["unused"]])

    assert found == {
        ids["orders"]: [{"asset_id": asset, "name": "orders.csv", "asset_type": "data_asset"}],
        ids["unused"]: [],
    }
    assert emu.requests_count("POST", SEARCH) == 1
