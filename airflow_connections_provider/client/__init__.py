"""A framework-free client for IBM's connections API (Data and AI Common Core).

Usable without Airflow::

    from airflow_connections_provider.client import (
        AuthType, ClientConfig, ConnectionsClient, Credentials, Scope, WorkspaceRef,
    )

    config = ClientConfig(Credentials(AuthType.IAM_API_KEY, api_key="..."), base_url="us-south")
    with ConnectionsClient(config) as client:
        project = client.resolve_project("my project")
        for conn in client.iter_connections(Scope.project(project.id), datasource_type="postgresql"):
            print(conn.name)
        space = client.resolve_workspace(WorkspaceRef("space", "fraud-scoring"))  # a Scope, by id or name

What code outside the client needs is exported here: the models and errors, :data:`ALL_FLAGS`,
:func:`is_permanent` / :func:`is_temporary` (which failures another try could fix),
:class:`NewConnection` and :func:`check_new_connection` (a new connection checked once),
``ConnectionsClient.POOL_SIZE`` (the HTTP connections one client keeps per host).

Module map, from the bottom up (each imports only modules above it in this list):

- ``errors`` — the exception tree.
- ``error_replies`` — an error reply mapped to its exception: which statuses mean what (transient,
  refused test, name taken) and the shapes of IBM's error bodies.
- ``vault`` — vault references in properties (``{"vault_secret": "<urn>"}``) and their wire form.
- ``values`` — the one normalisation of property values (``"5432"`` is ``5432``, ``"true"`` is ``True``).
- ``setting_checks`` — checks of single setting values (URLs, credentials, the retry limit), worded once.
- ``config`` — frozen settings: base URL, credentials, timeouts, retry policy, TLS.
- ``models`` — typed views of replies (connections, datasource types and their conditions, projects).
- ``validation`` — input checks made before any write.
- ``messages`` — a request as data (``RequestSpec``) and a reply mapped to a result or an error.
- ``paging`` — following pages, and the budget that stops a listing that never ends.
- ``endpoints`` — IBM's endpoints as request builders: every request the client sends.
- ``dependents`` — what uses a connection: the data assets whose attachments point at it.
- ``auth`` — authenticators (how to get a header) and the token cache (when to renew).
- ``retry`` — the retry decisions, pure: what is retried, how long to wait, what another try could fix.
- ``retrying`` — the blocking shell's retries on ``tenacity`` (``retry_args`` tune them), driven by ``retry``.
- ``deadline_watch`` — the blocking shell's total deadline per request (a watchdog thread).
- ``transport`` / ``async_transport`` — the I/O shells (requests, httpx): sockets, locks, sleeps.
- ``workspaces`` — projects, catalogs and deployment spaces: models, requests, finding one by id or name.
- ``actions`` — a connection's actions: ``test``, ``validate``, the listing.
- ``client`` / ``async_client`` — the operations users call (``client`` composed of the two mixins above).
"""

from __future__ import annotations

from airflow_connections_provider.client.actions import ConnectionAction
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
from airflow_connections_provider.client.dependents import Dependent, DependentsUnknownError
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
    InvalidPropertiesError,
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
    WorkspaceNotFoundError,
)
from airflow_connections_provider.client.models import (
    KNOWN_FLAGS,
    PERSONAL_CREDENTIALS,
    Connection,
    ConnectionChanges,
    DatasourceType,
    PropertyDefinition,
    Scope,
    ServiceVersion,
)
from airflow_connections_provider.client.retry import is_permanent, is_temporary
from airflow_connections_provider.client.validation import NewConnection, check_new_connection
from airflow_connections_provider.client.values import normalise_property_value
from airflow_connections_provider.client.vault import VaultReference
from airflow_connections_provider.client.workspaces import Catalog, Project, Space, WorkspaceRef

__all__ = [
    "ALL_FLAGS",
    "DEFAULT_RETRY_LIMIT",
    "KNOWN_FLAGS",
    "MAX_RETRY_LIMIT",
    "PERSONAL_CREDENTIALS",
    "RETRY_LIMIT_MEANING",
    "AmbiguousNameError",
    "ApiError",
    "AsyncConnectionsClient",
    "AuthType",
    "AuthenticationError",
    "BadRequestError",
    "Catalog",
    "ClientConfig",
    "ConfigurationError",
    "ConflictError",
    "Connection",
    "ConnectionAction",
    "ConnectionChanges",
    "ConnectionNameExistsError",
    "ConnectionsClient",
    "ConnectionsClientError",
    "Credentials",
    "DatasourceType",
    "Dependent",
    "DependentsUnknownError",
    "InvalidInputError",
    "InvalidPropertiesError",
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
    "Space",
    "TransportError",
    "UnexpectedRedirectError",
    "UnknownDatasourceTypeError",
    "ValidationRefusedError",
    "VaultReference",
    "WorkspaceNotFoundError",
    "WorkspaceRef",
    "check_new_connection",
    "is_permanent",
    "is_temporary",
    "normalise_property_value",
]
