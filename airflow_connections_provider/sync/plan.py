"""The sync planner: desired connections + one listing of actual ones → what to create, update, delete.

Pure: no I/O. Rules, in the order a reader would ask them:

* Entries are matched to existing connections by exact name. A name held by several existing
  connections, or an existing connection of another datasource type, is a conflict: the whole plan is
  refused before any write, every conflict listed.
* Only what an entry declares is managed: its ``description`` when given, and the properties it lists.
  Properties the service added or someone else set are left alone, so a plan never churns on defaults.
* Visible properties are compared through the client's one normalisation of property values
  (``5432`` equals ``"5432"``, ``"true"`` equals ``True`` for a boolean property). Secret properties are
  judged by :mod:`.secret_status`: compared with the value the service returned when it returned one,
  else with the fingerprint recorded at the last apply (see ``fingerprints``). A secret is sent when
  the connection is created, when ``rewrite_secrets`` is set, when it is known to have changed, and
  when it is unknown while fingerprint state is kept (this sync has not applied it here yet). Without
  fingerprint state an unknown secret is sent only alongside another change of the same connection.
* A vault reference (``{"vault_secret": "<urn>"}``) is compared as a reference, even for a secret
  property: unchanged when the stored property is vaulted with the same URN, else sent. It is never
  resolved, masked or fingerprinted (it names a secret, it is not one).
* Flags, when an entry declares them, are set on create; an existing connection with other flags is a
  conflict (IBM documents no way to change flags).
* A value the spec could not give (:attr:`DesiredConnection.unavailable`: the console script outside
  Airflow without the variable the spec names) is never compared and never sent.
* With ``prune``, connections whose name starts with ``managed_prefix`` and that no entry names are
  deleted; nothing outside that prefix is ever deleted.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from airflow_connections_provider.client import (
    Connection,
    ConnectionChanges,
    InvalidInputError,
)
from airflow_connections_provider.client.vault import as_reference
from airflow_connections_provider.sync.fingerprints import FingerprintState
from airflow_connections_provider.sync.secret_status import NOT_COMPARED, SecretCheck, check_secret
from airflow_connections_provider.sync.spec import DesiredConnection

ActionKind = Literal["create", "update", "delete", "unchanged"]


@dataclass(frozen=True, slots=True)
class PlannedAction:
    kind: ActionKind
    name: str
    connection_id: str | None = None
    changed_fields: tuple[str, ...] = ()
    desired: DesiredConnection | None = field(default=None, repr=False)
    changes: ConnectionChanges | None = field(default=None, repr=False)
    current: Connection | None = field(default=None, repr=False)
    #: Per declared secret property of a compared connection: what is known of it (names only).
    secrets: Mapping[str, SecretCheck] = field(default_factory=dict)

    def describe(self) -> str:
        """One log line, safe to print: names and field names only."""
        if self.kind == "create":
            assert self.desired is not None
            return f"create {self.name!r} ({self.desired.datasource_type.name})"
        if self.kind == "update":
            return f"update {self.name!r} (id {self.connection_id}): {', '.join(self.changed_fields)}"
        if self.kind == "delete":
            return f"delete {self.name!r} (id {self.connection_id})"
        return f"unchanged {self.name!r} (id {self.connection_id})"


@dataclass(frozen=True, slots=True)
class Plan:
    actions: tuple[PlannedAction, ...]

    def of(self, kind: ActionKind) -> list[PlannedAction]:
        return [a for a in self.actions if a.kind == kind]

    @property
    def writes(self) -> list[PlannedAction]:
        return [a for a in self.actions if a.kind != "unchanged"]

    def counts(self) -> dict[str, int]:
        return {kind: len(self.of(kind)) for kind in ("create", "update", "delete", "unchanged")}

    def table(self) -> str:
        """The writes as a table, deletions first (what a reviewer must see before anything else).

        Names, ids and field names only: never a value.
        """
        rows = [("ACTION", "NAME", "ID", "CHANGES")]
        for kind in WRITE_ORDER:
            for action in sorted(self.of(kind), key=lambda a: a.name):
                changes = ", ".join(action.changed_fields)
                if kind == "create" and action.desired is not None:
                    changes = f"new {action.desired.datasource_type.name}"
                rows.append((kind, shown(action.name), shown(action.connection_id or "-"), changes or "-"))
        if len(rows) == 1:
            return "(no changes)"
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        return "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True)) + "  " + row[3]
            for row in rows
        )


def shown(text: str) -> str:
    """``text`` as one visible line: escaped (``'a\\nb'``) when it holds anything unprintable, so a
    name from the service with a newline or a zero-width space cannot forge or hide a row."""
    return text if text.isprintable() else repr(text)


#: The order in which a plan is shown: the destructive part first.
WRITE_ORDER: tuple[ActionKind, ...] = ("delete", "create", "update")


@dataclass(frozen=True, slots=True)
class Comparison:
    """What bringing ``current`` to ``desired`` takes, and what is known of each declared secret."""

    changes: ConnectionChanges
    secrets: Mapping[str, SecretCheck]


def diff(
    desired: DesiredConnection,
    current: Connection,
    *,
    fingerprints: FingerprintState | None,
    rewrite_secrets: bool,
) -> ConnectionChanges:
    """The changes that bring ``current`` to ``desired`` (only declared fields)."""
    return compare(desired, current, fingerprints=fingerprints, rewrite_secrets=rewrite_secrets).changes


def compare(
    desired: DesiredConnection,
    current: Connection,
    *,
    fingerprints: FingerprintState | None,
    rewrite_secrets: bool,
) -> Comparison:
    secret = desired.datasource_type.secret_properties
    description = None
    if desired.description is not None and desired.description != (current.description or ""):
        description = desired.description
    # The client's one comparison: adopt-on-retry and the client's duplicate check use it too.
    visible = {
        k: desired.properties[k] for k in current.visible_differences(desired.properties, desired.datasource_type)
    }
    declared = {k: v for k, v in desired.properties.items() if k in secret and as_reference(v) is None}
    kinds = desired.datasource_type.property_kinds
    checks = {k: check_secret(k, v, current, fingerprints=fingerprints, kind=kinds.get(k)) for k, v in declared.items()}
    checks.update({k: NOT_COMPARED for k in desired.unavailable & secret})
    if rewrite_secrets:
        sent = declared
    else:
        # Unknown: sent when state is kept (this sync never applied it here), else only with other changes.
        with_unknown = fingerprints is not None or bool(visible) or description is not None
        sent = {
            k: v
            for k, v in declared.items()
            if checks[k].status == "changed" or (checks[k].status == "unknown" and with_unknown)
        }
    changes = ConnectionChanges(description=description, set_properties={**visible, **sent})
    return Comparison(changes, dict(sorted(checks.items())))


def make_plan(
    desired: Sequence[DesiredConnection],
    actual: Iterable[Connection],
    *,
    managed_prefix: str | None = None,
    prune: bool = False,
    fingerprints: FingerprintState | None = None,
    rewrite_secrets: bool = False,
) -> Plan:
    by_name: dict[str, list[Connection]] = defaultdict(list)
    for conn in actual:
        by_name[conn.name].append(conn)
    conflicts: list[str] = []
    actions: list[PlannedAction] = []
    for entry in desired:
        matches = by_name.get(entry.name, [])
        if len(matches) > 1:
            ids = ", ".join(c.id for c in matches)
            conflicts.append(f"{entry.name!r}: {len(matches)} existing connections share this name ({ids})")
            continue
        if not matches:
            actions.append(PlannedAction("create", entry.name, desired=entry))
            continue
        current = matches[0]
        if current.datasource_type != entry.datasource_type.id:
            conflicts.append(
                f"{entry.name!r}: exists (id {current.id}) with datasource type {current.datasource_type}, "
                f"the spec says {entry.datasource_type.name}; delete or rename it first"
            )
            continue
        if entry.flags is not None and set(entry.flags) != set(current.flags):
            conflicts.append(flags_conflict(entry, current))
            continue
        found = compare(entry, current, fingerprints=fingerprints, rewrite_secrets=rewrite_secrets)
        changes = found.changes
        kind: ActionKind = "unchanged" if changes.is_empty else "update"
        fields = () if changes.is_empty else changes.changed_fields
        actions.append(
            PlannedAction(
                kind,
                entry.name,
                current.id,
                fields,
                entry,
                changes=None if changes.is_empty else changes,
                current=current,
                secrets=found.secrets,
            )
        )
    if conflicts:
        raise InvalidInputError("sync plan (nothing was written)", conflicts)
    if prune and managed_prefix:
        wanted = {entry.name for entry in desired}
        for name in sorted(by_name):
            if name.startswith(managed_prefix) and name not in wanted:
                actions.extend(PlannedAction("delete", name, conn.id, current=conn) for conn in by_name[name])
    return Plan(tuple(actions))


def flags_conflict(entry: DesiredConnection, current: Connection) -> str:
    has = ", ".join(sorted(current.flags)) or "none"
    wants = ", ".join(sorted(entry.flags or ())) or "none"
    return (
        f"{entry.name!r}: exists (id {current.id}) with flags [{has}], the spec says [{wants}]; flags are set when "
        "a connection is created and cannot be changed: delete it (the next sync creates it with the spec's "
        "flags) or make the spec's flags match"
    )
