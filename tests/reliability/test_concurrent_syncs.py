"""Two overlapping syncs of one spec against the emulator, interleaved on purpose: the older run (rendered
before a rotation) writes its secret last, the newer one saves its state last. The fingerprint state
must not claim the newer secret while the service holds the older one, and the next run must heal."""

from __future__ import annotations

import threading
from typing import Any

from airflow_connections_provider.client import Scope
from airflow_connections_provider.sync.fingerprints import FingerprintState, MemoryStore
from airflow_connections_provider.sync.runner import SyncRequest, run_sync
from tests.integration.conftest import pg_properties


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
