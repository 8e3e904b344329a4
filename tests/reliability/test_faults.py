"""Fault regressions: what already held up stays held up. Each scenario injects faults into a real
emulator over loopback and checks the end state — every connection exactly once, nothing lost — and
records what it observed (faults injected, task tries needed, requests sent)."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_connections_provider.emulator import EmulatorHandle, EmulatorServer, EmulatorSettings, run_emulator
from airflow_connections_provider.operators.ibm import IBMSyncConnectionsOperator
from tests.integration.conftest import SECRET, pg_properties
from tests.support.datasources import TcpDataSource, free_port
from tests.support.task_fixtures import FakeTI

FAULT_KINDS = ["500", "502", "503", "429", "drop"]


def point_airflow_at(handle: EmulatorHandle, monkeypatch: pytest.MonkeyPatch, project: str = "sales") -> None:
    conn = {
        "conn_type": "ibmdataplatform",
        "host": handle.url,
        "password": handle.api_key,
        "extra": {"auth_type": "iam_api_key", "iam_url": handle.url, "project": project},
    }
    monkeypatch.setenv("AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT", json.dumps(conn))


def spec(source: TcpDataSource, count: int, *, database: str = "orders") -> list[dict[str, Any]]:
    return [
        {
            "name": f"app-{i:03d}",
            "datasource_type": "postgresql",
            "properties": pg_properties(source, database=database),
        }
        for i in range(count)
    ]


def sync_until_converged(the_spec: list[dict[str, Any]], *, max_tries: int = 4, **kwargs: Any) -> tuple[int, Any]:
    """Run the sync as Airflow would, a new try after each retryable failure; ``(tries, last summary)``."""
    options = {
        "task_id": "sync",
        "spec": the_spec,
        "managed_prefix": "app-",
        "secret_fingerprints": False,
        "max_concurrency": 8,
        "request_retry_limit": 11,
        "request_retry_delay": 0.01,
        "request_max_retry_wait": 0.1,
        **kwargs,
    }
    for attempt in range(1, max_tries + 1):
        try:
            return attempt, IBMSyncConnectionsOperator(**options).execute({"ti": FakeTI(try_number=attempt)})
        except AirflowFailException:
            raise
        except AirflowException:
            if attempt == max_tries:
                raise
    raise AssertionError("unreachable")


def names_stored(handle: EmulatorHandle, project: str = "sales") -> Counter[str]:
    return Counter(c["entity"]["name"] for c in handle.stored_connections(project))


def faults_seen(handle: EmulatorHandle) -> int:
    return sum(1 for entry in handle.request_log() if entry.get("fault"))


@pytest.mark.parametrize("rate", [pytest.param(0.2, id="20-percent"), pytest.param(0.4, id="40-percent")])
def test_sync_under_random_faults_converges_without_duplicates(monkeypatch, pg_source, scenario, rate):
    count = 60
    with run_emulator(projects=["sales"], fault_rate=rate, fault_seed=11, fault_kinds=FAULT_KINDS) as chaos:
        point_airflow_at(chaos, monkeypatch)
        tries, _ = sync_until_converged(spec(pg_source, count))
        injected = faults_seen(chaos)
        stored = names_stored(chaos)
        chaos.set_faults(fault_rate=0.0)
        _, again = sync_until_converged(spec(pg_source, count))
    assert sorted(stored) == [f"app-{i:03d}" for i in range(count)]  # none lost
    assert set(stored.values()) == {1}  # none twice
    assert again["created"] == {} and again["updated"] == {}  # a clean re-run finds nothing to do
    assert injected >= count * rate / 2  # the chaos really happened
    scenario(
        area="faults",
        injected=f"{count}-connection sync, {rate:.0%} of replies faulted ({', '.join(FAULT_KINDS)})",
        outcome=f"converged in {tries} task tr{'y' if tries == 1 else 'ies'}: {len(stored)} stored, 0 duplicates, "
        "0 lost; clean re-run: nothing to do",
        faults_injected=injected,
        duplicates=sum(v - 1 for v in stored.values()),
    )


def test_dropped_replies_after_saving_never_duplicate(airflow_conn, emu, pg_source, scenario):
    emu.script_fault("POST", "/v2/connections", kind="drop", count=4, when="after")
    emu.script_fault("PATCH", "/v2/connections/*", kind="drop", count=2, when="after")
    emu.create_connection("app-001", "postgresql", pg_properties(pg_source, database="old"), project="sales")
    tries, summary = sync_until_converged(spec(pg_source, 8))
    stored = names_stored(emu)
    assert set(stored.values()) == {1} and len(stored) == 8
    assert summary["updated"] == {"app-001": ["properties.database"]} or tries > 1  # password read back equal
    scenario(
        area="faults",
        injected="replies dropped after the service saved: 4 creates, 2 updates",
        outcome=f"8 connections, each once, after {tries} task tr{'y' if tries == 1 else 'ies'}",
        posts_sent=emu.requests_count("POST", "/v2/connections"),
    )


def test_revoked_tokens_mid_run_reauthenticate_once(client, emu, pg_source, scenario):
    """One client (one token) across two syncs; every token is revoked in between: the first request
    of the second run is refused (401), the token is renewed once for all writers, and the run lands."""
    from airflow_connections_provider.client import Scope
    from airflow_connections_provider.sync.runner import SyncRequest, run_sync

    scope = Scope.project(emu.project_id("sales"))
    request = {"managed_prefix": "app-", "test": False, "max_concurrency": 4}
    run_sync(client, scope, SyncRequest(spec=spec(pg_source, 10), **request))
    tokens_before = emu.requests_count("POST", "/identity/token")
    revoked = emu.revoke_tokens()
    summary = run_sync(client, scope, SyncRequest(spec=spec(pg_source, 10, database="moved"), **request))
    refused = sum(1 for e in emu.request_log() if e["status"] == 401)
    exchanges = emu.requests_count("POST", "/identity/token") - tokens_before
    assert revoked >= 1 and refused >= 1  # the revocation really bit
    assert exchanges == 1  # one new token for the whole pool of writers
    assert len(summary["updated"]) == 10 and summary["failed"] == {}
    scenario(
        area="faults",
        injected="every token revoked between two syncs sharing one client",
        outcome=f"{refused} request(s) answered 401, {exchanges} new token, 10 updates applied, nothing failed",
    )


def test_short_lived_tokens_are_renewed_during_a_sync(monkeypatch, pg_source, scenario):
    with run_emulator(projects=["sales"], token_ttl=2, latency_ms=40) as short:
        point_airflow_at(short, monkeypatch)
        tries, summary = sync_until_converged(spec(pg_source, 30), max_concurrency=2)
        exchanges = short.requests_count("POST", "/identity/token")
        refused = sum(1 for e in short.request_log() if e["status"] == 401)
    assert len(summary["created"]) == 30 and tries == 1
    assert exchanges >= 2  # the sync outlived a token
    scenario(
        area="faults",
        injected="tokens valid for 2 s, 40 ms latency, a sync longer than a token's life",
        outcome=f"30 created in one try; {exchanges} token exchanges, {refused} request(s) answered 401",
    )


def test_rate_limit_is_honoured_and_the_sync_converges(monkeypatch, pg_source, scenario):
    with run_emulator(projects=["sales"], rate_limit=30) as limited:
        point_airflow_at(limited, monkeypatch)
        tries, summary = sync_until_converged(spec(pg_source, 30))
        limited_count = sum(1 for e in limited.request_log() if e["status"] == 429)
        stored = names_stored(limited)
    assert len(summary["created"]) == 30 and set(stored.values()) == {1}
    assert limited_count > 0
    scenario(
        area="faults",
        injected="rate limit of 30 requests/s per token",
        outcome=f"{limited_count} request(s) answered 429 and retried; 30 created once each in {tries} try",
    )


def test_emulator_restarted_mid_sync(monkeypatch, pg_source, scenario):
    """The service goes away for half a second in the middle of the writes and comes back (same state)."""
    server = EmulatorServer(EmulatorSettings(projects=("sales",), port=free_port(), latency_ms=20))
    server.start()
    handle = EmulatorHandle(server)
    try:
        point_airflow_at(handle, monkeypatch)
        restarted = threading.Event()

        def restart_after_some_writes() -> None:
            deadline = time.monotonic() + 30
            while handle.requests_count("POST", "/v2/connections") < 10 and time.monotonic() < deadline:
                time.sleep(0.01)
            server.stop()
            time.sleep(0.5)
            server.start()
            restarted.set()

        watcher = threading.Thread(target=restart_after_some_writes)
        watcher.start()
        tries, _ = sync_until_converged(spec(pg_source, 40), max_concurrency=4, request_max_retry_wait=0.3)
        watcher.join()
        stored = names_stored(handle)
        _, again = sync_until_converged(spec(pg_source, 40))
    finally:
        server.stop()
    assert restarted.is_set()
    assert len(stored) == 40 and set(stored.values()) == {1}
    assert again["created"] == {} and again["updated"] == {}
    scenario(
        area="faults",
        injected="emulator stopped for 0.5 s after 10 of 40 creates, then started again on the same port",
        outcome=f"40 stored once each after {tries} task tr{'y' if tries == 1 else 'ies'}; re-run: nothing to do",
    )


def test_one_unexpected_error_does_not_abort_the_others(airflow_conn, emu, pg_source, monkeypatch, scenario):
    """A bug-shaped failure in one write (not a client error) still lets every other write land."""
    from airflow_connections_provider.client import ConnectionsClient

    real_create = ConnectionsClient.create_checked_connection

    def flaky_create(self, scope, new, **kwargs):
        if new.name == "app-003":
            raise TypeError("simulated bug in one entry")
        return real_create(self, scope, new, **kwargs)

    monkeypatch.setattr(ConnectionsClient, "create_checked_connection", flaky_create)
    context = {"ti": FakeTI()}
    op = IBMSyncConnectionsOperator(
        task_id="sync", spec=spec(pg_source, 6), managed_prefix="app-", secret_fingerprints=False
    )
    with pytest.raises(AirflowException, match=r"1 connection\(s\) failed to sync \(app-003: unexpected TypeError"):
        op.execute(context)
    summary = context["ti"].xcom["sync_summary"]
    assert sorted(summary["created"]) == ["app-000", "app-001", "app-002", "app-004", "app-005"]
    assert SECRET not in json.dumps(summary)
    scenario(
        area="faults",
        injected="one entry of six raises an unexpected TypeError while applying",
        outcome="the other five created; the summary (XCom sync_summary) names the failed entry by type only",
    )
