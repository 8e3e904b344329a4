"""Deleting what data assets use, against the emulator over real HTTP: IBM's delete does not check, so the
delete operator and a sync's prune do, and refuse before any write.

One row per situation. Each asserts the exception type; that the message names the problem (the data
assets, the connection) and the fix (accept them, force, or what to change); that no secret of the
connections shows in the message, its causes, the logs (down to DEBUG), XCom or the task's repr; and, from
the emulator's request log, that nothing was written.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_connections_provider.operators.ibm import IBMDeleteConnectionOperator, IBMSyncConnectionsOperator
from tests.integration.conftest import SECRET, pg_properties
from tests.reliability.rows import debug_logging, exposed_texts, leaked
from tests.support.task_fixtures import FakeTI

SEARCH = "/v2/asset_types/data_asset/search"


@dataclass
class Env:
    emu: Any
    source: Any
    ti: FakeTI

    def used(self, name: str = "app-orders", *assets: str) -> str:
        """A connection (secret: ``SECRET``) that ``assets`` use; its id."""
        connection_id = self.emu.create_connection(name, "postgresql", pg_properties(self.source), project="sales")
        for asset in assets:
            self.emu.add_data_asset(asset, connection_id, f"/landing/{asset}")
        return connection_id


@dataclass(frozen=True)
class Case:
    run: Callable[[Env], Any]
    raises: type[BaseException]
    names: tuple[str, ...]  # the problem: what the message must name
    fix: str  # the fix it must name
    searches: int  # asset searches sent (a refusal of the arguments sends none)


def delete(**kwargs: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        env.used("app-orders", "orders.csv", "orders-2024.csv")
        op = IBMDeleteConnectionOperator(task_id="delete", connection_name="app-orders", **kwargs)
        env.ti.op = op
        return op.execute({"ti": env.ti})

    return run


def prune(**kwargs: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        env.used("app-keep")
        env.used("app-orders", "orders.csv", "orders-2024.csv")
        spec = [{"name": "app-keep", "datasource_type": "postgresql", "properties": pg_properties(env.source)}]
        args = {"managed_prefix": "app-", "prune": True, "secret_fingerprints": False, "test": False}
        op = IBMSyncConnectionsOperator(task_id="sync", spec=spec, **{**args, **kwargs})
        env.ti.op = op
        return op.execute({"ti": env.ti})

    return run


def search_fails(status: int, then: Callable[[Env], Any]) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        env.emu.script_fault("POST", SEARCH, status=status, count=100)
        return then(env)

    return run


CASES: dict[str, Case] = {
    "delete-of-a-connection-two-data-assets-use": Case(
        delete(), AirflowFailException, ("orders.csv", "orders-2024.csv", "'app-orders'"), "accepted_dependents=[", 1
    ),
    "delete-accepting-one-of-the-two": Case(
        delete(accepted_dependents=["orders.csv"]), AirflowFailException, ("orders-2024.csv",), "force=True", 1
    ),
    "prune-of-a-connection-two-data-assets-use": Case(
        prune(), AirflowFailException, ("app-orders (id", "orders.csv", "orders-2024.csv"), "accepted_dependents=[", 1
    ),
    "prune-over-its-limit-is-refused-whole-as-before": Case(
        prune(max_deletes=0), AirflowFailException, ("max_deletes=0", "app-orders"), "raise the limit", 1
    ),
    "asset-search-unavailable-503-before-a-delete": Case(
        search_fails(503, delete()), AirflowException, ("asset_types/data_asset/search", "503"), "force=True", 6
    ),
    "asset-search-forbidden-403-before-a-delete": Case(
        search_fails(403, delete()), AirflowFailException, ("asset_types/data_asset/search", "403"), "force=True", 1
    ),
    "asset-search-forbidden-403-before-a-prune": Case(
        search_fails(403, prune()), AirflowFailException, ("asset_types/data_asset/search", "403"), "force=True", 1
    ),
    "accepted-dependents-given-as-one-string": Case(
        delete(accepted_dependents="orders.csv"), AirflowFailException, ("accepted_dependents",), '["orders.csv"]', 0
    ),
    "force-and-accepted-dependents-together": Case(
        delete(force=True, accepted_dependents=["orders.csv"]),
        AirflowFailException,
        ("force=True",),
        "give one of them",
        0,
    ),
    "prune-with-force-and-accepted-dependents-together": Case(
        prune(force=True, accepted_dependents=["orders.csv"]),
        AirflowFailException,
        ("force=True",),
        "give one of them",
        0,
    ),
    "prune-accepted-dependents-not-a-list": Case(
        prune(accepted_dependents={"orders.csv": True}), AirflowFailException, ("accepted_dependents",), "got dict", 0
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_deleting_what_data_assets_use_is_refused_before_any_write(
    name, airflow_conn, emu, pg_source, no_writes, caplog, scenario
):
    case = CASES[name]
    debug_logging(caplog)
    env = Env(emu, pg_source, FakeTI())
    with pytest.raises(case.raises) as caught:
        case.run(env)
    if case.raises is AirflowException:
        assert not isinstance(caught.value, AirflowFailException)  # a 503 may pass: the task's retries apply
    message = str(caught.value)
    for fragment in (*case.names, case.fix):
        assert fragment in message, (fragment, message)
    texts = [*exposed_texts(caught.value, caplog), json.dumps(env.ti.xcom), repr(env.ti.op)]
    assert leaked(texts, [SECRET]) == []
    assert no_writes() == 0
    assert emu.requests_count("POST", SEARCH) == case.searches
    assert "app-orders" in [c["entity"]["name"] for c in emu.stored_connections("sales")]
    scenario(
        area="dependents",
        injected=name,
        outcome=f"{type(caught.value).__name__}: {' '.join(message.split())[:220]}",
        writes_sent=no_writes(),
        searches_sent=case.searches,
    )


def test_a_dry_run_shows_what_a_real_run_would_refuse(airflow_conn, emu, pg_source, no_writes, caplog, scenario):
    caplog.set_level(logging.INFO)
    env = Env(emu, pg_source, FakeTI())
    orders = env.used("app-orders", "orders.csv")
    env.used("app-keep")
    spec = [{"name": "app-keep", "datasource_type": "postgresql", "properties": pg_properties(pg_source)}]
    summary = IBMSyncConnectionsOperator(
        task_id="plan", spec=spec, managed_prefix="app-", prune=True, dry_run=True, secret_fingerprints=False
    ).execute({"ti": env.ti})
    assert summary["deleted"] == ["app-orders"] and "orders.csv" in summary["blocked"]["app-orders"]
    assert [d["name"] for d in summary["dependents"]["app-orders"]] == ["orders.csv"]
    assert leaked([json.dumps(summary)], [SECRET]) == [] and no_writes() == 0
    scenario(
        area="dependents",
        injected="dry run of a prune deleting a connection one data asset uses",
        outcome=f"summary 'dependents' names orders.csv for app-orders (id {orders[:8]}…) and 'blocked' says why "
        "a real run would not delete it; 0 writes",
        writes_sent=no_writes(),
    )
