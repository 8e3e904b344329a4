"""Data safety of the sync against the emulator over real HTTP: construction before destruction, failure
texts without values, plans that show names as they are, and fingerprint Variables Airflow hides.

Each row asserts the exception type, that its message names the problem and the fix, that no secret
(nor any other value the sync sent) surfaces in the message, the logs, XCom or the operator's repr,
and what the emulator holds afterwards.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_connections_provider.client import (
    BadRequestError,
    ConnectionsClient,
    RetriesExhaustedError,
    ServerError,
)
from airflow_connections_provider.masking import spellings
from airflow_connections_provider.operators.ibm import IBMSyncConnectionsOperator
from tests.integration.conftest import SECRET, pg_properties
from tests.support.task_fixtures import FakeTI

WRONG = "Wrong-Passw0rd-9"


def seed(emu: Any, source: Any, *names: str) -> None:
    for name in names:
        emu.create_connection(name, "postgresql", pg_properties(source), project="sales")


def entry(source: Any, name: str, **props: Any) -> dict[str, Any]:
    return {"name": name, "datasource_type": "postgresql", "properties": pg_properties(source, **props)}


def sync_op(spec: Any, **kwargs: Any) -> IBMSyncConnectionsOperator:
    args = {"task_id": "sync", "spec": spec, "managed_prefix": "app-", "prune": True, "secret_fingerprints": False}
    return IBMSyncConnectionsOperator(**{**args, **kwargs})


def names(emu: Any) -> list[str]:
    return sorted(c["entity"]["name"] for c in emu.stored_connections("sales"))


def leaks(values: list[str], *texts: str) -> list[str]:
    return [s for v in values for s in set(spellings(v)) if len(s) >= 5 for t in texts if s in t]


# --- construction before destruction --------------------------------------------------------------------------


def refused_live_test(env: dict[str, Any]) -> None:
    env["emu"].register_datasource_credentials(env["source"].host, env["source"].port, "etl", SECRET)
    env["spec"][1]["properties"]["password"] = WRONG  # app-new cannot connect: the service refuses to save it


def transient_5xx(env: dict[str, Any]) -> None:
    env["emu"].script_fault("POST", "/v2/connections", status=503, count=50, when="before")


def refused_update(env: dict[str, Any]) -> None:
    env["emu"].register_datasource_credentials(env["source"].host, env["source"].port, "etl", SECRET)
    env["spec"][0]["properties"]["database"] = "orders-moved"  # app-keep changes: its live test
    env["spec"][0]["properties"]["password"] = WRONG  # ...is refused


def unexpected_bug(env: dict[str, Any]) -> None:
    real = ConnectionsClient.create_checked_connection

    def create(self: ConnectionsClient, scope: Any, new: Any, **kwargs: Any) -> Any:
        if new.name == "app-new":
            raise KeyError("simulated bug")
        return real(self, scope, new, **kwargs)

    env["monkeypatch"].setattr(ConnectionsClient, "create_checked_connection", create)


def taken_by_another_type(env: dict[str, Any]) -> None:
    """Another writer creates app-new as an http connection right after the sync listed the project."""
    real = ConnectionsClient.list_connections

    def listing(self: ConnectionsClient, scope: Any, **filters: Any) -> Any:
        listed = real(self, scope, **filters)
        env["emu"].create_connection("app-new", "http", {"url": "https://example.com"}, project="sales")
        return listed

    env["monkeypatch"].setattr(ConnectionsClient, "list_connections", listing)


HOLD_BACK: dict[str, tuple[Callable[[dict[str, Any]], None], type[BaseException], str]] = {
    "create-refused-by-live-test": (refused_live_test, AirflowFailException, "connection_test_failed"),
    "create-transient-503": (transient_5xx, AirflowException, "503"),
    "update-refused-by-live-test": (refused_update, AirflowFailException, "connection_test_failed"),
    "create-unexpected-error": (unexpected_bug, AirflowException, "unexpected KeyError"),
    "create-409-another-type": (taken_by_another_type, AirflowFailException, "with datasource type"),
}


@pytest.mark.parametrize("case_id", list(HOLD_BACK))
def test_a_rename_whose_create_or_update_fails_deletes_nothing(
    case_id, airflow_conn, emu, pg_source, monkeypatch, caplog, capsys, scenario
):
    """The spec renames app-old to app-new (and keeps app-keep); something of the building half fails."""
    inject, raises, fragment = HOLD_BACK[case_id]
    caplog.set_level(logging.DEBUG)
    seed(emu, pg_source, "app-keep", "app-old")
    spec = [entry(pg_source, "app-keep"), entry(pg_source, "app-new")]
    inject({"emu": emu, "source": pg_source, "spec": spec, "monkeypatch": monkeypatch})
    ti = FakeTI()
    op = sync_op(spec, request_retry_limit=2, request_retry_delay=0.01)
    with pytest.raises(raises) as caught:
        op.execute({"ti": ti})
    message = str(caught.value)
    assert "held back" in message and "app-old" in message and "the next run after the fix deletes them" in message
    assert fragment in message, message
    if raises is AirflowException:
        assert not isinstance(caught.value, AirflowFailException)  # transient or unknown: a task retry may fix it
    assert "app-old" in names(emu)
    assert emu.requests_count("DELETE", "/v2/connections/*") == 0
    summary = ti.xcom["sync_summary"]
    assert summary["held_back"] == ["app-old"] and summary["deleted"] == []
    logged = caplog.text + capsys.readouterr().out
    assert leaks([SECRET, WRONG], message, json.dumps(ti.xcom), logged, repr(op)) == []
    scenario(
        area="sync safety",
        injected=f"prune: a spec renaming app-old to app-new; {case_id}",
        outcome=f"{type(caught.value).__name__}; app-old kept (0 DELETE), summary held_back=['app-old']",
        held_back=len(summary["held_back"]),
    )


def test_the_run_after_the_fix_converges(airflow_conn, emu, pg_source, scenario):
    seed(emu, pg_source, "app-old")
    emu.register_datasource_credentials(pg_source.host, pg_source.port, "etl", SECRET)
    with pytest.raises(AirflowFailException, match="held back"):
        sync_op([entry(pg_source, "app-new", password=WRONG)]).execute({"ti": FakeTI()})
    assert names(emu) == ["app-old"]
    summary = sync_op([entry(pg_source, "app-new")]).execute({"ti": FakeTI()})
    assert list(summary["created"]) == ["app-new"] and summary["deleted"] == ["app-old"]
    assert summary["held_back"] == [] and names(emu) == ["app-new"]
    scenario(
        area="sync safety",
        injected="rename refused by the live test, then the password fixed and the sync run again",
        outcome="first run: nothing deleted; second run: app-new created, then app-old deleted",
    )


def test_deletions_are_sent_after_every_create_and_update(airflow_conn, emu, pg_source, scenario):
    seed(emu, pg_source, "app-keep", "app-old-1", "app-old-2")
    spec = [
        entry(pg_source, "app-keep", database="moved"),
        entry(pg_source, "app-new-1"),
        entry(pg_source, "app-new-2"),
    ]
    summary = sync_op(spec, test=False, max_concurrency=4, max_delete_fraction=None).execute({"ti": FakeTI()})
    order = [e["method"] for e in emu.request_log() if e["method"] in ("POST", "PATCH", "DELETE")]
    assert order.index("DELETE") > max(i for i, m in enumerate(order) if m in ("POST", "PATCH"))
    assert summary["deleted"] == ["app-old-1", "app-old-2"] and names(emu) == ["app-keep", "app-new-1", "app-new-2"]
    scenario(
        area="sync safety",
        injected="prune: 2 creates, 1 update and 2 deletions in one plan, 4 writes in flight",
        outcome=f"request order {' '.join(order)}: every deletion after every create and update",
    )


# --- failure texts carry no value -------------------------------------------------------------------------------


def echoing(kind: str, values: list[str]) -> Callable[..., Any]:
    """A service whose error message quotes what it was sent (IBM's texts are its own: nothing forbids it)."""
    text = f"invalid value '{values[0]}' for property password (user {values[1]})"

    def fail(self: ConnectionsClient, *args: Any, **kwargs: Any) -> Any:
        if kind == "server":
            last = ServerError(503, text, code="service_unavailable", trace="trace-echo-5")
            raise RetriesExhaustedError("POST", "/v2/connections", 3, last)
        raise BadRequestError(400, text, code="invalid_property", trace="trace-echo-4", target="password")

    return fail


@pytest.mark.parametrize(
    ("method", "kind", "trace"),
    [
        pytest.param("create_checked_connection", "bad-request", "trace-echo-4", id="create-400-echoes-the-password"),
        pytest.param("update_connection", "bad-request", "trace-echo-4", id="update-400-echoes-the-password"),
        pytest.param("create_checked_connection", "server", "trace-echo-5", id="retries-exhausted-echo"),
    ],
)
def test_a_service_error_that_echoes_a_value_is_redacted_everywhere(
    method, kind, trace, airflow_conn, emu, pg_source, monkeypatch, caplog, capsys, scenario
):
    caplog.set_level(logging.DEBUG)
    password, username = f"Echo-Pw-{uuid.uuid4().hex[:8]}", f"echo-user-{uuid.uuid4().hex[:8]}"
    if method == "update_connection":
        seed(emu, pg_source, "app-a")
    monkeypatch.setattr(ConnectionsClient, method, echoing(kind, [password, username]))
    ti = FakeTI()
    op = sync_op([entry(pg_source, "app-a", password=password, username=username)], prune=False, test=False)
    with pytest.raises(AirflowException) as caught:
        op.execute({"ti": ti})
    failed = ti.xcom["sync_summary"]["failed"]["app-a"]
    assert trace in failed and "password" in failed and "***" in failed  # code, property, trace kept
    logged = caplog.text + capsys.readouterr().out
    assert leaks([password, username], str(caught.value), json.dumps(ti.xcom), logged, repr(op)) == []
    scenario(
        area="sync safety",
        injected=f"{method} fails with a service message quoting the submitted password and username ({kind})",
        outcome=f"summary XCom, exception and logs show the values as ***: {failed[:150]}",
    )


# --- plans show names as they are ------------------------------------------------------------------------------


def test_a_name_from_the_service_cannot_forge_a_plan_row(airflow_conn, emu, pg_source, capsys, scenario):
    forged = "app-x\ncreate  app-harmless  -   new postgresql"
    seed(emu, pg_source, forged, "app-y\u200b")
    summary = sync_op([entry(pg_source, "app-z")], dry_run=True, max_delete_fraction=None).execute({"ti": FakeTI()})
    logged = capsys.readouterr().out
    table = logged[logged.index("ACTION") :]
    rows = [line for line in table.splitlines() if line.startswith(("delete", "create", "update"))]
    assert [r.split()[0] for r in rows] == ["delete", "delete", "create"]  # no forged "create" row
    assert "'app-x\\ncreate  app-harmless" in table and "'app-y\\u200b'" in table
    assert sorted(summary["deleted"]) == sorted([forged, "app-y\u200b"])
    scenario(
        area="sync safety",
        injected="prune dry run; existing names hold a newline that spells a plan row, and a zero-width space",
        outcome="the plan table shows both escaped on their own rows: 2 delete rows, 1 create row",
    )


# --- the fingerprint Variable is one Airflow hides ------------------------------------------------------------


@pytest.mark.parametrize(
    "variable",
    [
        pytest.param("ibm_sync_fingerprints", id="no-sensitive-word"),
        pytest.param("sync_hmac_key", id="key-is-not-a-sensitive-word"),
        pytest.param("orders_sync_state", id="state"),
    ],
)
def test_a_fingerprint_variable_airflow_would_show_is_refused(
    variable, airflow_conn, emu, pg_source, no_writes, scenario
):
    op = sync_op([entry(pg_source, "app-a")], prune=False, secret_fingerprints=True, fingerprint_variable=variable)
    with pytest.raises(AirflowFailException) as caught:
        op.execute({"ti": FakeTI()})
    message = str(caught.value)
    assert f"fingerprint_variable {variable!r} is not a name Airflow hides" in message
    assert f"{variable}_secret" in message and "sensitive_var_conn_names" in message  # the fixes
    assert SECRET not in message and emu.requests_count() == 0 and no_writes() == 0
    scenario(
        area="sync safety",
        injected=f"fingerprint_variable={variable!r} (a name Airflow does not hide)",
        outcome="AirflowFailException before any request, naming the fix (a 'secret' name or sensitive_var_conn_names)",
    )
