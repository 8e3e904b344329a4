"""Two syncs of one spec racing on the fingerprint Variable: the state never claims a secret the service lacks.

Every interleaving of two runs (load state → write the secret → save state, each in that order) is
played against a fake service and a shared store; afterwards a fingerprint, when one is kept, must be
that of the secret the service holds.
"""

from __future__ import annotations

import itertools

import pytest

from airflow_connections_provider.sync.fingerprints import Baseline, FingerprintState, MemoryStore, merge

CID = "conn-1"


def interleavings() -> list[tuple[str, ...]]:
    steps = ["A1", "A2", "A3", "B1", "B2", "B3"]
    orders = set()
    for perm in itertools.permutations(steps):
        if all(perm.index(f"{r}1") < perm.index(f"{r}2") < perm.index(f"{r}3") for r in "AB"):
            orders.add(perm)
    return sorted(orders)


def consistent(store: MemoryStore, service_secret: str) -> bool:
    state = store.load()
    known = state.connections.get(CID, {}).get("password")
    return known is None or known == state.fingerprint(service_secret)


@pytest.mark.parametrize("order", [pytest.param(o, id="-".join(o)) for o in interleavings()])
@pytest.mark.parametrize("seeded", [pytest.param(True, id="state-existed"), pytest.param(False, id="first-run")])
def test_no_interleaving_leaves_a_false_fingerprint(order, seeded):
    store = MemoryStore()
    if seeded:
        seed = store.load()
        seed.remember(CID, {"password": "older-secret"})
        store.save(seed)
    service = {"secret": "older-secret"}
    sends = {"A": "old-secret-before-rotation", "B": "new-secret-after-rotation"}
    baselines: dict[str, Baseline] = {}
    for step in order:
        run, phase = step[0], step[1]
        if phase == "1":
            baselines[run] = Baseline.of(store.load())
        elif phase == "2":
            service["secret"] = sends[run]
        else:
            fresh = store.load()
            merge(fresh, baselines[run], applied={CID: {"password": sends[run]}})
            store.save(fresh)
    assert consistent(store, service["secret"]), order


def test_without_a_race_the_fingerprint_is_kept():
    store = MemoryStore()
    for secret in ("first-secret", "second-secret"):
        baseline = Baseline.of(store.load())
        fresh = store.load()
        assert merge(fresh, baseline, applied={CID: {"password": secret}}) == []
        store.save(fresh)
        assert not store.load().changed(CID, "password", secret)


def test_a_run_keeps_what_another_saved_for_other_connections():
    """The old save wrote the whole state it loaded, erasing the other run's entries."""
    store = MemoryStore()
    a, b = Baseline.of(store.load()), Baseline.of(store.load())
    fresh = store.load()
    merge(fresh, a, applied={"conn-a": {"password": "secret-a"}}, created=["conn-a"])
    store.save(fresh)
    fresh = store.load()
    merge(fresh, b, applied={"conn-b": {"password": "secret-b"}}, created=["conn-b"])
    store.save(fresh)
    state = store.load()
    assert not state.changed("conn-a", "password", "secret-a")
    assert not state.changed("conn-b", "password", "secret-b")


def test_deleted_connections_are_forgotten():
    store = MemoryStore()
    state = store.load()
    state.remember(CID, {"password": "x-secret"})
    store.save(state)
    fresh = store.load()
    merge(fresh, Baseline.of(state), applied={}, deleted=[CID])
    assert CID not in fresh.connections


def test_baseline_repr_hides_the_key():
    state = FingerprintState()
    assert repr(state.key) not in repr(Baseline.of(state))
