"""The service's check after a write, when a create or update task asks for it (``validate=True``).

``test=True`` has the service connect to the data source before it saves, and refuse what does not
work. That is not always possible (a data source the service cannot reach yet, a deployment space
bootstrapped before its network is open), and it checks nothing when the write saves without it.
``validate=True`` runs the ``validate`` action on the saved connection instead or as well: the service
checks its properties without connecting (required ones, value types, vault references the vault
must hold). A refusal fails the task at once; the connection stays as written, named with its id,
so it can be fixed (an update, or the secret added to the vault) and the task cleared.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.tasks.base import airflow_errors

if TYPE_CHECKING:
    from airflow_connections_provider.client import Connection, ConnectionsClient, Scope


def validate_saved(
    client: ConnectionsClient, scope: Scope, connection: Connection, log: Any, *, rerun: str = "clear this task"
) -> None:
    """Run the ``validate`` action on ``connection``, just written; ``AirflowFailException`` when refused.
    ``rerun`` says how to run the task again once the connection is fixed."""
    from airflow_connections_provider.client import InvalidPropertiesError

    try:
        with airflow_errors(f"Validating connection {connection.name!r}"):
            client.validate_connection(scope, connection.id)
    except AirflowFailException as exc:
        if not isinstance(exc.__cause__, InvalidPropertiesError):
            raise
        raise AirflowFailException(
            f"connection {connection.name!r} (id {connection.id}) was saved in {scope}, but the service's "
            f"validate action refused its properties: {exc.__cause__}. It stays as written: fix it (an update, "
            f"or the vault secret it references), then {rerun}"
        ) from exc.__cause__
    log.info("Connection %r (id %s): the validate action accepted its properties", connection.name, connection.id)
