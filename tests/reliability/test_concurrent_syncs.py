"""Two overlapping syncs of one spec against the emulator, interleaved on purpose: the older run (rendered
before a rotation) writes its secret last, the newer one saves its state last. The fingerprint state
must not claim the newer secret while the service holds the older one, and the next run must heal."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from airflow_connections_provider.client import ConnectionsClient, Scope
from airflow_connections_provider.sync.fingerprints import FingerprintState, MemoryStore
from airflow_connections_provider.sync.runner import SyncRequest, run_sync
from tests.integration.conftest import pg_properties
from tests.reliability.conftest import writes


class GatedStore:
    """A view of a shared store that pauses one run at chosen calls (1 = the load before planning,
    2 = the reload when saving), so two runs interleave exactly as a test wants."""

    def __init__(self, shared: MemoryStore, gates: dict[int, tuple[threading.Event | None, threading.Event | None]]):
        self.shared = shared
        self.gates = gates
        self.loads = 0

    def load(self) -> FingerprintState:
        self.loads += 1
        signal, wait = self.gates.get(self.loads, (None, None))
        if signal is not None:
            signal.set()
        if wait is not None:
            assert wait.wait(30)
        return self.shared.load()

    def save(self, state: FingerprintState) -> None:
        self.shared.save(state)


def spec(source: Any, password: str) -> list[dict[str, Any]]:
    return [
        {"name": f"app-{i}", "datasource_type": "postgresql", "properties": pg_properties(source, password=password)}
        for i in range(3)
    ]


def stored_passwords(emu: Any) -> dict[str, str]:
    return {c["entity"]["name"]: c["entity"]["properties"]["password"] for c in emu.stored_connections("sales")}


def test_interleaved_syncs_never_leave_a_false_fingerprint(client, emu, pg_source, scenario):
    scope = Scope.project(emu.project_id("sales"))
    shared = MemoryStore()
    request = {"managed_prefix": "app-", "test": False}
    run_sync(client, scope, SyncRequest(spec=spec(pg_source, "pw-initial-0"), **request), store=shared)

    b_applied, a_saved = threading.Event(), threading.Event()
    # Run A (older, rendered before the rotation): plans only after B has written, writes last, saves first.
    store_a = GatedStore(shared, {1: (None, b_applied)})
    # Run B (newer): writes first, then waits for A to save before it saves.
    store_b = GatedStore(shared, {2: (b_applied, a_saved)})
    results: dict[str, Any] = {}

    def run(label: str, password: str, store: GatedStore) -> None:
        results[label] = run_sync(client, scope, SyncRequest(spec=spec(pg_source, password), **request), store=store)
        if label == "A":
            a_saved.set()

    older = threading.Thread(target=run, args=("A", "pw-older-1", store_a))
    newer = threading.Thread(target=run, args=("B", "pw-newer-2", store_b))
    older.start()
    newer.start()
    older.join(60)
    newer.join(60)

    service = stored_passwords(emu)
    state = shared.load()
    assert set(service.values()) == {"pw-older-1"}  # A wrote last: the service holds the older secret
    false_claims = [
        name for name in results["B"]["updated"] if not state.changed(_id_of(emu, name), "password", "pw-newer-2")
    ]
    assert false_claims == []  # the state never says "pw-newer-2 is applied"

    healed = run_sync(client, scope, SyncRequest(spec=spec(pg_source, "pw-newer-2"), **request), store=shared)
    assert set(stored_passwords(emu).values()) == {"pw-newer-2"}
    assert sorted(healed["updated"]) == ["app-0", "app-1", "app-2"]
    scenario(
        area="concurrency",
        injected="two syncs of one spec interleaved: the older writes its secret last, the newer saves state last",
        outcome="state kept no fingerprint it could not vouch for; the next run re-sent the current secret to "
        f"{len(healed['updated'])} connections and converged",
    )


def _id_of(emu: Any, name: str) -> str:
    return next(c["metadata"]["asset_id"] for c in emu.stored_connections("sales") if c["entity"]["name"] == name)


@pytest.mark.parametrize("runs", [2, 3], ids=["two-runs", "three-runs"])
def test_overlapping_syncs_that_create_the_same_names_converge(
    runs, make_client, emu, pg_source, monkeypatch, scenario
):
    """Every run lists the project before any of them creates: all plan the same creates, one wins each
    name, the others get 409 for it. A 409 is a concurrent writer: re-read, converge, succeed."""
    scope = Scope.project(emu.project_id("sales"))
    listed = threading.Barrier(runs, timeout=30)
    real_list = ConnectionsClient.list_connections

    def list_then_wait(self: ConnectionsClient, scope: Scope, **filters: Any) -> Any:
        found = real_list(self, scope, **filters)
        listed.wait()
        return found

    monkeypatch.setattr(ConnectionsClient, "list_connections", list_then_wait)
    shared = MemoryStore()
    results: dict[int, Any] = {}

    def run(label: int) -> None:
        try:
            request = SyncRequest(spec=spec(pg_source, "pw-same-1"), managed_prefix="app-", test=False)
            results[label] = run_sync(make_client(), scope, request, store=shared)
        except Exception as exc:
            results[label] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(runs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    summaries = list(results.values())
    assert all(isinstance(s, dict) and s["failed"] == {} for s in summaries), summaries
    assert sorted(c["entity"]["name"] for c in emu.stored_connections("sales")) == ["app-0", "app-1", "app-2"]
    assert set(stored_passwords(emu).values()) == {"pw-same-1"}
    created = sorted(name for s in summaries for name in s["created"])
    converged = sorted(name for s in summaries for name in s["updated"])
    assert created == ["app-0", "app-1", "app-2"]  # each name created once, by whichever run won it
    assert len(converged) == 3 * (runs - 1)
    monkeypatch.setattr(ConnectionsClient, "list_connections", real_list)
    before = writes(emu)
    again = run_sync(
        make_client(), scope, SyncRequest(spec=spec(pg_source, "pw-same-1"), managed_prefix="app-"), store=shared
    )
    assert sorted(again["unchanged"]) == ["app-0", "app-1", "app-2"] and writes(emu) == before
    scenario(
        area="concurrency",
        injected=f"{runs} overlapping syncs of one spec, all listing before any creates (3 names)",
        outcome=f"every run succeeded: 3 created once each, {len(converged)} 409s converged as updates; "
        "the next run wrote nothing",
    )
