"""`/v2/connections`: version, list, create, get, update (JSON Patch) and delete."""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from .checks import check_entity, check_name, check_optional_string, check_properties
from .connection_ops import live_test, load_connection, read_json, type_of
from .context import Caller, get_context
from .errors import ApiError, invalid_parameter
from .jsonpatch import PatchError, apply_patch, parse_pointer, validate_patch
from .listing import href, paginate, parse_filter
from .params import parse_bool, parse_int, resolve_scope
from .serialize import connection_to_api, iso_time
from .state import ConflictError

router = APIRouter()

DEFAULT_LIMIT = 100
MAX_LIMIT = 200
JSON_PATCH_MEDIA_TYPE = "application/json-patch+json"
# Entity members a patch may touch, with the pointer depth allowed under each.
_PATCHABLE = {"name": 1, "description": 1, "origin_country": 1, "properties": 2}
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


def _check_patch_paths(ops: list[dict[str, Any]]) -> None:
    for op in ops:
        for key in ("path", "from"):
            pointer = op.get(key)
            if pointer is None:
                continue
            tokens = parse_pointer(pointer)
            depth = _PATCHABLE.get(tokens[0]) if tokens else None
            if depth is None or len(tokens) > depth:
                raise invalid_parameter(
                    "path",
                    f"Path '{pointer}' cannot be patched; use /name, /description or /properties/<property>",
                )


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
        _check_patch_paths(ops)
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
