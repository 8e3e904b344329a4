"""`/v2/connections`: version, list, create, get, update (JSON Patch), delete, and per connection
its actions, discovery (`/assets`) and copy.

An update (PATCH) reads the stored connection, applies the patch to a copy (`state/checks.py`),
re-checks the result, runs the live test (`state/datasources.py`), then writes with a
compare-and-set on the connection's revision (`state/store.py`), retrying when a concurrent
update won.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import ApiError, invalid_parameter, missing_parameter, not_found
from ..state.checks import (
    PatchError,
    apply_patch,
    check_entity,
    check_name,
    check_optional_string,
    check_patch_paths,
    check_properties,
    validate_patch,
)
from ..state.datasources import browse
from ..state.listing import href, paginate, parse_filter
from ..state.store import ConflictError
from .common import (
    Caller,
    connection_to_api,
    get_context,
    iso_time,
    live_test,
    load_connection,
    parse_bool,
    parse_int,
    read_json,
    resolve_scope,
    type_of,
)

router = APIRouter()

DEFAULT_LIMIT = 100
MAX_LIMIT = 200
JSON_PATCH_MEDIA_TYPE = "application/json-patch+json"
_UPDATE_ATTEMPTS = 5


@router.get("/v2/connections/version")
async def service_version(principal: Caller) -> dict[str, Any]:
    return {
        "service_name": "connections",
        "version": "1.0.0",
        "build": "airflow-connections-emulator",
        "status": "ok",
        "timestamp": iso_time(time.time()),
    }


@router.get("/v2/connections")
async def list_connections(request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    query = request.query_params
    scope = resolve_scope(query, ctx.store, ctx.settings.unknown_scope_status)
    parse_bool(query, "decrypt_secrets", False)  # validated, but secrets stay masked (documented)
    limit = parse_int(query, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    conn_filter = parse_filter(query)
    page = paginate(ctx.store.connections(scope.kind, scope.guid), conn_filter, limit, query.get("start"))
    items = list(query.multi_items())
    body: dict[str, Any] = {
        "total_count": page.total_count,
        "resources": [connection_to_api(c, ctx.settings.secret_mode) for c in page.items],
        "first": {"href": href(request.url.path, items, start=None)},
    }
    if page.next_start is not None:
        body["next"] = {"href": href(request.url.path, items, start=page.next_start)}
    return body


@router.post("/v2/connections", status_code=201)
async def create_connection(request: Request, principal: Caller) -> JSONResponse:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store, ctx.settings.unknown_scope_status)
    test = parse_bool(request.query_params, "test", True)
    entity = check_entity(await read_json(request), reject_unknown=ctx.settings.reject_unknown_properties)
    if test:
        await live_test(ctx, entity.datasource_type, entity.properties)
    conn = ctx.store.create_connection(
        scope_kind=scope.kind,
        scope_id=scope.guid,
        name=entity.name,
        datasource_type=entity.datasource_type.id,
        description=entity.description,
        properties=entity.properties,
        flags=entity.flags,
        origin_country=entity.origin_country,
        creator_id=principal.subject,
    )
    return JSONResponse(connection_to_api(conn, ctx.settings.secret_mode), status_code=201)


@router.get("/v2/connections/{connection_id}")
async def get_connection(connection_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store, ctx.settings.unknown_scope_status)
    parse_bool(request.query_params, "decrypt_secrets", False)
    return connection_to_api(load_connection(ctx, scope, connection_id), ctx.settings.secret_mode)


@router.patch("/v2/connections/{connection_id}")
async def update_connection(connection_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store, ctx.settings.unknown_scope_status)
    test = parse_bool(request.query_params, "test", True)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != JSON_PATCH_MEDIA_TYPE:
        raise ApiError(
            415, "unsupported_media_type", f"The Content-Type must be {JSON_PATCH_MEDIA_TYPE}, not '{media_type}'"
        )
    try:
        ops = validate_patch(await read_json(request))
        check_patch_paths(ops)
    except PatchError as exc:
        raise invalid_parameter(exc.path or "body", str(exc)) from exc
    for _attempt in range(_UPDATE_ATTEMPTS):
        conn = load_connection(ctx, scope, connection_id)
        dtype = type_of(conn)
        if not ops:
            # An empty patch only re-validates what is stored.
            if test:
                await live_test(ctx, dtype, conn.properties)
            return connection_to_api(conn, ctx.settings.secret_mode)
        document = {
            "name": conn.name,
            "description": conn.description,
            "origin_country": conn.origin_country,
            "properties": conn.properties,
        }
        try:
            patched = apply_patch(document, ops)
        except PatchError as exc:
            raise invalid_parameter(exc.path or "body", str(exc)) from exc
        name = check_name(patched.get("name"))
        description = check_optional_string("description", patched.get("description"), "")
        origin_country = check_optional_string("origin_country", patched.get("origin_country"), "us")
        properties = check_properties(
            dtype, patched.get("properties"), reject_unknown=ctx.settings.reject_unknown_properties
        )
        if test:
            await live_test(ctx, dtype, properties)
        try:
            updated = ctx.store.update_connection(
                connection_id,
                expected_revision=conn.revision,
                name=name,
                description=description,
                properties=properties,
                origin_country=origin_country,
                updater_id=principal.subject,
            )
        except ConflictError:
            continue  # changed while we tested: apply the patch again to the new state
        except KeyError as exc:
            raise ApiError(404, "not_found", f"Connection '{connection_id}' was not found") from exc
        return connection_to_api(updated, ctx.settings.secret_mode)
    raise ApiError(409, "conflict", "The connection kept changing during the update; retry it")


@router.delete("/v2/connections/{connection_id}", status_code=204)
async def delete_connection(connection_id: str, request: Request, principal: Caller) -> Response:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store, ctx.settings.unknown_scope_status)
    load_connection(ctx, scope, connection_id)
    if not ctx.store.delete_connection(connection_id):
        raise ApiError(404, "not_found", f"Connection '{connection_id}' was not found")
    return Response(status_code=204)


# --- per connection: actions, discovery, copy ---


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
