"""`/_emulator/...`: the test-facing inspection API (no auth, loopback only, never counted, never
faulted), and the reports it shares with the Python handle (`run/handle.py`), computed once for both.

Over HTTP it serves what a test that started the CLI needs (IBM's SDK drivers, `make demo`): the
request counts and log, the stored state, and seeding: the credentials a data source accepts, vault
secrets, and data assets that use a connection.

`state_snapshot` is the only output that contains secrets in clear (stored connection
properties); nothing here ever contains a token, a registered data-source password or a vault
secret's value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..bodies import Fields, field_error
from ..faults import FaultInjector
from ..paths import EMULATOR_PREFIX
from ..routes.common import connection_to_api, get_context, iso_time, read_json
from ..state.data_assets import DataAsset
from ..state.records import SCOPE_PARAMS, ScopeKind, Workspace
from ..state.store import EmulatorContext
from ..state.vault import SECRET_URN_EXAMPLE, is_secret_urn


def workspace_to_api(ws: Workspace) -> dict[str, Any]:
    return {"guid": ws.guid, "name": ws.name, "type": ws.type, "created_at": iso_time(ws.created_at)}


def state_snapshot(
    ctx: EmulatorContext, scope_kind: ScopeKind | None = None, scope_id: str | None = None
) -> dict[str, Any]:
    store = ctx.store
    return {
        "projects": [workspace_to_api(w) for w in store.workspaces("project")],
        "catalogs": [workspace_to_api(w) for w in store.workspaces("catalog")],
        "spaces": [workspace_to_api(w) for w in store.workspaces("space")],
        "connections": [
            connection_to_api(c, ctx.settings.secret_mode, reveal=True) for c in store.connections(scope_kind, scope_id)
        ],
        "datasource_accounts": [{"host": h, "port": p, "username": u} for h, p, u in store.accounts()],
        "vault_secrets": [{"secret_urn": urn} for urn in ctx.vault.urns()],
        "data_assets": [data_asset_summary(a) for a in ctx.data_assets.all()],
    }


def data_asset_summary(asset: DataAsset) -> dict[str, Any]:
    return {
        "asset_id": asset.asset_id,
        "name": asset.name,
        SCOPE_PARAMS[asset.scope_kind]: asset.scope_id,
        "connection_id": asset.connection_id,
        "connection_path": asset.connection_path,
    }


class SeedError(ValueError):
    """A seed request names something the emulator cannot seed (the message names the fix)."""

    def __init__(self, member: str, message: str) -> None:
        super().__init__(message)
        self.member = member


def add_vault_secret(ctx: EmulatorContext, secret_urn: str, value: str) -> None:
    if not is_secret_urn(secret_urn):
        raise SeedError("secret_urn", f"'secret_urn' must be a vault secret URN such as {SECRET_URN_EXAMPLE}")
    ctx.vault.add(secret_urn, value)


def add_data_asset(
    ctx: EmulatorContext,
    name: str,
    connection_id: str,
    connection_path: str,
    *,
    description: str = "",
    mime_type: str = "text/csv",
) -> DataAsset:
    """A data asset in the connection's workspace whose remote attachment points at it."""
    conn = ctx.store.connection(connection_id)
    if conn is None:
        raise SeedError("connection_id", f"No connection '{connection_id}' exists; create the connection first")
    return ctx.data_assets.add(
        scope_kind=conn.scope_kind,
        scope_id=conn.scope_id,
        name=name,
        connection_id=connection_id,
        connection_path=connection_path,
        description=description,
        mime_type=mime_type,
    )


def requests_summary(ctx: EmulatorContext) -> dict[str, Any]:
    counts = ctx.log.counts()
    return {"total": sum(counts.values()), "counts": counts}


def log_entries(ctx: EmulatorContext) -> list[dict[str, Any]]:
    return [e.to_api() for e in ctx.log.entries()]


def faults_summary(faults: FaultInjector) -> dict[str, Any]:
    return {"config": faults.config().to_api(), "scripted": [s.to_api() for s in faults.scripted()]}


# --- the routes: what a process that started the CLI reads and seeds (the Python handle reaches the
# state directly and has the rest: faults, tokens, workspaces, reset) ---

router = APIRouter(prefix=EMULATOR_PREFIX)


async def _fields(request: Request, allowed: set[str]) -> Fields:
    """The body as a JSON object with only `allowed` keys; an empty body is `{}`."""
    return Fields(await read_json(request, default={}), allowed)


@router.get("/requests")
async def get_requests(request: Request) -> dict[str, Any]:
    return requests_summary(get_context(request))


@router.get("/log")
async def get_log(request: Request) -> dict[str, Any]:
    return {"entries": log_entries(get_context(request))}


@router.get("/state")
async def get_state(request: Request) -> dict[str, Any]:
    return state_snapshot(get_context(request))


@router.post("/datasources", status_code=201)
async def register_datasource(request: Request) -> JSONResponse:
    ctx = get_context(request)
    fields = await _fields(request, {"host", "port", "username", "password"})
    host = str(fields.text("host", required=True))
    port = int(fields.integer("port", minimum=1, maximum=65535, required=True) or 0)
    username = str(fields.text("username", required=True))
    password = str(fields.text("password", required=True))
    ctx.store.register_account(host, port, username, password)
    return JSONResponse({"host": host, "port": port, "username": username}, status_code=201)


@router.post("/vault-secrets", status_code=201)
async def seed_vault_secret(request: Request) -> JSONResponse:
    ctx = get_context(request)
    fields = await _fields(request, {"secret_urn", "value"})
    secret_urn = str(fields.text("secret_urn", required=True))
    value = str(fields.text("value", required=True))
    _seed(lambda: add_vault_secret(ctx, secret_urn, value))
    return JSONResponse({"secret_urn": secret_urn}, status_code=201)


@router.post("/data-assets", status_code=201)
async def seed_data_asset(request: Request) -> JSONResponse:
    ctx = get_context(request)
    fields = await _fields(request, {"name", "connection_id", "connection_path", "description", "mime_type"})
    name = str(fields.text("name", required=True))
    connection_id = str(fields.text("connection_id", required=True))
    connection_path = str(fields.text("connection_path", "/"))
    description = str(fields.text("description", ""))
    mime_type = str(fields.text("mime_type", "text/csv"))
    asset = _seed(
        lambda: add_data_asset(ctx, name, connection_id, connection_path, description=description, mime_type=mime_type)
    )
    return JSONResponse(data_asset_summary(asset), status_code=201)


T = TypeVar("T")


def _seed(seed: Callable[[], T]) -> T:
    try:
        return seed()
    except SeedError as exc:
        raise field_error(exc.member, str(exc)) from exc
