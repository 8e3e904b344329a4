"""The asyncio client: the few reads and checks (``test``, ``validate``) a trigger needs, on shared builders.

Each call is one attempt (plus one replay after a 401): the caller's loop retries — the trigger tests
again at its next poll — so ``config.retry`` does not apply here (see ``async_transport``).
"""

from __future__ import annotations

from airflow_connections_provider.client import endpoints
from airflow_connections_provider.client.async_transport import AsyncTransport
from airflow_connections_provider.client.config import ClientConfig
from airflow_connections_provider.client.errors import BadRequestError
from airflow_connections_provider.client.models import Connection, Scope, ServiceVersion


class AsyncConnectionsClient:
    """Use as ``async with AsyncConnectionsClient(config) as client:`` so its HTTP pool is closed."""

    def __init__(self, config: ClientConfig, *, transport: AsyncTransport | None = None) -> None:
        self.config = config
        self.transport = transport or AsyncTransport(config)

    async def __aenter__(self) -> AsyncConnectionsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self.transport.aclose()

    async def version(self) -> ServiceVersion:
        reply = await self.transport.request(endpoints.service_version())
        return ServiceVersion.from_api(reply.json_object())

    async def get_connection(self, scope: Scope, connection_id: str) -> Connection:
        reply = await self.transport.request(endpoints.get_connection(scope, connection_id))
        return Connection.from_api(reply.json_object())

    async def test_connection(self, scope: Scope, connection_id: str) -> None:
        """Re-test the stored connection (the ``test`` action), exactly as the blocking client does.

        Raises ``ValidationRefusedError`` when the data source fails the test (a 400 that is not a
        rejected request, or a 200 whose output reports a failure), ``BadRequestError`` when the
        service rejects the request itself.
        """
        spec = endpoints.connection_action(scope, connection_id, "test")
        endpoints.raise_for_failed_test(spec, await self.transport.request(spec))

    async def validate_connection(self, scope: Scope, connection_id: str) -> None:
        """Check the stored properties without connecting (the ``validate`` action), as the blocking
        client does: ``InvalidPropertiesError`` when they are not valid."""
        spec = endpoints.connection_action(scope, connection_id, "validate")
        try:
            reply = await self.transport.request(spec)
        except BadRequestError as exc:
            refused = endpoints.invalid_properties(exc)
            if refused is None:
                raise
            raise refused from exc
        endpoints.raise_for_failed_test(spec, reply)
