"""Secret fingerprints: how a sync knows a declared secret changed without reading it back or storing it.

The service never returns secret values, so a sync cannot compare them. Instead it remembers, per
connection id and property, ``HMAC-SHA256(key, value)`` of what it last applied. The key is random,
made on first use and kept beside the fingerprints in an Airflow Variable whose name contains
"secret" (so Airflow hides its value in the UI; Variables are also encrypted at rest when a Fernet
key is set). A fingerprint reveals nothing usable about a strong secret; anyone able to read the
Variable can already read the secrets backend the spec renders from.

A connection recreated out of band gets a new id, hence no fingerprint, hence its secrets are sent.
A secret changed out of band in IBM's UI is not detected: run once with ``rewrite_secrets=True``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Mapping
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


class FingerprintStore(Protocol):
    def load(self) -> FingerprintState: ...

    def save(self, state: FingerprintState) -> None: ...


class MemoryStore:
    """Keeps state in the process: for tests, and for callers of ``run_sync`` outside Airflow."""

    def __init__(self) -> None:
        self.state = FingerprintState()

    def load(self) -> FingerprintState:
        return self.state

    def save(self, state: FingerprintState) -> None:
        self.state = state


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
