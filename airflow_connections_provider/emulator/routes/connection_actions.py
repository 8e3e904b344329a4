"""Per connection: its actions (`test`, `get_record_count`), discovery (`/assets`) and copy.

`PUT …/actions/{name}` answers 200 with the action's output, a free-form object in IBM's OpenAPI
document ("any output produced by the action"); IBM's recorded `get_record_count` reply is just
`{"record_count": …}`. A passing `test` outputs `{}`. A failing one is 400 with the error container
and no `target` (as a refused `test=true` write), or, with `test_action_failure_status=200`, a 200
whose output says it failed — the schema allows both, so clients must handle both.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..errors import ApiError, invalid_field, invalid_request, missing_field, not_found
from ..state.datasources import browse
from ..state.listing import href
from ..state.store import DuplicateNameError
from .common import (
    TEST_FAILED_CODE,
    Caller,
    base_url,
    connection_to_api,
    get_context,
    live_test,
    load_connection,
    parse_int,
    read_json,
    resolve_scope,
    type_of,
)
from .connections import duplicate_name

router = APIRouter()

DEFAULT_ASSET_LIMIT = 100
MAX_ASSET_LIMIT = 200


@router.get("/v2/connections/{connection_id}/actions")
async def list_actions(connection_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store, ctx.settings.unknown_scope_status)
    dtype = type_of(load_connection(ctx, scope, connection_id))
    return {"actions": [action.to_api() for action in dtype.actions]}


@router.put("/v2/connections/{connection_id}/actions/{action_name}")
async def run_action(connection_id: str, action_name: str, request: Request, principal: Caller) -> JSONResponse:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store, ctx.settings.unknown_scope_status)
    conn = load_connection(ctx, scope, connection_id)
    dtype = type_of(conn)
    if dtype.find_action(action_name) is None:
        raise not_found(
            f"Action '{action_name}' is not supported by datasource type '{dtype.name}'", target="action_name"
        )
    body = await read_json(request, default={})
    if not isinstance(body, dict):
        raise invalid_request("The action's request body must be a JSON object")
    if action_name == "get_record_count":
        table = body.get("table_name")
        if table is None or table == "":
            raise missing_field("table_name", "The get_record_count action needs a 'table_name' input")
        if not isinstance(table, str):
            raise invalid_field("table_name", "table_name must be a string")
    try:
        await live_test(ctx, dtype, conn.properties)
    except ApiError as exc:
        if action_name == "test" and ctx.settings.test_action_failure_status == 200:
            failed = {"status": "failed", "errors": [{"code": TEST_FAILED_CODE, "message": exc.message}]}
            return JSONResponse(failed)
        raise
    if action_name == "test":
        return JSONResponse({})
    path = f"{body.get('schema_name') or ''}.{body['table_name']}"
    # Deterministic per table, so tests can compare two calls.
    count = int(hashlib.sha256(path.encode()).hexdigest()[:6], 16) % 10_000
    return JSONResponse({"record_count": count})


@router.get("/v2/connections/{connection_id}/assets")
async def discover(connection_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    query = request.query_params
    scope = resolve_scope(query, ctx.store, ctx.settings.unknown_scope_status)
    conn = load_connection(ctx, scope, connection_id)
    dtype = type_of(conn)
    # Paths are absolute; one written without its leading "/" means the same place.
    path = "/" + (query.get("path") or "/").lstrip("/")
    offset = parse_int(query, "offset", 0, minimum=0)
    limit = parse_int(query, "limit", DEFAULT_ASSET_LIMIT, minimum=1, maximum=MAX_ASSET_LIMIT)
    # Discovery reads the live data source, so it needs it reachable, as the service does.
    await live_test(ctx, dtype, conn.properties)
    found = browse(dtype.discovery, conn.asset_id, path, conn.properties)
    if found is None:
        raise not_found(f"Path '{path}' was not found in the data source", target="path")
    asset_types, assets = found
    items = list(query.multi_items())
    base = base_url(request)
    body: dict[str, Any] = {
        "path": path,
        "asset_types": asset_types,
        "assets": assets[offset : offset + limit],
        "total_count": len(assets),
        "first": {"href": href(base, request.url.path, items, offset=None)},
    }
    if offset + limit < len(assets):
        body["next"] = {"href": href(base, request.url.path, items, offset=str(offset + limit))}
    return body


@router.post("/v2/connections/{connection_id}/copy", status_code=201)
async def copy_connection(connection_id: str, request: Request, principal: Caller) -> JSONResponse:
    ctx = get_context(request)
    query = request.query_params
    scope = resolve_scope(query, ctx.store, ctx.settings.unknown_scope_status)
    conn = load_connection(ctx, scope, connection_id)
    target = resolve_scope(query, ctx.store, ctx.settings.unknown_scope_status, prefix="target_")
    try:
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
            unique_name=not ctx.settings.allow_duplicate_names,
        )
    except DuplicateNameError as exc:
        raise duplicate_name(exc.name) from exc
    return JSONResponse(connection_to_api(copied, ctx.settings.secret_mode), status_code=201)
