"""The delete operator (public path: ``airflow_connections_provider.operators.ibm``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.tasks.base import (
    IBMBaseOperator,
    airflow_errors,
    require_one,
    with_real_rendered_values,
)

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_connections_provider.client import Connection, ConnectionsClient, Scope
    from airflow_connections_provider.tasks.arguments import ArgumentChecks


class IBMDeleteConnectionOperator(IBMBaseOperator):
    """Delete a connection by id or exact name; returns its id (or None when it was already gone).

    :param connection_id: id of the connection (or give ``connection_name``).
    :param connection_name: exact name of the connection.
    :param missing_ok: succeed when the connection does not exist (default True).
    """

    template_fields: Sequence[str] = (*IBMBaseOperator.template_fields, "connection_id", "connection_name")

    def __init__(
        self,
        *,
        connection_id: str | None = None,
        connection_name: str | None = None,
        missing_ok: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.connection_id = connection_id
        self.connection_name = connection_name
        self.missing_ok = missing_ok

    def validate_arguments(self, checks: ArgumentChecks) -> None:
        checks.exactly_one(connection_id=self.connection_id, connection_name=self.connection_name)
        checks.flag("missing_ok", self.missing_ok)

    @with_real_rendered_values
    def execute(self, context: Context) -> str | None:
        self.check_arguments()
        kind, ref = require_one(connection_id=self.connection_id, connection_name=self.connection_name)
        scope = self.resolve_scope()
        client = self.hook.client
        with airflow_errors(f"Deleting connection {ref!r}"):
            # Looked up first even by id: its asset event names it by its name and type (read before the
            # delete, so a failed read fails the task while nothing has changed yet).
            found = client.find_connection(scope, ref) if kind == "connection_name" else self._by_id(client, scope, ref)
            if found is None:
                return self._missing(ref, scope)
            dtype_name = client.get_datasource_type(found.datasource_type).name
            self.publish_link(context, scope, found.id)
            deleted = client.delete_connection(scope, found.id, missing_ok=self.missing_ok)
        if not deleted:
            return self._missing(ref, scope)
        self.log.info("Deleted connection %r (id %s) from %s", found.name, found.id, scope)
        from airflow_connections_provider.tasks.asset_events import ConnectionEvent, emit

        emit(self, context, [ConnectionEvent("deleted", scope, found.name, dtype_name)])
        return found.id

    @staticmethod
    def _by_id(client: ConnectionsClient, scope: Scope, connection_id: str) -> Connection | None:
        from airflow_connections_provider.client import NotFoundError

        try:
            return client.get_connection(scope, connection_id)
        except NotFoundError:
            return None

    def _missing(self, ref: str, scope: Scope) -> str | None:
        if not self.missing_ok:
            raise AirflowFailException(f"connection {ref!r} does not exist in {scope} (set missing_ok=True to accept)")
        self.log.info("Connection %r does not exist in %s; nothing to delete", ref, scope)
        return None
