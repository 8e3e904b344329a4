"""Finding the connection an operator acts on, safely across task retries.

Airflow clears a task's XComs when it starts another try, so a try cannot read what an earlier one
recorded. What the earlier try did is read back from the service instead:

* A rename (``IBMUpdateConnectionOperator(connection_name="a", new_name="b")``) whose first try
  saved but failed before reporting leaves no connection named ``a``. A later try then takes the one
  connection named ``b`` when its visible properties match ``set_properties`` (same values as the
  planner compares them) and re-applies the changes, secrets included. Given by ``connection_id``,
  a rename is idempotent without any of this.
* A rename never lands on a name another connection already holds: that is checked before the write
  (the service would answer 409 too).
* A create adopts, on a later try, only what an earlier try of the same task instance may have
  created: :class:`CreateMarker` records "a create of this name was sent" in an Airflow Variable just
  before the POST, and removes it once the outcome is known (created, refused, or a lookup after a
  transient failure showed nothing was saved). A later try finding a connection of that name adopts it
  only while that record exists *and* its visible properties match; otherwise ``if_exists`` decides, so
  a connection someone else created between the tries is never taken over (its password never
  overwritten). The service's metadata cannot tell the two apart: another writer may use the same
  credentials, and its create time is another clock's.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

if TYPE_CHECKING:
    from airflow_connections_provider.client import Connection, ConnectionsClient, Scope

#: Prefix of the Airflow Variables recording a create in flight: one per task instance, removed when settled.
CREATE_MARKER_PREFIX = "ibm_connections_create_in_flight__"
RENAME_MARKER_PREFIX = "ibm_connections_rename_in_flight__"
#: Noted beside a record kept in this process: the record is also in an Airflow Variable.
IN_VARIABLE = "in_variable"
#: The same records, kept in this process too: the only place when Variables cannot be written.
LOCAL_MARKERS: dict[str, Any] = {}


def find_target(client: ConnectionsClient, scope: Scope, kind: str, ref: str) -> Connection:
    """The connection named by id or exact name; a clear error when there is none."""
    if kind == "connection_id":
        return client.get_connection(scope, ref)
    found = client.find_connection(scope, ref)
    if found is None:
        raise AirflowFailException(f"no connection is named exactly {ref!r} in {scope}")
    return found


def find_renamed(
    client: ConnectionsClient,
    scope: Scope,
    *,
    old_name: str,
    new_name: str,
    set_properties: Mapping[str, Any],
) -> Connection | None:
    """On a later try, the connection an earlier try renamed from ``old_name`` to ``new_name``, if provable."""
    if client.find_connection(scope, old_name) is not None:
        return None
    renamed = client.find_connection(scope, new_name)
    if renamed is None:
        return None
    dtype = client.get_datasource_type(renamed.datasource_type)
    return renamed if renamed.has_visible_properties(set_properties, dtype) else None


def check_rename(client: ConnectionsClient, scope: Scope, current: Connection, new_name: str) -> None:
    """Refuse a rename onto a name another connection holds (before anything is written)."""
    from airflow_connections_provider.client import AmbiguousNameError

    try:
        holder = client.find_connection(scope, new_name)
    except AmbiguousNameError as exc:
        ids = ", ".join(exc.ids)
        holder_text = f"{len(exc.ids)} connections ({ids})"
    else:
        if holder is None or holder.id == current.id:
            return
        holder_text = f"connection {holder.id}"
    raise AirflowFailException(
        f"cannot rename connection {current.name!r} (id {current.id}) to {new_name!r}: {holder_text} in {scope} "
        "already has that name; choose another name, or rename or delete that connection first"
    )


class CreateMarker:
    """Evidence, kept across a task's tries, that this task instance sent a create for ``name`` in ``scope``.

    Kept in an Airflow Variable named after the task instance (dag, task, run, map index): XComs are
    cleared between tries, Variables are not. Also kept in this process (:data:`LOCAL_MARKERS`), the
    only place when Variables cannot be written (an operator run outside a task runner, as in unit
    tests): it then serves only tries in the same process, and a try elsewhere simply finds no evidence
    and adopts nothing, the safe side. Every Variable access is best effort: a failure is logged, never
    raised.
    """

    PREFIX = CREATE_MARKER_PREFIX
    WHAT = "create"
    #: The recorded fields that must match for the evidence to count.
    MATCHED: tuple[str, ...] = ("scope", "name")

    def __init__(
        self,
        ti: Any,
        scope: Scope,
        name: str,
        log: logging.Logger | Any,
        local: MutableMapping[str, Any] | None = None,
    ) -> None:
        instance = [str(getattr(ti, attr, "")) for attr in ("dag_id", "task_id", "run_id", "map_index")]
        self.key = self.PREFIX + hashlib.sha256("\x1f".join(instance).encode()).hexdigest()[:24]
        self.value = {"scope": f"{scope.kind}:{scope.id}", "name": name, "task_instance": instance}
        self.local = LOCAL_MARKERS if local is None else local
        self.log = log
        self.in_variable = False

    def record(self) -> None:
        """Before the create is sent: from here on, a later try may find what it created."""
        self.local[self.key] = self.value
        try:
            from airflow.providers.common.compat.sdk import Variable

            Variable.set(self.key, self.value, description=f"{self.WHAT} in flight (airflow-connections-provider)",
                         serialize_json=True)  # fmt: skip
        except Exception as exc:  # noqa: BLE001 - Airflow's store: without it, a later try adopts nothing
            self.log.warning(
                "Could not record the %s of %r in Airflow Variable %s (%s): a retry in another process "
                "will not adopt what this try writes",
                self.WHAT,
                self.value["name"],
                self.key,
                type(exc).__name__,
            )
        else:
            self.in_variable = True
            # A later try in this same process (dag.test() runs retries in-process) finds the record here
            # first, and must still know to remove the Variable once the outcome is known.
            self.local[self.key] = {**self.value, IN_VARIABLE: True}

    def recorded(self) -> bool:
        """Did an earlier try of this task instance send a create of this name (and not settle it)?"""
        stored = self.local.get(self.key)
        if stored is not None:
            self.in_variable = bool(stored.get(IN_VARIABLE))
        else:
            try:
                from airflow.providers.common.compat.sdk import Variable

                stored = Variable.get(self.key, None, deserialize_json=True)
            except Exception as exc:  # noqa: BLE001 - unreadable evidence is no evidence
                self.log.warning("Could not read Airflow Variable %s (%s)", self.key, type(exc).__name__)
                stored = None
            self.in_variable = stored is not None
        return isinstance(stored, Mapping) and all(stored.get(k) == self.value[k] for k in self.MATCHED)

    def clear(self) -> None:
        """The create's outcome is known: remove the record."""
        self.local.pop(self.key, None)
        if not self.in_variable:
            return
        try:
            from airflow.providers.common.compat.sdk import Variable

            Variable.delete(self.key)
        except Exception as exc:  # noqa: BLE001 - a stale record only lets this same task adopt its own name
            self.log.warning("Could not remove Airflow Variable %s (%s)", self.key, type(exc).__name__)
        self.in_variable = False


class RenameMarker(CreateMarker):
    """Evidence, kept across a task's tries, that this task instance sent the rename of connection
    ``renamed_id`` to ``name`` in ``scope`` (kept and read as :class:`CreateMarker`). A retry that finds no
    connection of the old name and one of the new name adopts it only when that one is the connection
    recorded here: a connection someone else gave the name is never taken for it."""

    PREFIX = RENAME_MARKER_PREFIX
    WHAT = "rename"
    MATCHED = ("scope", "name", "renamed_id")

    def __init__(
        self,
        ti: Any,
        scope: Scope,
        new_name: str,
        renamed_id: str,
        log: logging.Logger | Any,
        local: MutableMapping[str, Any] | None = None,
    ) -> None:
        super().__init__(ti, scope, new_name, log, local)
        self.value["renamed_id"] = renamed_id


def settle_failed_create(client: ConnectionsClient, scope: Scope, marker: CreateMarker, exc: BaseException) -> None:
    """After a create failed: keep the marker only while the create may have been saved.

    A permanent failure saved nothing for this task. After a transient one (retries ran out) one lookup
    decides: no connection of the name means nothing was saved; one, or a failed lookup, keeps the record.
    """
    from airflow_connections_provider.client import ConnectionsClientError, is_permanent

    if is_permanent(exc):
        marker.clear()
        return
    try:
        found = client.find_connection(scope, str(marker.value["name"]))
    except ConnectionsClientError:
        return
    if found is None:
        marker.clear()
