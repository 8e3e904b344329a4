"""What a sync can honestly say about a declared secret, without ever showing it.

Two sources of knowledge, and only two:

* **The service's reply.** IBM's recorded replies carry secret values in clear (connections with
  shared credentials); other deployments omit them or send a placeholder. A value that came back and
  is not a placeholder (:func:`is_placeholder`) is compared with the spec's: ``changed`` or
  ``unchanged``, basis ``read back``. This is the only way an edit made in IBM's UI can be seen.
* **The fingerprint of what this sync last applied** (:mod:`.fingerprints`). When nothing readable
  came back, the spec's value is compared with the fingerprint recorded for this connection and
  property: ``changed`` (the spec moved on since the last apply) or ``unchanged``, basis
  ``fingerprint``. It cannot see an edit made in IBM's UI: the basis says so.

Neither: ``unknown``. The spec's value itself not available (the console script rendering a spec
outside Airflow without the ``AIRFLOW_CONN_*``/``AIRFLOW_VAR_*`` it names): ``not compared``. A status
and its basis are names only; no value, fingerprint or length ever leaves this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from airflow_connections_provider.client import Connection, normalise_property_value
from airflow_connections_provider.sync.fingerprints import FingerprintState

SecretStatus = Literal["changed", "unchanged", "unknown", "not compared"]
Basis = Literal["read back", "fingerprint"]

#: Characters a masked stand-in is made of ("********", "••••"): such a reply says nothing about the value.
PLACEHOLDER_CHARACTERS = frozenset("*•●")


@dataclass(frozen=True, slots=True)
class SecretCheck:
    status: SecretStatus
    basis: Basis | None = None

    @property
    def known(self) -> bool:
        return self.status in ("changed", "unchanged")

    def describe(self) -> str:
        """``changed (read back)``, ``unknown``: what the diff shows."""
        return f"{self.status} ({self.basis})" if self.basis else self.status

    def to_json(self) -> dict[str, str | None]:
        return {"status": self.status, "basis": self.basis}


NOT_COMPARED = SecretCheck("not compared")
UNKNOWN = SecretCheck("unknown")


def is_placeholder(value: Any) -> bool:
    """A reply value that is no value: absent, empty, or only mask characters."""
    if value is None:
        return True
    if isinstance(value, str):
        text = value.strip()
        return not text or set(text) <= PLACEHOLDER_CHARACTERS
    return False


def check_secret(
    prop: str,
    wanted: Any,
    current: Connection,
    *,
    fingerprints: FingerprintState | None,
    kind: str | None = None,
) -> SecretCheck:
    """The status of secret ``prop`` of ``current`` against the spec's ``wanted`` value."""
    returned = current.properties.get(prop)
    if not is_placeholder(returned):
        same = normalise_property_value(returned, kind) == normalise_property_value(wanted, kind)
        return SecretCheck("unchanged" if same else "changed", "read back")
    if fingerprints is None or prop not in fingerprints.connections.get(current.id, {}):
        return UNKNOWN
    return SecretCheck("changed" if fingerprints.changed(current.id, prop, wanted) else "unchanged", "fingerprint")
