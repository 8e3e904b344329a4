"""A connection's actions: ``test``, ``validate`` and the listing of what its type offers.

IBM's OpenAPI document (``performAction``, ``PUT /v2/connections/{id}/actions/{action_name}``) names
``test`` ("to check if a connection can be established to the data source") and ``validate`` ("to
validate the connection properties without establishing a connection") among the runnable actions;
``GET /v2/connections/{id}/actions`` (``listActions``) answers ``{"actions": [DatasourceTypeAction]}``,
each ``{"name", "description", "properties": {"input": [...], "output": [...]}}``. IBM's recorded
listing shows only ``get_record_count``: ``test`` and ``validate`` run without being listed. Their
outputs are free-form ("any output produced by the action"); a 200 whose output reports a failure is
read as one (``endpoints.failed_test_output``).

- ``test`` refused by the data source: :class:`ValidationRefusedError` (a 400 without a target, or a
  200 reporting a failure).
- ``validate`` refusing the stored properties: :class:`InvalidPropertiesError`, ``target`` naming the
  property (a 400 about a field, or a 200 reporting a failure).
- Anything else the service rejects is the usual :class:`BadRequestError` (and 404 when the service
  does not know the action).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from airflow_connections_provider.client import endpoints
from airflow_connections_provider.client.errors import BadRequestError
from airflow_connections_provider.client.models import PropertyDefinition, Scope

if TYPE_CHECKING:
    from airflow_connections_provider.client.transport import SyncTransport


@dataclass(frozen=True, slots=True)
class ConnectionAction:
    """One action a connection's type lists, with its input and output properties."""

    name: str
    description: str = ""
    inputs: tuple[PropertyDefinition, ...] = ()
    outputs: tuple[PropertyDefinition, ...] = ()

    @classmethod
    def from_api(cls, data: Mapping[str, Any]) -> ConnectionAction:
        properties = data.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        return cls(
            name=str(data.get("name") or ""),
            description=str(data.get("description") or ""),
            inputs=_definitions(properties.get("input")),
            outputs=_definitions(properties.get("output")),
        )


def _definitions(items: Any) -> tuple[PropertyDefinition, ...]:
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)):
        return ()
    return tuple(PropertyDefinition.from_api(p) for p in items if isinstance(p, Mapping) and p.get("name"))


def actions_from_reply(body: Mapping[str, Any]) -> list[ConnectionAction]:
    items = body.get("actions")
    if not isinstance(items, Sequence) or isinstance(items, (str, bytes)):
        return []
    return [ConnectionAction.from_api(item) for item in items if isinstance(item, Mapping)]


class ActionsMixin:
    """The actions of :class:`~airflow_connections_provider.client.client.ConnectionsClient`."""

    transport: SyncTransport

    def test_connection(self, scope: Scope, connection_id: str) -> None:
        """Have the service re-test the stored connection (the ``test`` action) without changing it.

        Raises :class:`ValidationRefusedError` when the data source does not accept it (yet) — a 400 the
        service gives as a failed test, or a 200 whose output reports a failure — and
        :class:`BadRequestError` when the service rejects the request itself.
        """
        spec = endpoints.connection_action(scope, connection_id, "test")
        endpoints.raise_for_failed_test(spec, self.transport.request(spec))

    def validate_connection(self, scope: Scope, connection_id: str) -> None:
        """Have the service check the stored properties without connecting (the ``validate`` action).

        Raises :class:`InvalidPropertiesError` (``target``: the property) when they are not valid —
        a required one missing, a value of the wrong type, a vault reference the vault does not hold.
        """
        spec = endpoints.connection_action(scope, connection_id, "validate")
        try:
            reply = self.transport.request(spec)
        except BadRequestError as exc:
            refused = endpoints.invalid_properties(exc)
            if refused is None:
                raise
            raise refused from exc
        endpoints.raise_for_failed_test(spec, reply)

    def list_actions(self, scope: Scope, connection_id: str) -> list[ConnectionAction]:
        """The actions the connection's type lists (``test`` and ``validate`` run without being listed)."""
        reply = self.transport.request(endpoints.list_connection_actions(scope, connection_id))
        return actions_from_reply(reply.json_object())
