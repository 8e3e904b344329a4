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
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

if TYPE_CHECKING:
    from airflow_connections_provider.client import Connection, ConnectionsClient, DatasourceType, Scope


def same_visible(conn: Connection, wanted: Mapping[str, Any], dtype: DatasourceType) -> bool:
    """Do the visible properties of ``conn`` match ``wanted``? Secrets cannot be read back.

    Compared with the client's one normalisation (``"true"`` equals ``True``, ``"5432"`` equals
    ``5432``), the same the sync planner and the client's duplicate check use.
    """
    from airflow_connections_provider.client import same_property_values

    return same_property_values(conn.properties, wanted, kinds=dtype.property_kinds, ignore=dtype.secret_properties)


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
    return renamed if same_visible(renamed, set_properties, dtype) else None


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
