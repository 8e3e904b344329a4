"""The asyncio client: the few reads and re-tests a trigger needs, on the shared request builders."""

from __future__ import annotations

from airflow_connections_provider.client import endpoints
from airflow_connections_provider.client.async_transport import AsyncTransport
from airflow_connections_provider.client.config import ClientConfig
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

    async def validate_connection(self, scope: Scope, connection_id: str) -> Connection:
        """Re-test the stored connection; raises ``ValidationRefusedError`` when it does not validate."""
        reply = await self.transport.request(endpoints.validate_connection(scope, connection_id))
        return Connection.from_api(reply.json_object())
