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

What code outside the client needs is exported here: the models and errors, :data:`ALL_FLAGS`,
:func:`is_permanent` / :func:`is_temporary` (which failures another try could fix),
:class:`NewConnection` and :func:`check_new_connection` (a new connection checked once),
``ConnectionsClient.POOL_SIZE`` (the HTTP connections one client keeps per host).

Module map, from the bottom up (each imports only modules above it in this list):

- ``errors`` — the exception tree, and which statuses mean what (transient, refused test, name taken).
- ``values`` — the one normalisation of property values (``"5432"`` is ``5432``, ``"true"`` is ``True``).
- ``setting_checks`` — checks of single setting values (URLs, credentials, the retry limit), worded once.
- ``config`` — frozen settings: base URL, credentials, timeouts, retry policy, TLS.
- ``models`` — typed views of replies (connections, datasource types and their conditions, projects).
- ``validation`` — input checks made before any write.
- ``messages`` — a request as data (``RequestSpec``) and a reply mapped to a result or an error.
- ``endpoints`` — IBM's endpoints as request builders: every request the client sends.
- ``auth`` — authenticators (how to get a header) and the token cache (when to renew).
- ``retry`` — the retry decisions, pure: what is retried, how long to wait, what another try could fix.
- ``retrying`` — the blocking shell's retries on ``tenacity`` (``retry_args`` tune them), driven by ``retry``.
- ``deadline_watch`` — the blocking shell's total deadline per request (a watchdog thread).
- ``transport`` / ``async_transport`` — the I/O shells (requests, httpx): sockets, locks, sleeps.
- ``client`` / ``async_client`` — the operations users call.
"""

from __future__ import annotations

from airflow_connections_provider.client.async_client import AsyncConnectionsClient
from airflow_connections_provider.client.client import ALL_FLAGS, ConnectionsClient
from airflow_connections_provider.client.config import (
    DEFAULT_RETRY_LIMIT,
    MAX_RETRY_LIMIT,
    RETRY_LIMIT_MEANING,
    AuthType,
    ClientConfig,
    Credentials,
    RetryPolicy,
)
from airflow_connections_provider.client.errors import (
    AmbiguousNameError,
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConfigurationError,
    ConflictError,
    ConnectionNameExistsError,
    ConnectionsClientError,
    InvalidInputError,
    NotFoundError,
    PermissionDeniedError,
    ProjectNotFoundError,
    RateLimitedError,
    RetriesExhaustedError,
    ServerError,
    TransportError,
    UnexpectedRedirectError,
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
from airflow_connections_provider.client.retry import is_permanent, is_temporary
from airflow_connections_provider.client.validation import NewConnection, check_new_connection
from airflow_connections_provider.client.values import normalise_property_value

__all__ = [
    "ALL_FLAGS",
    "DEFAULT_RETRY_LIMIT",
    "MAX_RETRY_LIMIT",
    "RETRY_LIMIT_MEANING",
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
    "ConnectionNameExistsError",
    "ConnectionsClient",
    "ConnectionsClientError",
    "Credentials",
    "DatasourceType",
    "InvalidInputError",
    "NewConnection",
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
    "UnexpectedRedirectError",
    "UnknownDatasourceTypeError",
    "ValidationRefusedError",
    "check_new_connection",
    "is_permanent",
    "is_temporary",
    "normalise_property_value",
]
