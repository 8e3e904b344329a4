"""A connection's actions: `GET /v2/connections/{id}/actions` and `PUT …/actions/{action_name}`.

The list is the type's catalogue actions, as IBM's recorded replies list them: `get_record_count`
for the table-holding database types (the recorded listing of a Db2 Warehouse connection), nothing
for the others. `test` and `validate` are in IBM's OpenAPI document's enum of runnable actions but
in no recorded listing: every type runs them without listing them. Any other name is 404 naming
`action_name`.

Each action's 200 is its output, a free-form object in IBM's OpenAPI document ("any output produced
by the action"); the body is a JSON object (an empty body counts as `{}`), whose members only
`get_record_count` reads.

- `test` connects to the data source (the live test, vault references resolved): `{}` when it
  passes; a failure is 400 `connection_test_failed` without a `target`, or, with
  `test_action_failure_status=200`, a 200 whose output says it failed.
- `validate` checks the stored properties without connecting: required and conditional properties,
  value types, vault references well formed and held by the vault. `{}` when valid; otherwise the
  400 of the check that failed, naming the property (`target.type` field): the request's data is
  wrong, not the data source.
- `get_record_count` (`{"table_name", "schema_name"?}`) connects like `test`, then answers
  `{"record_count": <number>}` as recorded (`5001.0`): a count derived from the table's name, the
  same on every call (the emulator holds no rows).
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..errors import ApiError, invalid_field, invalid_request, missing_field, not_found
from ..state.checks import check_properties
from ..state.descriptors import DatasourceType
from ..state.records import StoredConnection
from ..state.store import EmulatorContext
from ..state.vault import vaulted_names
from .common import TEST_FAILED_CODE, Caller, get_context, live_test, load_connection, read_json, resolve_scope, type_of

router = APIRouter()


@router.get("/v2/connections/{connection_id}/actions")
async def list_actions(connection_id: str, request: Request, principal: Caller) -> dict[str, Any]:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store)
    dtype = type_of(load_connection(ctx, scope, connection_id))
    return {"actions": [action.to_api() for action in dtype.actions]}


@router.put("/v2/connections/{connection_id}/actions/{action_name}")
async def run_action(connection_id: str, action_name: str, request: Request, principal: Caller) -> JSONResponse:
    ctx = get_context(request)
    scope = resolve_scope(request.query_params, ctx.store)
    conn = load_connection(ctx, scope, connection_id)
    dtype = type_of(conn)
    if dtype.find_action(action_name) is None:
        raise not_found(
            f"Action '{action_name}' is not supported by datasource type '{dtype.name}'; "
            "GET the connection's actions to see which it lists (test and validate run for every type)",
            target="action_name",
        )
    body = await read_json(request, default={})
    if not isinstance(body, dict):
        raise invalid_request("The action's request body must be a JSON object")
    if action_name == "validate":
        validate(ctx, dtype, conn)
        return JSONResponse({})
    if action_name == "get_record_count":
        table = _record_count_table(body)
        await live_test(ctx, dtype, conn.properties)
        return JSONResponse({"record_count": _record_count(table)})
    try:
        await live_test(ctx, dtype, conn.properties)
    except ApiError as exc:
        if ctx.settings.test_action_failure_status == 200:
            failed = {"status": "failed", "errors": [{"code": TEST_FAILED_CODE, "message": exc.message}]}
            return JSONResponse(failed)
        raise
    return JSONResponse({})


def validate(ctx: EmulatorContext, dtype: DatasourceType, conn: StoredConnection) -> None:
    """The `validate` action: the create checks on the stored properties, and every vault reference held."""
    check_properties(dtype, conn.properties)
    for name in sorted(vaulted_names(conn.properties)):
        urn = conn.properties[name]
        if ctx.vault.secret(urn) is None:
            raise invalid_field(
                name,
                f"Property '{name}' references the vault secret '{urn}', which the vault does not hold; "
                "add the secret to the vault or set the property to the URN of one it holds",
            )


def _record_count_table(body: dict[str, Any]) -> str:
    table = body.get("table_name")
    if table is None or table == "":
        raise missing_field("table_name", "The get_record_count action needs a 'table_name' input (a table name)")
    if not isinstance(table, str):
        raise invalid_field("table_name", "table_name must be a string (the table to count)")
    schema = body.get("schema_name")
    if schema is not None and not isinstance(schema, str):
        raise invalid_field("schema_name", "schema_name must be a string (or left out)")
    return f"{schema or ''}.{table}"


def _record_count(table: str) -> float:
    # Derived from the table's name, so two calls agree; a float, as IBM's recorded reply writes it.
    return float(int(hashlib.sha256(table.encode()).hexdigest()[:6], 16) % 10_000)
