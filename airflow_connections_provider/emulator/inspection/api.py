"""`/_emulator/...`: the test-facing control API (no auth, never counted, never faulted), and the
reports it shares with the Python handle (`run/handle.py`), computed once for both.

`state_snapshot` is the only output that contains secrets in clear (stored connection
properties); nothing here ever contains a token or a registered data-source password.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..bodies import Fields, field_error
from ..errors import ApiError
from ..faults import SCRIPT_KINDS, WHENS, FaultInjector
from ..routes.common import connection_to_api, get_context, iso_time, read_json
from ..settings import ALL_FAULT_KINDS
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


# --- the routes ---

router = APIRouter(prefix=EMULATOR_PREFIX)

_SCRIPT_KEYS = {"method", "path", "kind", "when", "status", "count", "delay_s", "retry_after"}
_CONFIG_KEYS = {"latency_ms", "rate_limit", "fault_rate", "fault_seed", "fault_kinds", "slow_reply_s"}
_WORKSPACE_KEYS = {"name", "guid", "description", "type"}
# Generous bounds that keep every stored number usable (a NaN or infinite delay would stall requests).
_MAX_SECONDS = 24 * 3600.0
_MAX_TTL = 10 * 365 * 24 * 3600.0
_MAX_COUNT = 1_000_000
# A workspace id goes into URL paths and query strings as it is: letters, digits, '-', '_' and '.'.
_GUID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")


async def _fields(request: Request, allowed: set[str]) -> Fields:
    """The body as a JSON object with only `allowed` keys; an empty body is `{}`."""
    return Fields(await read_json(request, default={}), allowed)


def _fault_config(fields: Fields) -> dict[str, Any]:
    """The settings a PUT names, each checked; the others stay as they are."""
    readers: dict[str, Callable[[str], Any]] = {
        "latency_ms": lambda n: fields.number(n, minimum=0, maximum=_MAX_SECONDS * 1000),
        "slow_reply_s": lambda n: fields.number(n, minimum=0, maximum=_MAX_SECONDS),
        "fault_rate": lambda n: fields.number(n, minimum=0, maximum=1),
        "rate_limit": lambda n: fields.number(n, minimum=0.001, maximum=1_000_000, nullable=True),  # null: none
        "fault_seed": lambda n: fields.integer(n, minimum=-(2**63), maximum=2**63 - 1),  # null: unseeded
        "fault_kinds": lambda n: fields.choices(n, ALL_FAULT_KINDS),
    }
    return {name: read(name) for name, read in readers.items() if name in fields.body}


@router.get("/requests")
async def get_requests(request: Request) -> dict[str, Any]:
    return requests_summary(get_context(request))


@router.get("/log")
async def get_log(request: Request) -> dict[str, Any]:
    return {"entries": log_entries(get_context(request))}


@router.get("/state")
async def get_state(request: Request) -> dict[str, Any]:
    return state_snapshot(get_context(request))


@router.get("/faults")
async def get_faults(request: Request) -> dict[str, Any]:
    return faults_summary(get_context(request).faults)


@router.put("/faults")
async def put_faults(request: Request) -> dict[str, Any]:
    ctx = get_context(request)
    changes = _fault_config(await _fields(request, _CONFIG_KEYS))
    try:
        ctx.faults.configure(**changes)
    except ValueError as exc:
        raise ApiError(400, "invalid_parameter", str(exc)) from exc
    return faults_summary(ctx.faults)


@router.post("/faults", status_code=201)
async def post_fault(request: Request) -> JSONResponse:
    ctx = get_context(request)
    fields = await _fields(request, _SCRIPT_KEYS)
    try:
        scripted = ctx.faults.script(
            method=fields.text("method"),
            path=fields.text("path"),
            kind=fields.choice("kind", SCRIPT_KINDS, "status"),  # type: ignore[arg-type]
            when=fields.choice("when", WHENS, "before"),  # type: ignore[arg-type]
            status=fields.integer("status", 503, minimum=400, maximum=599) or 503,
            count=fields.integer("count", 1, minimum=1, maximum=_MAX_COUNT) or 1,
            delay_s=fields.number("delay_s", 0.0, minimum=0, maximum=_MAX_SECONDS) or 0.0,
            retry_after=fields.integer("retry_after", minimum=0, maximum=int(_MAX_SECONDS)),
        )
    except ValueError as exc:
        raise ApiError(400, "invalid_parameter", str(exc)) from exc
    return JSONResponse(scripted.to_api(), status_code=201)


@router.delete("/faults", status_code=204)
async def delete_faults(request: Request) -> Response:
    get_context(request).faults.clear_scripted()
    return Response(status_code=204)


@router.post("/reset")
async def reset(request: Request) -> dict[str, str]:
    get_context(request).reset()
    return {"status": "reset"}


@router.post("/revoke-tokens")
async def revoke_tokens(request: Request) -> dict[str, int]:
    return {"revoked": get_context(request).tokens.revoke_all()}


@router.post("/tokens", status_code=201)
async def issue_token(request: Request) -> JSONResponse:
    ctx = get_context(request)
    fields = await _fields(request, {"subject", "ttl"})
    subject = fields.text("subject", "emulator-user") or "emulator-user"
    ttl = fields.number("ttl", minimum=0.001, maximum=_MAX_TTL)
    issued = ctx.tokens.issue(subject, "emulator", ttl)
    return JSONResponse({"token": issued.token, "expiration": int(issued.expires_at)}, status_code=201)


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


async def _add_workspace(request: Request, kind: ScopeKind) -> JSONResponse:
    ctx = get_context(request)
    fields = await _fields(request, _WORKSPACE_KEYS)
    name = str(fields.text("name", required=True))
    guid = fields.text("guid")
    if guid is not None and not _GUID.match(guid):
        raise field_error("guid", "'guid' must be 1-128 letters, digits, '-', '_' or '.' (a UUID, say)")
    try:
        ws = ctx.store.add_workspace(
            kind,
            name,
            guid=guid,
            description=fields.text("description", "") or "",
            type=fields.text("type", "cpd") or "cpd",
        )
    except ValueError as exc:
        raise ApiError(409, "conflict", str(exc)) from exc
    return JSONResponse(workspace_to_api(ws), status_code=201)


@router.post("/projects", status_code=201)
async def add_project(request: Request) -> JSONResponse:
    return await _add_workspace(request, "project")


@router.post("/catalogs", status_code=201)
async def add_catalog(request: Request) -> JSONResponse:
    return await _add_workspace(request, "catalog")


@router.post("/spaces", status_code=201)
async def add_space(request: Request) -> JSONResponse:
    return await _add_workspace(request, "space")
