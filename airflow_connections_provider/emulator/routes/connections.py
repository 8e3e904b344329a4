"""`/v2/connections`: version, list, create, get, update by JSON Patch, delete. (A connection's
actions are `actions`; the asset search, which also finds connections, is `search`.)

Every route takes exactly one of `project_id`, `catalog_id`, `space_id` (`common.resolve_scope`).
Replies show secrets as the caller may see them (`common.shown_properties`: the secret mode, and a
`personal_credentials` connection's secrets to its creator only).

An update (PATCH) reads the stored connection, applies the patch to a copy (`state/patch.py`: the
`jsonpatch` library under our rules), re-checks the result, runs the live test
(`state/datasources.py`), then writes with a compare-and-set on the connection's revision
(`state/store.py`), retrying when a concurrent update won. It answers with the bare entity (no
`metadata`), as IBM's OpenAPI document and recorded
reply do. An empty patch is an update that changes nothing: with `test=true` it tests the stored
values like any update's result; re-testing a connection is the `test` action's job.

A name the scope already has is 409 on create and on rename (IBM's OpenAPI document lists 409 for
create only; a rename keeps the same status for the same conflict, docs/emulator.md says why).

With `enforce_vaulted_credentials` (the administrator's `allow-only-vaulted-credentials`) a create or
update that puts a plain secret into a shared connection is 400 `vaulted_credentials_required`
naming the property, unless the query says `skip_enforcement=true` (cpdctl's `--skip-enforcement`,
create and update only); see `state/vault.py`.
"""

from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import ApiError, invalid_field
from ..state.checks import check_entity, check_name, check_optional_string, check_properties
from ..state.listing import href, paginate, parse_filter
from ..state.patch import PatchError, apply_patch, parse_patch
from ..state.records import Workspace
from ..state.store import ConflictError, DuplicateNameError, EmulatorContext
from ..state.vault import refuse_plain_secrets
from .common import (
    Caller,
    base_url,
    connection_to_api,
    entity_to_api,
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
# What an update's Content-Type may name (parameters such as charset are ignored); IBM's spec lists both.
PATCH_MEDIA_TYPES = ("application/json-patch+json", "application/json")
_UPDATE_ATTEMPTS = 5


def duplicate_name(name: str) -> ApiError:
    return ApiError(409, "conflict", f"A connection with the name '{name}' already exists. Specify another name.")


def _name_taken(ctx: EmulatorContext, scope: Workspace, name: str) -> bool:
    return ctx.store.query_scope(scope.kind, scope.guid, lambda index: bool(index.named(name)))


def _enforcing(ctx: EmulatorContext, request: Request) -> bool:
    """Whether the vaulted-credentials guard applies to this create or update."""
    skip = parse_bool(request.query_params, "skip_enforcement", False)
    return ctx.settings.enforce_vaulted_credentials and not skip


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
    scope = resolve_scope(query, ctx.store)
    parse_bool(query, "decrypt_secrets", False)  # validated, but secrets stay masked (documented)
    limit = parse_int(query, "limit", DEFAULT_LIMIT, minimum=1, maximum=MAX_LIMIT)
    conn_filter = parse_filter(query)
    start = query.get("start")
    page = ctx.store.query_scope(scope.kind, scope.guid, lambda index: paginate(index, conn_filter, limit, start))
    items = list(query.multi_items())
    base = base_url(request)
    body: dict[str, Any] = {
        "total_count": page.total_count,
        "resources": [connection_to_api(c, ctx.settings.secret_mode, viewer=principal.subject) for c in page.items],
        "first": {"href": href(base, request.url.path, items, start=None)},
    }
    if page.next_start is not None:
        body["next"] = {"href": href(base, request.url.path, items, start=page.next_start)}
    return body


@router.post("/v2/connections", status_code=201)
async def create_connection(request: Request, principal: Caller) -> JSONResponse:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store)
    test = parse_bool(request.query_params, "test", True)
    enforcing = _enforcing(ctx, request)
    entity = check_entity(await read_json(request))
    if enforcing:
        refuse_plain_secrets(entity.datasource_type, entity.properties, entity.flags)
    if _name_taken(ctx, scope, entity.name):
        raise duplicate_name(entity.name)  # before the (slow) live test, as a name check is cheap
    if test:
        await live_test(ctx, entity.datasource_type, entity.properties)
    try:
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
            unique_name=True,
        )
    except DuplicateNameError as exc:  # created by a concurrent request during the live test
        raise duplicate_name(exc.name) from exc
    return JSONResponse(connection_to_api(conn, ctx.settings.secret_mode, viewer=principal.subject), status_code=201)


@router.get("/v2/connections/{connection_id}")
async def get_connection(connection_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store)
    parse_bool(request.query_params, "decrypt_secrets", False)
    conn = load_connection(ctx, scope, connection_id)
    conn = ctx.store.record_access(conn.asset_id, principal.subject) or conn
    return connection_to_api(conn, ctx.settings.secret_mode, viewer=principal.subject)


@router.patch("/v2/connections/{connection_id}")
async def update_connection(connection_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store)
    test = parse_bool(request.query_params, "test", True)
    enforcing = _enforcing(ctx, request)
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type not in PATCH_MEDIA_TYPES:
        raise ApiError(
            415,
            "unsupported_media_type",
            f"The Content-Type must be {' or '.join(PATCH_MEDIA_TYPES)}, not '{media_type}'",
            target="Content-Type",
            target_type="header",
        )
    try:
        ops = parse_patch(await read_json(request))
    except PatchError as exc:
        raise invalid_field(exc.path or "body", str(exc), code="invalid_request") from exc
    for _attempt in range(_UPDATE_ATTEMPTS):
        conn = load_connection(ctx, scope, connection_id)
        dtype = type_of(conn)
        document = {
            "name": conn.name,
            "description": conn.description,
            "origin_country": conn.origin_country,
            "properties": conn.properties,
        }
        try:
            patched = apply_patch(document, ops)
        except PatchError as exc:
            raise invalid_field(exc.path or "body", str(exc), code="invalid_request") from exc
        name = check_name(patched.get("name"))
        description = check_optional_string("description", patched.get("description"), "")
        origin_country = check_optional_string("origin_country", patched.get("origin_country"), "us")
        properties = check_properties(dtype, patched.get("properties"))
        if enforcing:
            refuse_plain_secrets(dtype, properties, conn.flags, previous=conn.properties)
        if name != conn.name and _name_taken(ctx, scope, name):
            raise duplicate_name(name)
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
                unique_name=True,
            )
        except DuplicateNameError as exc:
            raise duplicate_name(exc.name) from exc
        except ConflictError:
            continue  # changed while we tested: apply the patch again to the new state
        except KeyError as exc:
            raise ApiError(404, "not_found", f"Connection '{connection_id}' was not found") from exc
        return entity_to_api(updated, ctx.settings.secret_mode, viewer=principal.subject)
    raise ApiError(409, "conflict", "The connection kept changing during the update; retry it")


@router.delete("/v2/connections/{connection_id}", status_code=204)
async def delete_connection(connection_id: str, request: Request, principal: Caller) -> Response:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store)
    load_connection(ctx, scope, connection_id)
    if not ctx.store.delete_connection(connection_id):
        raise ApiError(404, "not_found", f"Connection '{connection_id}' was not found")
    return Response(status_code=204)
