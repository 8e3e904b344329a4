"""Secret fingerprints: how a sync knows a declared secret changed without reading it back or storing it.

The service never returns secret values, so a sync cannot compare them. Instead it remembers, per
connection id and property, ``HMAC-SHA256(key, value)`` of what it last applied. The key is random,
made on first use and kept beside the fingerprints in an Airflow Variable whose name contains
"secret" (so Airflow hides its value in the UI; Variables are also encrypted at rest when a Fernet
key is set). A fingerprint reveals nothing usable about a strong secret; anyone able to read the
Variable can already read the secrets backend the spec renders from.

A connection recreated out of band gets a new id, hence no fingerprint, hence its secrets are sent.
A secret changed out of band in IBM's UI is seen only where the service returns secrets
(``secret_status``); elsewhere it is not detected: run once with ``rewrite_secrets=True``.

Concurrent runs of the same spec (overlapping DAG runs, a manual trigger during a scheduled run)
never overwrite each other's state wholesale: at save time the state is read again and merged per
connection and property (:func:`merge`). A fingerprint this run wrote is kept only when nobody else
changed that entry since this run loaded it; when another run did, neither can know whose write
reached the service last, so the entry is dropped and the next run sends that secret again. The
state can therefore never claim a secret the service may not hold — except when two runs save in the
same instant (an Airflow Variable has no compare-and-set): serialise syncs of one spec with
``max_active_runs=1`` or a one-slot pool when that matters, or run once with ``rewrite_secrets=True``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

FORMAT_VERSION = 1


@dataclass
class FingerprintState:
    key: bytes = field(default_factory=lambda: secrets.token_bytes(32), repr=False)
    connections: dict[str, dict[str, str]] = field(default_factory=dict)

    def fingerprint(self, value: Any) -> str:
        return hmac.new(self.key, str(value).encode(), hashlib.sha256).hexdigest()[:32]

    def changed(self, connection_id: str, prop: str, value: Any) -> bool:
        known = self.connections.get(connection_id, {}).get(prop)
        return known is None or not hmac.compare_digest(known, self.fingerprint(value))

    def remember(self, connection_id: str, secrets_applied: Mapping[str, Any]) -> None:
        entry = self.connections.setdefault(connection_id, {})
        entry.update({prop: self.fingerprint(value) for prop, value in secrets_applied.items()})

    def forget(self, connection_id: str) -> None:
        self.connections.pop(connection_id, None)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "key": base64.b64encode(self.key).decode(),
            "connections": self.connections,
        }

    @classmethod
    def from_json(cls, data: Any) -> FingerprintState:
        if not isinstance(data, Mapping) or data.get("version") != FORMAT_VERSION:
            return cls()  # unknown or damaged state: start afresh, which only means secrets are sent once more
        try:
            key = base64.b64decode(str(data["key"]))
        except (KeyError, ValueError):
            return cls()
        conns = data.get("connections")
        if not isinstance(conns, Mapping):
            conns = {}
        return cls(key=key, connections={str(k): dict(v) for k, v in conns.items() if isinstance(v, Mapping)})


@dataclass(frozen=True)
class Baseline:
    """What a run loaded: the entries it planned against, and the key they were made with."""

    key: bytes = field(repr=False)
    connections: Mapping[str, Mapping[str, str]]

    @classmethod
    def of(cls, state: FingerprintState) -> Baseline:
        return cls(state.key, {cid: dict(entry) for cid, entry in state.connections.items()})


def merge(
    fresh: FingerprintState,
    baseline: Baseline,
    *,
    applied: Mapping[str, Mapping[str, Any]],
    created: Iterable[str] = (),
    deleted: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """Fold this run's writes into ``fresh`` (the state as stored now); returns the dropped entries.

    ``applied`` maps a connection id to the secret values this run sent to it; ``created`` and
    ``deleted`` are the ids this run created and deleted.
    """
    if not fresh.connections and fresh.key != baseline.key:
        fresh.key = baseline.key  # nothing stored yet: our key is as good as a new one
    same_key = fresh.key == baseline.key
    dropped: list[tuple[str, str]] = []
    for cid in deleted:
        fresh.forget(cid)
    created_ids = set(created)
    for cid, secrets_sent in applied.items():
        if cid in created_ids:
            fresh.connections[cid] = {prop: fresh.fingerprint(value) for prop, value in secrets_sent.items()}
            continue
        entry = fresh.connections.setdefault(cid, {})
        before = baseline.connections.get(cid, {})
        for prop, value in secrets_sent.items():
            ours = fresh.fingerprint(value)
            now = entry.get(prop)
            if now == ours or (same_key and now == before.get(prop)):
                entry[prop] = ours
            else:  # another run changed this entry meanwhile: whose secret the service holds is unknown
                entry.pop(prop, None)
                dropped.append((cid, prop))
        if not entry:
            del fresh.connections[cid]
    return dropped


class FingerprintStore(Protocol):
    def load(self) -> FingerprintState: ...

    def save(self, state: FingerprintState) -> None: ...


class MemoryStore:
    """Keeps state in the process: for tests, and for callers of ``run_sync`` outside Airflow."""

    def __init__(self) -> None:
        self.state = FingerprintState()

    def load(self) -> FingerprintState:
        # A copy, as a Variable would give: two runs sharing this store must not share one object.
        return FingerprintState.from_json(self.state.to_json())

    def save(self, state: FingerprintState) -> None:
        self.state = FingerprintState.from_json(state.to_json())


class VariableStore:
    """State in one Airflow Variable (JSON)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def load(self) -> FingerprintState:
        from airflow.providers.common.compat.sdk import Variable

        # The default is positional: Airflow 2.x names it default_var, 3.x default.
        return FingerprintState.from_json(Variable.get(self.name, None, deserialize_json=True))

    def save(self, state: FingerprintState) -> None:
        from airflow.providers.common.compat.sdk import Variable

        Variable.set(self.name, state.to_json(), serialize_json=True)


def default_variable_name(scope_id: str, managed_prefix: str | None) -> str:
    suffix = hashlib.sha256((managed_prefix or "").encode()).hexdigest()[:8] if managed_prefix else "all"
    return f"ibm_connections_sync_secret_fingerprints__{scope_id}__{suffix}"
