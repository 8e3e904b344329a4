"""Running a sync: check the spec, list once, plan, guard, apply with bounded concurrency, report.

Requests spent: the datasource types named by the spec (cached), the pages of one listing, and one
write per create, update or delete. A failed write does not stop the others — whatever the failure,
even an unexpected one — every failure is reported in the summary and the caller fails the task
after all the others are applied.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from airflow_connections_provider.client import ConnectionsClient, ConnectionsClientError, Scope
from airflow_connections_provider.client.client import ALL_FLAGS
from airflow_connections_provider.client.transport import POOL_SIZE
from airflow_connections_provider.operators.failures import is_permanent
from airflow_connections_provider.sync.fingerprints import (
    Baseline,
    FingerprintStore,
    VariableStore,
    default_variable_name,
    merge,
)
from airflow_connections_provider.sync.guard import PruneGuard
from airflow_connections_provider.sync.limits import DEFAULT_MAX_DELETE_FRACTION, DEFAULT_MAX_DELETES
from airflow_connections_provider.sync.plan import Plan, PlannedAction, make_plan
from airflow_connections_provider.sync.spec import ConnectionLookup, resolve_spec

_log = logging.getLogger(__name__)

#: Writes in flight at once, at most: one HTTP connection each in the client's pool.
MAX_CONCURRENCY = POOL_SIZE


@dataclass(frozen=True)
class SyncRequest:
    # The spec holds rendered secrets: never in a repr (tracebacks, debuggers, logs of the request).
    spec: Any = field(repr=False)
    managed_prefix: str | None = None
    prune: bool = False
    dry_run: bool = False
    test: bool = True
    max_concurrency: int = 8
    rewrite_secrets: bool = False
    fingerprint_variable: str | None = None
    secret_fingerprints: bool = True
    allow_empty_spec: bool = False
    max_deletes: int | None = DEFAULT_MAX_DELETES
    max_delete_fraction: float | None = DEFAULT_MAX_DELETE_FRACTION

    @property
    def guard(self) -> PruneGuard:
        return PruneGuard(self.allow_empty_spec, self.max_deletes, self.max_delete_fraction)


@dataclass(frozen=True)
class Outcome:
    action: PlannedAction
    connection_id: str | None = None
    error: str | None = None
    permanent: bool = False  # the same write would fail again (see operators.failures.is_permanent)


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
    request.guard.check_spec(len(desired), prune=request.prune)
    state = store.load() if store is not None else None
    baseline = Baseline.of(state) if state is not None else None
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
        "Sync plan for %s: %d to delete, %d to create, %d to update, %d unchanged (%d listed)%s\n%s",
        scope,
        counts["delete"],
        counts["create"],
        counts["update"],
        counts["unchanged"],
        len(actual),
        " [dry run: nothing will be written]" if request.dry_run else "",
        plan.table(),
    )
    managed = sum(1 for c in actual if request.managed_prefix and c.name.startswith(request.managed_prefix))
    if request.dry_run:
        summary = summarise(scope, plan, None, dry_run=True)
        try:
            request.guard.check_plan(plan, managed=managed)
        except ConnectionsClientError as exc:
            log.warning("A real run would refuse this plan: %s", exc)
            summary["refused"] = str(exc)
        return summary
    request.guard.check_plan(plan, managed=managed)
    outcomes = apply_plan(client, scope, plan, test=request.test, max_concurrency=request.max_concurrency, log=log)
    if store is not None and baseline is not None:
        save_fingerprints(store, baseline, outcomes, log=log)
    return summarise(scope, plan, outcomes, dry_run=False)


def save_fingerprints(
    store: FingerprintStore, baseline: Baseline, outcomes: list[Outcome], *, log: logging.Logger | Any = _log
) -> None:
    """Merge what this run applied into the state as stored *now* (another run may have saved meanwhile)."""
    applied, created, deleted = applied_secrets(outcomes)
    if not (applied or deleted):
        return
    try:
        fresh = store.load()
        dropped = merge(fresh, baseline, applied=applied, created=created, deleted=deleted)
        store.save(fresh)
    except Exception as exc:  # noqa: BLE001 - the writes landed; losing state only re-sends secrets next run
        log.warning("Could not save secret fingerprints (%s); the next run will send secrets again", exc)
        return
    if dropped:
        log.warning(
            "Another sync of this spec saved its state meanwhile; %d secret fingerprint(s) dropped so the "
            "next run sends those secrets again: %s",
            len(dropped),
            ", ".join(f"{cid}.{prop}" for cid, prop in dropped),
        )


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
            return Outcome(action, action.connection_id, error=str(exc), permanent=is_permanent(exc))
        except Exception as exc:  # noqa: BLE001 - one bad entry must not abort the others mid-way
            # The summary goes to XCom, which is never masked: the type only, the details in the task log.
            log.error("Failed to %s: unexpected %s: %s", action.describe(), type(exc).__name__, exc)
            return Outcome(action, action.connection_id, error=f"unexpected {type(exc).__name__} (see the task log)")
        log.info(
            "Done: %s", action.describe() if action.kind != "create" else f"{action.describe()} id {connection_id}"
        )
        return Outcome(action, connection_id)

    writes = plan.writes
    if not writes:
        return []
    workers = max(1, min(max_concurrency, MAX_CONCURRENCY, len(writes)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ibm-sync") as pool:
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


def applied_secrets(
    outcomes: list[Outcome],
) -> tuple[dict[str, Mapping[str, Any]], list[str], list[str]]:
    """``(secrets sent per connection id, ids created, ids deleted)`` by the writes that succeeded."""
    applied: dict[str, Mapping[str, Any]] = {}
    created: list[str] = []
    deleted: list[str] = []
    for outcome in outcomes:
        if outcome.error is not None or outcome.connection_id is None:
            continue
        action = outcome.action
        if action.kind == "delete":
            deleted.append(outcome.connection_id)
            continue
        desired = action.desired
        if desired is None:
            continue
        if action.kind == "create":
            created.append(outcome.connection_id)
            applied[outcome.connection_id] = {k: desired.properties[k] for k in desired.secret_names}
        else:
            sent = action.changes.set_properties if action.changes is not None else {}
            applied[outcome.connection_id] = {k: v for k, v in sent.items() if k in desired.secret_names}
    return applied, created, deleted


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
        "failed_permanently": sorted(o.action.name for o in outcomes or [] if o.error is not None and o.permanent),
    }
