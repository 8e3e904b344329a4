"""What every route uses: the emulator's context and the caller, query parameters and the scope,
JSON bodies, finding a connection, the live test, and the JSON a stored connection is shown as.

Query parameters are read the way the service does: booleans take `true`/`false` in any case
(IBM's SDK sends `True`); unknown parameters are simply never read; a malformed known one is a
400 naming it.

Secret properties in replies follow the secret mode: `clear` (the default) returns them as stored,
as IBM's recorded replies do for shared-credential connections; `omit` drops them; `placeholder`
shows each as `SECRET_PLACEHOLDER`. A connection flagged `personal_credentials` shows its secrets
to its creator only ("visible only to the user who created the connection", cpdctl): to anyone else
they are absent, whatever the mode. A vaulted property (`state/vault.py`) holds a secret URN, not a
secret: it is shown as stored to everyone. The inspection API always asks for `reveal=True`.

A connection is shown as IBM's recorded replies show it: `metadata` with `asset_category` and
`usage` {last_access_time, last_accessor_id, access_count} and no `href`; `entity` with
`origin_country`, `owner_id`, `rov`, `interaction_properties` and (when it has any) `flags`.
A PATCH answers with the `entity` alone.
"""

from __future__ import annotations

import copy
import datetime
from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import Depends
from starlette.datastructures import QueryParams
from starlette.requests import Request

from ..bodies import parse_json
from ..errors import ApiError, invalid_parameter, invalid_request, missing_parameter, not_found
from ..settings import SecretMode
from ..state.catalogue import find_type
from ..state.datasources import ProbeError, interaction_properties, probe
from ..state.descriptors import DatasourceType
from ..state.records import SCOPE_PARAMS, StoredConnection, Workspace
from ..state.store import EmulatorContext, Store
from ..state.tokens import AuthError, Principal
from ..state.vault import PERSONAL_CREDENTIALS, UnresolvedSecretError, resolve, vaulted_names


def get_context(request: Request) -> EmulatorContext:
    ctx = request.app.state.emulator
    assert isinstance(ctx, EmulatorContext)
    return ctx


def require_principal(request: Request) -> Principal:
    """FastAPI dependency: the caller, or 401 with the error container."""
    try:
        return get_context(request).tokens.authenticate(request.headers.get("authorization"))
    except AuthError as exc:
        raise ApiError(401, "invalid_token", str(exc), headers={"WWW-Authenticate": "Bearer"}) from exc


# The authenticated caller of an API route (a FastAPI dependency).
Caller = Annotated[Principal, Depends(require_principal)]


# --- query parameters and the scope ---


def parse_bool(query: QueryParams, name: str, default: bool) -> bool:
    value = query.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise invalid_parameter(name, f"Parameter '{name}' must be true or false")
    return lowered == "true"


def parse_int(query: QueryParams, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    """An integer parameter; values above `maximum` are capped (documented), below `minimum` refused."""
    value = query.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise invalid_parameter(name, f"Parameter '{name}' must be an integer") from exc
    if number < minimum:
        raise invalid_parameter(name, f"Parameter '{name}' must be at least {minimum}")
    return min(number, maximum) if maximum is not None else number


def resolve_scope(query: Mapping[str, str], store: Store) -> Workspace:
    """Exactly one of project_id, catalog_id, space_id; an unknown one is 403, as a multi-tenant service
    does not say whether a workspace exists."""
    names = list(SCOPE_PARAMS.values())
    given = [(kind, query[param]) for kind, param in SCOPE_PARAMS.items() if query.get(param)]
    if not given:
        raise missing_parameter(names[0], f"One of {', '.join(names)} must be specified: name the workspace")
    if len(given) > 1:
        sent = [SCOPE_PARAMS[kind] for kind, _ in given]
        raise invalid_parameter(
            sent[1],
            f"Only one of {', '.join(names)} may be specified; this request gives {' and '.join(sent)}: keep one",
        )
    kind, guid = given[0]
    workspace = store.workspace(kind, guid)
    if workspace is None:
        raise ApiError(
            403, "forbidden", f"The {kind} '{guid}' does not exist or is not accessible", target=SCOPE_PARAMS[kind]
        )
    return workspace


# --- bodies, connections, the live test ---


async def read_json(request: Request, *, default: Any = None) -> Any:
    """The body as JSON that can be stored and shown again (`bodies.parse_json`), or a 400."""
    raw = await request.body()
    if not raw.strip():
        if default is not None:
            return default
        raise invalid_request("The request body is empty; a JSON document is required")
    return parse_json(raw)


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


TEST_FAILED_CODE = "connection_test_failed"
# How long a live test waits for the data source (an HTTP GET or a TCP connect).
PROBE_TIMEOUT_S = 3.0


def failed_test_error(reason: object) -> ApiError:
    """400 with no `target`: nothing in the request is wrong, the data source (or the vault) said no."""
    return ApiError(400, TEST_FAILED_CODE, f"The test of the connection failed: {reason}")


async def live_test(ctx: EmulatorContext, dtype: DatasourceType, properties: dict[str, Any]) -> None:
    """Try the data source with the vaulted properties resolved (the secrets never leave this call)."""
    try:
        resolved = resolve(properties, ctx.vault.secret)
        await probe(dtype, resolved, ctx.store, PROBE_TIMEOUT_S)
    except (ProbeError, UnresolvedSecretError) as exc:
        raise failed_test_error(exc) from exc


def base_url(request: Request) -> str:
    """The scheme, host and port the client called: what absolute paging links start with."""
    return str(request.base_url).rstrip("/")


# --- a stored connection as the API shows it ---


SECRET_PLACEHOLDER = "********"  # noqa: S105 - the mask itself, not a credential


def iso_time(timestamp: float) -> str:
    """'2025-01-31T12:00:00.123Z', the service's timestamp format."""
    moment = datetime.datetime.fromtimestamp(timestamp, tz=datetime.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def shown_properties(conn: StoredConnection, secret_mode: SecretMode, viewer: str) -> dict[str, Any]:
    """The properties as `viewer` sees them: secrets by the mode, a personal connection's secrets to
    its creator only, vault references (URNs) always."""
    dtype = find_type(conn.datasource_type)
    secret = (dtype.masked_names if dtype else frozenset()) - vaulted_names(conn.properties)
    hidden = PERSONAL_CREDENTIALS in conn.flags and viewer != conn.creator_id
    shown: dict[str, Any] = {}
    for name, value in conn.properties.items():
        if name not in secret or (secret_mode == "clear" and not hidden):  # noqa: S105 - a mode name
            shown[name] = copy.deepcopy(value)
        elif secret_mode == "placeholder" and not hidden:  # noqa: S105 - a mode name
            shown[name] = SECRET_PLACEHOLDER
    return shown


def entity_to_api(
    conn: StoredConnection, secret_mode: SecretMode, *, viewer: str = "", reveal: bool = False
) -> dict[str, Any]:
    """The `entity` of a connection as `viewer` sees it (`reveal`: everything, for inspection); alone,
    it is what a PATCH answers."""
    dtype = find_type(conn.datasource_type)
    entity: dict[str, Any] = {
        "datasource_type": conn.datasource_type,
        "description": conn.description,
        "name": conn.name,
        "origin_country": conn.origin_country,
        "owner_id": conn.creator_id,
        "rov": {"mode": 0},
        "properties": copy.deepcopy(conn.properties) if reveal else shown_properties(conn, secret_mode, viewer),
        "interaction_properties": interaction_properties(dtype),
    }
    if conn.flags:  # IBM's recorded replies carry `flags` only when there are some
        entity["flags"] = list(conn.flags)
    return entity


def connection_to_api(
    conn: StoredConnection, secret_mode: SecretMode, *, viewer: str = "", reveal: bool = False
) -> dict[str, Any]:
    return {
        "metadata": {
            "asset_id": conn.asset_id,
            "asset_type": "connection",
            "asset_category": "USER",
            "create_time": iso_time(conn.create_time),
            "creator_id": conn.creator_id,
            SCOPE_PARAMS[conn.scope_kind]: conn.scope_id,
            "tags": [],
            "usage": {
                "last_access_time": iso_time(conn.last_access_time),
                "last_accessor_id": conn.last_accessor_id,
                "access_count": conn.access_count,
            },
        },
        "entity": entity_to_api(conn, secret_mode, viewer=viewer, reveal=reveal),
    }
