"""`/v2/connections/{id}/...`: actions, discovery and copy."""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from .connection_ops import live_test, load_connection, read_json, type_of
from .context import Caller, get_context
from .discovery import browse
from .errors import invalid_parameter, missing_parameter, not_found
from .listing import href
from .params import parse_int, resolve_scope
from .serialize import connection_to_api

router = APIRouter()

_ACTIONS: dict[str, dict[str, Any]] = {
    "test": {
        "description": "Test the connection to the data source",
        "properties": {"input": [], "output": []},
    },
    "get_record_count": {
        "description": "Count the records of a table or collection",
        "properties": {
            "input": [{"name": "path", "type": "string", "label": "Path", "required": True}],
            "output": [{"name": "record_count", "type": "integer", "label": "Record count"}],
        },
    },
}
DEFAULT_ASSET_LIMIT = 100
MAX_ASSET_LIMIT = 200


@router.get("/v2/connections/{connection_id}/actions")
async def list_actions(connection_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store, ctx.settings.unknown_scope_status)
    dtype = type_of(load_connection(ctx, scope, connection_id))
    return {"actions": [{"name": name, **_ACTIONS[name]} for name in dtype.actions]}


@router.put("/v2/connections/{connection_id}/actions/{action_name}")
async def run_action(connection_id: str, action_name: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store, ctx.settings.unknown_scope_status)
    conn = load_connection(ctx, scope, connection_id)
    dtype = type_of(conn)
    if action_name not in dtype.actions:
        raise not_found(
            f"Action '{action_name}' is not supported by datasource type '{dtype.name}'", target="action_name"
        )
    body = await read_json(request, default={})
    if not isinstance(body, dict):
        raise invalid_parameter("body", "The action's request body must be a JSON object")
    await live_test(ctx, dtype, conn.properties)
    if action_name == "test":
        return {"action": "test", "status": "succeeded", "message": "The connection test succeeded"}
    path = body.get("path")
    if not isinstance(path, str) or not path:
        raise missing_parameter("path", "The get_record_count action needs a 'path' input")
    # Deterministic per path, so tests can compare two calls.
    count = int(hashlib.sha256(path.encode()).hexdigest()[:6], 16) % 10_000
    return {"action": action_name, "status": "succeeded", "path": path, "record_count": count}


@router.get("/v2/connections/{connection_id}/assets")
async def discover(connection_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    query = request.query_params
    scope = resolve_scope(query, ctx.store, ctx.settings.unknown_scope_status)
    conn = load_connection(ctx, scope, connection_id)
    dtype = type_of(conn)
    path = query.get("path") or "/"
    if not path.startswith("/"):
        raise invalid_parameter("path", "path must start with '/'")
    offset = parse_int(query, "offset", 0, minimum=0)
    limit = parse_int(query, "limit", DEFAULT_ASSET_LIMIT, minimum=1, maximum=MAX_ASSET_LIMIT)
    # Discovery reads the live data source, so it needs it reachable, as the service does.
    await live_test(ctx, dtype, conn.properties)
    found = browse(dtype.discovery, conn.asset_id, path, conn.properties)
    if found is None:
        raise not_found(f"Path '{path}' was not found in the data source", target="path")
    asset_types, assets = found
    items = list(query.multi_items())
    body: dict[str, Any] = {
        "path": path,
        "asset_types": asset_types,
        "assets": assets[offset : offset + limit],
        "total_count": len(assets),
        "first": {"href": href(request.url.path, items, offset=None)},
    }
    if offset + limit < len(assets):
        body["next"] = {"href": href(request.url.path, items, offset=str(offset + limit))}
    return body


@router.post("/v2/connections/{connection_id}/copy", status_code=201)
async def copy_connection(connection_id: str, request: Request, principal: Caller) -> JSONResponse:
    ctx = get_context(request)
    query = request.query_params
    scope = resolve_scope(query, ctx.store, ctx.settings.unknown_scope_status)
    conn = load_connection(ctx, scope, connection_id)
    target = resolve_scope(query, ctx.store, ctx.settings.unknown_scope_status, prefix="target_")
    copied = ctx.store.create_connection(
        scope_kind=target.kind,
        scope_id=target.guid,
        name=conn.name,
        datasource_type=conn.datasource_type,
        description=conn.description,
        properties=conn.properties,
        flags=conn.flags,
        origin_country=conn.origin_country,
        creator_id=principal.subject,
    )
    return JSONResponse(connection_to_api(copied, ctx.settings.secret_mode), status_code=201)
