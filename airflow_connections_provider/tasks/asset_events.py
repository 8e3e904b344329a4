"""The asset events a task emits for the connections it changed (``assets.py`` names the assets).

One event per connection that a task really created, updated, validated or deleted, added at the end
of a successful ``execute`` to the provider's alias outlet (``base.with_changes_alias``). Airflow
records outlet events only when the task succeeds, so a failed task emits nothing. The ``extra`` holds
names and flags only, never a value, and holds only strings and booleans: Airflow 2.11 and 3.0 group
alias events by ``frozenset(extra.items())`` (on 3.0 after a JSON round trip, which turns a tuple into
an unhashable list and fails the task), so ``changed_fields`` is one comma-separated string.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from airflow_connections_provider.assets import SCOPE_KINDS, ibm_connection_asset, ibm_connection_asset_uri

if TYPE_CHECKING:
    from airflow_connections_provider.client import ConnectionsClient, Scope

Action = Literal["created", "updated", "validated", "deleted"]
_URI_KIND = {client_kind: uri_kind for uri_kind, client_kind in SCOPE_KINDS.items()}


@dataclass(frozen=True, slots=True)
class ConnectionEvent:
    """What a task did to one connection.

    :param action: ``created``, ``updated``, ``validated`` (the sensor) or ``deleted``.
    :param datasource_type: the type's name (``postgresql``).
    :param changed_fields: what an update changed (``description``, ``properties.password``,
        ``properties.x (removed)``, ``name``); empty for the other actions. Sent comma-separated.
    :param validated: the service tested the connection against its data source and accepted it.
    """

    action: Action
    scope: Scope
    connection_name: str
    datasource_type: str
    changed_fields: tuple[str, ...] = ()
    validated: bool = False

    @property
    def uri(self) -> str:
        return ibm_connection_asset_uri(self.connection_name, **{f"{_URI_KIND[self.scope.kind]}_id": self.scope.id})

    def extra(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "datasource_type": self.datasource_type,
            "changed_fields": ",".join(self.changed_fields),
            "validated": self.validated,
        }


def emit(task: Any, context: Any, events: Iterable[ConnectionEvent]) -> int:
    """Add each event to the task's outlet events; returns how many. A context without outlet events
    (a task run by hand, outside Airflow's runner) records none."""
    from airflow_connections_provider.assets import ibm_connection_changes

    events = list(events)
    accessors = context.get("outlet_events") if isinstance(context, Mapping) else None
    if not events:
        return 0
    if accessors is None:
        task.log.debug("No outlet events in this context: %d connection event(s) not recorded", len(events))
        return 0
    if not _alias_recorded(task, len(events)):
        return 0
    alias = accessors[ibm_connection_changes()]
    for event in events:
        alias.add(ibm_connection_asset(event.connection_name, **_scope_argument(event.scope)), extra=event.extra())
        changed = f" ({', '.join(event.changed_fields)})" if event.changed_fields else ""
        task.log.info("Asset event: %s %s%s", event.action, event.uri, changed)
    return len(events)


def type_names(client: ConnectionsClient, type_ids: Iterable[str], log: Any) -> dict[str, str]:
    """The name of each datasource type id (from the client's cache where it has them); an id whose
    name cannot be read stays the id, with a warning: the task's writes are done by then."""
    from airflow_connections_provider.client import ConnectionsClientError

    names: dict[str, str] = {}
    for type_id in set(type_ids):
        try:
            names[type_id] = client.get_datasource_type(type_id).name
        except ConnectionsClientError as exc:
            log.warning("Datasource type %s could not be read (%s): its asset events name the id", type_id, exc)
            names[type_id] = type_id
    return names


def _alias_recorded(task: Any, count: int) -> bool:
    """Airflow 2.11 only: whether the metadata database knows the alias. 2.11 attaches alias events to
    the alias's row and fails the task at its end when there is none, which is the case when the DAG
    was never parsed by a scheduler (``dag.test()``); Airflow 3 creates a missing alias itself."""
    from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS

    if AIRFLOW_V_3_0_PLUS:
        return True
    from airflow_connections_provider.assets import CHANGES_ALIAS

    try:
        from airflow.models.dataset import DatasetAliasModel  # type: ignore[import-not-found,unused-ignore]
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            query = select(DatasetAliasModel.id).where(DatasetAliasModel.name == CHANGES_ALIAS).limit(1)
            known = session.scalar(query) is not None
    except Exception as exc:  # noqa: BLE001 - no database at hand (database isolation): nothing to attach to
        task.log.warning(
            "Could not look up dataset alias %r (%s): %d connection event(s) not recorded", CHANGES_ALIAS, exc, count
        )
        return False
    if not known:
        task.log.warning(
            "The metadata database has no dataset alias %r (a scheduler has not parsed this DAG yet, as with "
            "dag.test()): %d connection event(s) not recorded",
            CHANGES_ALIAS,
            count,
        )
    return known


def _scope_argument(scope: Scope) -> dict[str, str]:
    return {f"{_URI_KIND[scope.kind]}_id": scope.id}
