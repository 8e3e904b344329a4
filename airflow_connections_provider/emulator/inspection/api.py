"""`/_emulator/...`: the test-facing inspection API (no auth, loopback only, never counted, never
faulted), and the reports it shares with the Python handle (`run/handle.py`), computed once for both.

Over HTTP it serves what a test that started the CLI needs (IBM's SDK drivers, `make demo`): the
request counts and log, the stored state, and the credentials a data source accepts.

`state_snapshot` is the only output that contains secrets in clear (stored connection
properties); nothing here ever contains a token or a registered data-source password.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from ..bodies import Fields
from ..faults import FaultInjector
from ..routes.common import connection_to_api, get_context, iso_time, read_json
from ..state.store import EmulatorContext, ScopeKind, Workspace
from .requestlog import EMULATOR_PREFIX


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
    }


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
