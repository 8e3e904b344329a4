"""What the inspection API and the Python handle report, computed once for both.

`state_snapshot` is the only output that contains secrets in clear (stored connection
properties); nothing here ever contains a token or a registered data-source password.
"""

from __future__ import annotations

from typing import Any

from .context import EmulatorContext
from .faults import FaultInjector
from .serialize import connection_to_api, iso_time
from .state import ScopeKind, Workspace


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
