"""Steps the connection routes share: reading JSON bodies, finding a connection in its scope,
running the live test and turning its failure into the configured error reply."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

from .catalogue import DatasourceType, find_type
from .context import EmulatorContext
from .errors import ApiError, not_found
from .probe import ProbeError, probe
from .state import StoredConnection, Workspace


async def read_json(request: Request, *, default: Any = None) -> Any:
    raw = await request.body()
    if not raw.strip():
        if default is not None:
            return default
        raise ApiError(400, "invalid_request_body", "The request body is empty; a JSON document is required")
    try:
        return json.loads(raw)
    except ValueError as exc:
        raise ApiError(400, "invalid_request_body", "The request body is not valid JSON") from exc


def load_connection(ctx: EmulatorContext, scope: Workspace, connection_id: str) -> StoredConnection:
    """The connection, or 404 when it does not exist in that scope."""
    conn = ctx.store.connection(connection_id)
    if conn is None or conn.scope_kind != scope.kind or conn.scope_id != scope.guid:
        raise not_found(f"Connection '{connection_id}' was not found", target="connection_id")
    return conn


def type_of(conn: StoredConnection) -> DatasourceType:
    dtype = find_type(conn.datasource_type)
    if dtype is None:  # only possible if the catalogue lost a type a stored connection uses
        raise ApiError(500, "internal_server_error", "The connection's datasource type is unknown")
    return dtype


async def live_test(ctx: EmulatorContext, dtype: DatasourceType, properties: dict[str, Any]) -> None:
    """Try the data source; failure is the configured test-failure status (400 or 460)."""
    try:
        await probe(dtype, properties, ctx.store, ctx.settings.probe_timeout_s)
    except ProbeError as exc:
        raise ApiError(
            ctx.settings.test_failure_status,
            "connection_test_failed",
            f"The test of the connection failed: {exc}",
        ) from exc
