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

    from airflow_connections_provider.client import Connection, ConnectionsClient, Dependent, Scope
    from airflow_connections_provider.tasks.arguments import ArgumentChecks


class IBMDeleteConnectionOperator(IBMBaseOperator):
    """Delete a connection by id or exact name; returns its id (or None when it was already gone).

    IBM's delete does not check whether data assets use the connection (they would point at nothing):
    this task does, first, and refuses (``AirflowFailException``, nothing deleted) naming the data
    assets whose attachments reference it, unless they are accepted. The check is one walk of the
    workspace's data assets through IBM's asset search (``client.dependents``).

    :param connection_id: id of the connection (or give ``connection_name``).
    :param connection_name: exact name of the connection.
    :param missing_ok: succeed when the connection does not exist (default True).
    :param accepted_dependents: names or ids of data assets that may be left pointing at nothing; the
        delete goes ahead when every dependent is listed, and is refused naming the others otherwise.
    :param force: delete without checking what uses the connection (no search request at all).
    """

    template_fields: Sequence[str] = (
        *IBMBaseOperator.template_fields,
        "connection_id",
        "connection_name",
        "accepted_dependents",
    )

    def __init__(
        self,
        *,
        connection_id: str | None = None,
        connection_name: str | None = None,
        missing_ok: bool = True,
        accepted_dependents: Sequence[str] | None = None,
        force: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.connection_id = connection_id
        self.connection_name = connection_name
        self.missing_ok = missing_ok
        self.accepted_dependents = accepted_dependents
        self.force = force

    def validate_arguments(self, checks: ArgumentChecks) -> None:
        from airflow_connections_provider.client.dependents import accepted_problems

        checks.exactly_one(connection_id=self.connection_id, connection_name=self.connection_name)
        checks.flag("missing_ok", self.missing_ok)
        checks.flag("force", self.force)
        for problem in accepted_problems(self.accepted_dependents, force=self.force):
            checks.add(problem)

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
        left = [] if self.force else self._check_dependents(client, scope, found)
        with airflow_errors(f"Deleting connection {ref!r}"):
            deleted = client.delete_connection(scope, found.id, missing_ok=self.missing_ok)
        if not deleted:
            return self._missing(ref, scope)
        self.log.info("Deleted connection %r (id %s) from %s", found.name, found.id, scope)
        if left:
            from airflow_connections_provider.client.dependents import describe

            self.log.warning(
                "%d accepted data asset(s) now point at a connection that no longer exists: %s",
                len(left),
                describe(left),
            )
            self.push_xcom(context, "dependents", [d.to_json() for d in left])
        from airflow_connections_provider.tasks.asset_events import ConnectionEvent, emit

        emit(self, context, [ConnectionEvent("deleted", scope, found.name, dtype_name)])
        return found.id

    def _check_dependents(self, client: ConnectionsClient, scope: Scope, found: Connection) -> list[Dependent]:
        """The accepted dependents of ``found``; ``AirflowFailException`` naming the others, before any write."""
        from airflow_connections_provider.client.dependents import accept_hint, describe, not_accepted

        with airflow_errors(f"Deleting connection {found.name!r}"):
            dependents = client.find_dependents(scope, [found.id])[found.id]
        refused = not_accepted(dependents, self.accepted_dependents or ())
        if refused:
            raise AirflowFailException(
                f"connection {found.name!r} (id {found.id}) is used by {len(refused)} data asset(s) in {scope}, "
                f"which IBM's delete would leave pointing at nothing: {describe(refused)}; nothing was deleted. "
                "Delete those assets or point them at another connection first; or accept them, "
                f"{accept_hint(refused)}; or set force=True to delete without this check"
            )
        if dependents:
            self.log.info("Data assets using %r, all accepted: %s", found.name, describe(dependents))
        else:
            self.log.info("No data asset uses connection %r (id %s)", found.name, found.id)
        return list(dependents)

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
