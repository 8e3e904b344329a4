"""Running a sync: check the spec, list once, plan, apply with bounded concurrency, report.

Requests spent: the datasource types named by the spec (cached), the pages of one listing, and one
write per create, update or delete. A failed write does not stop the others; every failure is
reported in the summary and the caller fails the task after all the others are applied.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from airflow_connections_provider.client import ConnectionsClient, ConnectionsClientError, Scope
from airflow_connections_provider.client.client import ALL_FLAGS
from airflow_connections_provider.sync.fingerprints import (
    FingerprintState,
    FingerprintStore,
    VariableStore,
    default_variable_name,
)
from airflow_connections_provider.sync.plan import Plan, PlannedAction, make_plan
from airflow_connections_provider.sync.spec import ConnectionLookup, resolve_spec

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SyncRequest:
    spec: Any
    managed_prefix: str | None = None
    prune: bool = False
    dry_run: bool = False
    test: bool = True
    max_concurrency: int = 8
    rewrite_secrets: bool = False
    fingerprint_variable: str | None = None
    secret_fingerprints: bool = True


@dataclass(frozen=True)
class Outcome:
    action: PlannedAction
    connection_id: str | None = None
    error: str | None = None


def store_for(request: SyncRequest, scope: Scope) -> FingerprintStore | None:
    """Where this sync remembers secret fingerprints; None when it keeps no state."""
    if not request.secret_fingerprints:
        return None
    return VariableStore(request.fingerprint_variable or default_variable_name(scope.id, request.managed_prefix))


def run_sync(
    client: ConnectionsClient,
    scope: Scope,
    request: SyncRequest,
    *,
    log: logging.Logger | Any = _log,
    store: FingerprintStore | None = None,
    lookup: ConnectionLookup | None = None,
) -> dict[str, Any]:
    """Sync ``scope`` to ``request.spec``; returns the summary (names, ids and field names only).

    ``store`` keeps secret fingerprints between runs (``store_for(request, scope)`` in a task); None
    means no memory, so secrets go out only with creates, other changes or ``rewrite_secrets``.
    """
    kwargs = {"lookup": lookup} if lookup is not None else {}
    desired = resolve_spec(client, request.spec, managed_prefix=request.managed_prefix, **kwargs)
    state = store.load() if store is not None else None
    actual = client.list_connections(scope, flags=ALL_FLAGS)
    plan = make_plan(
        desired,
        actual,
        managed_prefix=request.managed_prefix,
        prune=request.prune,
        fingerprints=state,
        rewrite_secrets=request.rewrite_secrets,
    )
    counts = plan.counts()
    log.info(
        "Sync plan for %s: %d to create, %d to update, %d to delete, %d unchanged (%d listed)%s",
        scope,
        counts["create"],
        counts["update"],
        counts["delete"],
        counts["unchanged"],
        len(actual),
        " [dry run: nothing will be written]" if request.dry_run else "",
    )
    for action in plan.writes:
        log.info("Plan: %s", action.describe())
    if request.dry_run:
        return summarise(scope, plan, None, dry_run=True)
    outcomes = apply_plan(client, scope, plan, test=request.test, max_concurrency=request.max_concurrency, log=log)
    if store is not None and state is not None:
        record(state, outcomes)
        try:
            store.save(state)
        except Exception as exc:  # noqa: BLE001 - the writes landed; losing state only re-sends secrets next run
            log.warning("Could not save secret fingerprints (%s); the next run will send secrets again", exc)
    return summarise(scope, plan, outcomes, dry_run=False)


def apply_plan(
    client: ConnectionsClient,
    scope: Scope,
    plan: Plan,
    *,
    test: bool,
    max_concurrency: int,
    log: logging.Logger | Any = _log,
) -> list[Outcome]:
    def apply(action: PlannedAction) -> Outcome:
        try:
            connection_id = _apply_one(client, scope, action, test=test)
        except ConnectionsClientError as exc:
            log.error("Failed to %s: %s", action.describe(), exc)
            return Outcome(action, action.connection_id, error=str(exc))
        log.info(
            "Done: %s", action.describe() if action.kind != "create" else f"{action.describe()} id {connection_id}"
        )
        return Outcome(action, connection_id)

    writes = plan.writes
    if not writes:
        return []
    with ThreadPoolExecutor(max_workers=min(max_concurrency, len(writes)), thread_name_prefix="ibm-sync") as pool:
        return list(pool.map(apply, writes))


def _apply_one(client: ConnectionsClient, scope: Scope, action: PlannedAction, *, test: bool) -> str | None:
    if action.kind == "create":
        assert action.desired is not None
        desired = action.desired
        created = client.create_connection(
            scope,
            name=desired.name,
            datasource_type=desired.datasource_type.id,
            properties=desired.properties,
            description=desired.description,
            test=test,
        )
        return created.id
    if action.kind == "update":
        assert action.changes is not None
        assert action.connection_id is not None
        client.update_connection(scope, action.connection_id, action.changes, test=test, current=action.current)
        return action.connection_id
    assert action.connection_id is not None
    client.delete_connection(scope, action.connection_id, missing_ok=True)
    return action.connection_id


def record(state: FingerprintState, outcomes: list[Outcome]) -> None:
    """Remember the secrets that were applied (by fingerprint), forget deleted connections."""
    for outcome in outcomes:
        if outcome.error is not None or outcome.connection_id is None:
            continue
        action = outcome.action
        if action.kind == "delete":
            state.forget(outcome.connection_id)
            continue
        desired = action.desired
        if desired is None:
            continue
        if action.kind == "create":
            state.forget(outcome.connection_id)
            applied: Mapping[str, Any] = {k: desired.properties[k] for k in desired.secret_names}
        else:
            sent = action.changes.set_properties if action.changes is not None else {}
            applied = {k: v for k, v in sent.items() if k in desired.secret_names}
        state.remember(outcome.connection_id, applied)


def summarise(scope: Scope, plan: Plan, outcomes: list[Outcome] | None, *, dry_run: bool) -> dict[str, Any]:
    failed = {o.action.name: o.error for o in outcomes or [] if o.error is not None}
    ids = {o.action.name: o.connection_id for o in outcomes or [] if o.error is None}
    done = [a for a in plan.actions if a.name not in failed]
    return {
        "scope": {scope.kind: scope.id},
        "dry_run": dry_run,
        "created": {a.name: ids.get(a.name) for a in done if a.kind == "create"},
        "updated": {a.name: list(a.changed_fields) for a in done if a.kind == "update"},
        "deleted": sorted(a.name for a in done if a.kind == "delete"),
        "unchanged": sorted(a.name for a in plan.of("unchanged")),
        "failed": failed,
    }
