"""A framework-free client for IBM's connections API (Data and AI Common Core).

Usable without Airflow::

    from airflow_connections_provider.client import (
        AuthType, ClientConfig, ConnectionsClient, Credentials, Scope,
    )

    config = ClientConfig(Credentials(AuthType.IAM_API_KEY, api_key="..."), base_url="us-south")
    with ConnectionsClient(config) as client:
        project = client.resolve_project("my project")
        for conn in client.iter_connections(Scope.project(project.id), datasource_type="postgresql"):
            print(conn.name)

Module map: ``config`` (settings), ``auth`` (authenticators, token cache), ``retry`` (policy),
``wire`` (request/reply data), ``endpoints`` (request builders), ``errors`` (exception tree),
``models``, ``validation`` (input checks), ``transport``/``async_transport`` (I/O shells),
``client``/``async_client`` (operations).
"""

from __future__ import annotations

from airflow_connections_provider.client.async_client import AsyncConnectionsClient
from airflow_connections_provider.client.client import ConnectionsClient
from airflow_connections_provider.client.config import AuthType, ClientConfig, Credentials, RetryPolicy
from airflow_connections_provider.client.errors import (
    AmbiguousNameError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ConnectionsClientError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ProjectNotFoundError,
    RateLimitedError,
    RetriesExhaustedError,
    ServerError,
    TransportError,
    UnknownDatasourceTypeError,
    ValidationRefusedError,
)
from airflow_connections_provider.client.models import (
    Connection,
    ConnectionChanges,
    DatasourceType,
    Project,
    PropertyDefinition,
    Scope,
    ServiceVersion,
)

__all__ = [
    "AmbiguousNameError",
    "ApiError",
    "AsyncConnectionsClient",
    "AuthType",
    "AuthenticationError",
    "BadRequestError",
    "ClientConfig",
    "ConfigurationError",
    "ConflictError",
    "Connection",
    "ConnectionChanges",
    "ConnectionsClient",
    "ConnectionsClientError",
    "Credentials",
    "DatasourceType",
    "InvalidInputError",
    "NotFoundError",
    "PermissionDeniedError",
    "Project",
    "ProjectNotFoundError",
    "PropertyDefinition",
    "RateLimitedError",
    "RetriesExhaustedError",
    "RetryPolicy",
    "Scope",
    "ServerError",
    "ServiceVersion",
    "TransportError",
    "UnknownDatasourceTypeError",
    "ValidationRefusedError",
]
