"""`/_emulator/...`: the test-facing control API (no auth, never counted, never faulted), and the
reports it shares with the Python handle (`run/handle.py`), computed once for both.

`state_snapshot` is the only output that contains secrets in clear (stored connection
properties); nothing here ever contains a token or a registered data-source password.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import ApiError, invalid_parameter
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


# --- the routes ---

router = APIRouter(prefix=EMULATOR_PREFIX)

_SCRIPT_KEYS = {"method", "path", "kind", "when", "status", "count", "delay_s", "retry_after"}
_CONFIG_KEYS = {"latency_ms", "rate_limit", "fault_rate", "fault_seed", "fault_kinds", "slow_reply_s"}


async def _object_body(request: Request) -> dict[str, Any]:
    body = await read_json(request, default={})
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_request_body", "The request body must be a JSON object")
    return body


def _refuse_unknown(body: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise invalid_parameter(unknown[0], f"Unknown keys {unknown}; allowed: {sorted(allowed)}")


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
    body = await _object_body(request)
    _refuse_unknown(body, _CONFIG_KEYS)
    try:
        ctx.faults.configure(**body)
    except (ValueError, TypeError) as exc:
        raise ApiError(400, "invalid_parameter", str(exc)) from exc
    return faults_summary(ctx.faults)


@router.post("/faults", status_code=201)
async def post_fault(request: Request) -> JSONResponse:
    ctx = get_context(request)
    body = await _object_body(request)
    _refuse_unknown(body, _SCRIPT_KEYS)
    try:
        scripted = ctx.faults.script(
            method=body.get("method"),
            path=body.get("path"),
            kind=body.get("kind", "status"),
            when=body.get("when", "before"),
            status=int(body.get("status", 503)),
            count=int(body.get("count", 1)),
            delay_s=float(body.get("delay_s", 0.0)),
            retry_after=None if body.get("retry_after") is None else int(body["retry_after"]),
        )
    except (ValueError, TypeError) as exc:
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
    body = await _object_body(request)
    _refuse_unknown(body, {"subject", "ttl"})
    ttl = body.get("ttl")
    if ttl is not None and (not isinstance(ttl, (int, float)) or ttl <= 0):
        raise invalid_parameter("ttl", "ttl must be a positive number of seconds")
    issued = ctx.tokens.issue(str(body.get("subject", "emulator-user")), "emulator", ttl)
    return JSONResponse({"token": issued.token, "expiration": int(issued.expires_at)}, status_code=201)


@router.post("/datasources", status_code=201)
async def register_datasource(request: Request) -> JSONResponse:
    ctx = get_context(request)
    body = await _object_body(request)
    _refuse_unknown(body, {"host", "port", "username", "password"})
    for key in ("host", "port", "username", "password"):
        if body.get(key) in (None, ""):
            raise invalid_parameter(key, f"'{key}' is required")
    try:
        port = int(body["port"])
    except (TypeError, ValueError) as exc:
        raise invalid_parameter("port", "port must be an integer") from exc
    ctx.store.register_account(str(body["host"]), port, str(body["username"]), str(body["password"]))
    return JSONResponse({"host": str(body["host"]), "port": port, "username": str(body["username"])}, status_code=201)


async def _add_workspace(request: Request, kind: ScopeKind) -> JSONResponse:
    ctx = get_context(request)
    body = await _object_body(request)
    _refuse_unknown(body, {"name", "guid", "description", "type"})
    name = body.get("name")
    if not isinstance(name, str) or not name:
        raise invalid_parameter("name", "'name' is required")
    try:
        ws = ctx.store.add_workspace(
            kind,
            name,
            guid=body.get("guid"),
            description=str(body.get("description", "")),
            type=str(body.get("type", "cpd")),
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
