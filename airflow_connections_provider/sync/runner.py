"""Running a sync: check the spec, list once, plan, guard, apply (``apply``), report.

Requests spent: the datasource types named by the spec (cached), the pages of one listing, when the
plan deletes anything the pages of one asset search (what uses those connections, unless ``force``),
and one write per create, update or delete. Creates and updates go first; a failed one does not stop the
others — whatever the failure, even an unexpected one. Deletions follow only when every create and
update succeeded, and are otherwise held back; a deletion that data assets use (unless accepted or
forced), or any deletion when what uses them could not be looked up, is not sent and fails naming
them (``guard.PruneGuard.blocked_deletions``). Every failure and held-back deletion is reported in
the summary and the caller fails the task.

:func:`plan_sync` is the first half (check, list, plan) on its own, for callers that present the
plan themselves (the console script); :func:`run_sync` logs it and, unless it is a dry run, guards
and applies it. A dry run's summary carries the plan as drift (:mod:`.drift`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from airflow_connections_provider.client import (
    ALL_FLAGS,
    ConnectionsClient,
    ConnectionsClientError,
    Dependent,
    DependentsUnknownError,
    InvalidInputError,
    Scope,
)
from airflow_connections_provider.client.dependents import describe
from airflow_connections_provider.sync.apply import MAX_CONCURRENCY, Outcome, apply_plan
from airflow_connections_provider.sync.drift import drift_entries, unverified_secrets
from airflow_connections_provider.sync.fingerprints import (
    Baseline,
    FingerprintStore,
    VariableStore,
    default_variable_name,
    merge,
)
from airflow_connections_provider.sync.guard import BlockedDeletion, PruneGuard
from airflow_connections_provider.sync.limits import DEFAULT_MAX_DELETE_FRACTION, DEFAULT_MAX_DELETES
from airflow_connections_provider.sync.plan import Plan, PlannedAction, make_plan, shown
from airflow_connections_provider.sync.progress import Clock
from airflow_connections_provider.sync.spec import ConnectionLookup, DesiredConnection, Masker, resolve_spec

__all__ = [
    "MAX_CONCURRENCY",
    "Outcome",
    "PlannedSync",
    "SyncRequest",
    "apply_plan",
    "apply_planned",
    "plan_sync",
    "run_sync",
    "store_for",
    "summarise",
]

_log = logging.getLogger(__name__)


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
    #: Outside Airflow: the text the spec renderer wrote where a connection or Variable was not set.
    unavailable_marker: str | None = None
    #: Prune connections whatever data assets use them (what uses them is then not looked up).
    force: bool = False
    #: Names or ids of data assets a prune may leave pointing at a deleted connection.
    accepted_dependents: tuple[str, ...] = ()

    @property
    def guard(self) -> PruneGuard:
        return PruneGuard(
            self.allow_empty_spec,
            self.max_deletes,
            self.max_delete_fraction,
            force=self.force,
            accepted_dependents=frozenset(self.accepted_dependents),
        )


def store_for(request: SyncRequest, scope: Scope) -> FingerprintStore | None:
    """Where this sync remembers secret fingerprints; None when it keeps no state."""
    if not request.secret_fingerprints:
        return None
    return VariableStore(request.fingerprint_variable or default_variable_name(scope.id, request.managed_prefix))


@dataclass(frozen=True)
class PlannedSync:
    """The first half of a sync: the checked spec, what one listing found, the plan."""

    desired: list[DesiredConnection] = field(repr=False)
    plan: Plan
    listed: int
    managed: int
    baseline: Baseline | None = field(default=None, repr=False)
    #: What uses each connection the plan deletes, by connection id; None when not looked up (``force``,
    #: or nothing to delete).
    dependents: Mapping[str, tuple[Dependent, ...]] | None = None
    #: Why ``dependents`` could not be looked up, if it could not: no deletion is then sent.
    dependents_unknown: DependentsUnknownError | None = field(default=None, repr=False)

    def check(self, request: SyncRequest) -> None:
        """Refuse what the guard refuses as a whole (its limits): before any write."""
        request.guard.check_plan(self.plan, managed=self.managed)

    def blocked(self, request: SyncRequest) -> dict[str, BlockedDeletion]:
        """The deletions not to send, by connection id, and why (data assets use them, or not known)."""
        return request.guard.blocked_deletions(self.plan, self.dependents, self.dependents_unknown)

    def blocked_by_name(self, request: SyncRequest) -> dict[str, str]:
        """The deletions not to send: name -> why (XCom, ``--json``; names and ids only)."""
        blocked = self.blocked(request)
        return {
            a.name: blocked[a.connection_id].message
            for a in sorted(self.plan.of("delete"), key=lambda a: a.name)
            if a.connection_id in blocked
        }

    def dependents_by_name(self) -> dict[str, list[dict[str, str]]]:
        """The deletions that data assets use: name -> the assets (names and ids; XCom, ``--json``)."""
        found = self.dependents or {}
        return {
            action.name: [d.to_json() for d in found[action.connection_id]]
            for action in sorted(self.plan.of("delete"), key=lambda a: a.name)
            if action.connection_id is not None and found.get(action.connection_id)
        }


def plan_sync(
    client: ConnectionsClient,
    scope: Scope,
    request: SyncRequest,
    *,
    store: FingerprintStore | None = None,
    lookup: ConnectionLookup | None = None,
    mask: Masker | None = None,
    log: logging.Logger | Any = _log,
) -> PlannedSync:
    """Check the spec (refusing an empty one with prune), list once, plan, and look up what uses the
    connections it deletes (one asset search, unless ``force``). Writes nothing."""
    kwargs: dict[str, Any] = {"lookup": lookup} if lookup is not None else {}
    if mask is not None:
        kwargs["mask"] = mask
    desired = resolve_spec(
        client,
        request.spec,
        managed_prefix=request.managed_prefix,
        unavailable_marker=request.unavailable_marker,
        **kwargs,
    )
    request.guard.check_spec(len(desired), prune=request.prune)
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
    prefix = request.managed_prefix
    managed = sum(1 for c in actual if prefix and c.name.startswith(prefix))
    baseline = Baseline.of(state) if state is not None else None
    dependents, unknown = None, None
    ids = [a.connection_id for a in plan.of("delete") if a.connection_id]
    if ids and not request.force:  # one walk of the scope's data assets for every deletion
        try:
            dependents = client.find_dependents(scope, ids)
        except DependentsUnknownError as exc:  # the plan can still be shown; check() refuses to apply it
            log.warning("%s", exc)
            unknown = exc
    return PlannedSync(desired, plan, len(actual), managed, baseline, dependents, unknown)


def run_sync(
    client: ConnectionsClient,
    scope: Scope,
    request: SyncRequest,
    *,
    log: logging.Logger | Any = _log,
    store: FingerprintStore | None = None,
    lookup: ConnectionLookup | None = None,
    mask: Masker | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """Sync ``scope`` to ``request.spec``; returns the summary (names, ids and field names only).

    ``store`` keeps secret fingerprints between runs (``store_for(request, scope)`` in a task); None
    means no memory, so secrets go out only with creates, other changes or ``rewrite_secrets``.
    """
    planned = plan_sync(client, scope, request, store=store, lookup=lookup, mask=mask, log=log)
    plan = planned.plan
    counts = plan.counts()
    log.info(
        "Sync plan for %s: %d to delete, %d to create, %d to update, %d unchanged (%d listed)%s\n%s%s",
        scope,
        counts["delete"],
        counts["create"],
        counts["update"],
        counts["unchanged"],
        planned.listed,
        " [dry run: nothing will be written]" if request.dry_run else "",
        plan.table(),
        dependents_text(planned),
    )
    if request.dry_run:
        blocked = planned.blocked_by_name(request)
        summary = summarise(scope, plan, None, dry_run=True, dependents=planned.dependents_by_name(), blocked=blocked)
        for name, why in blocked.items():
            log.warning("A real run would not delete %s: %s", shown(name), why)
        try:
            planned.check(request)
        except ConnectionsClientError as exc:
            log.warning("A real run would refuse this plan: %s", exc)
            summary["refused"] = str(exc)
        return summary
    return apply_planned(client, scope, request, planned, log=log, store=store, clock=clock)


def apply_planned(
    client: ConnectionsClient,
    scope: Scope,
    request: SyncRequest,
    planned: PlannedSync,
    *,
    log: logging.Logger | Any = _log,
    store: FingerprintStore | None = None,
    clock: Clock | None = None,
) -> dict[str, Any]:
    """The second half: refuse what must not be written (values not available, the prune guard),
    apply, save the fingerprints; the summary."""
    check_complete(planned.desired)
    planned.check(request)
    blocked = planned.blocked(request)
    sendable = Plan(tuple(a for a in planned.plan.actions if a.kind != "delete" or a.connection_id not in blocked))
    outcomes = apply_plan(
        client, scope, sendable, test=request.test, max_concurrency=request.max_concurrency, log=log, clock=clock
    )
    for action in planned.plan.of("delete"):
        if (why := blocked.get(action.connection_id or "")) is not None:
            log.error("Not sending %s: %s", action.describe(), why.message)
            outcomes.append(Outcome(action, action.connection_id, error=why.message, permanent=why.permanent))
    if store is not None and planned.baseline is not None:
        save_fingerprints(store, planned.baseline, outcomes, log=log)
    dependents = planned.dependents_by_name()
    return summarise(
        scope, planned.plan, outcomes, dry_run=False, dependents=dependents, blocked=planned.blocked_by_name(request)
    )


def dependents_text(planned: PlannedSync) -> str:
    """Lines under the plan table naming what uses each deletion (empty when nothing does)."""
    found = planned.dependents or {}
    lines = [
        f"  {shown(a.name)} (id {a.connection_id}): {describe(found[a.connection_id])}"
        for a in sorted(planned.plan.of("delete"), key=lambda a: a.name)
        if a.connection_id is not None and found.get(a.connection_id)
    ]
    if not lines:
        return ""
    return "\nData assets that use connections this plan deletes (IBM's delete leaves them pointing at nothing):\n" + (
        "\n".join(lines)
    )


def check_complete(desired: list[DesiredConnection]) -> None:
    """Refuse to write a spec some of whose values were not available where it was rendered."""
    problems = [
        f"{shown(entry.name)}: {', '.join(sorted(entry.unavailable))} not available here"
        for entry in desired
        if entry.unavailable
    ]
    if problems:
        problems.append(
            "set the AIRFLOW_CONN_<ID> / AIRFLOW_VAR_<KEY> variables the spec names, then apply again; "
            "a plan can run without them (those values are not compared)"
        )
        raise InvalidInputError("sync spec (nothing was written)", problems)


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


def applied_secrets(
    outcomes: list[Outcome],
) -> tuple[dict[str, Mapping[str, Any]], list[str], list[str]]:
    """``(secrets sent per connection id, ids created, ids deleted)`` by the writes that succeeded."""
    applied: dict[str, Mapping[str, Any]] = {}
    created: list[str] = []
    deleted: list[str] = []
    for outcome in outcomes:
        if outcome.effect is None or outcome.connection_id is None:
            continue
        if outcome.effect == "delete":
            deleted.append(outcome.connection_id)
            continue
        if outcome.effect == "create":
            created.append(outcome.connection_id)
        applied[outcome.connection_id] = dict(outcome.sent_secrets)
    return applied, created, deleted


def summarise(
    scope: Scope,
    plan: Plan,
    outcomes: list[Outcome] | None,
    *,
    dry_run: bool,
    dependents: Mapping[str, list[dict[str, str]]] | None = None,
    blocked: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Names, ids and field names only (it goes to XCom); failures as redacted texts. ``dependents``:
    the deletions data assets use, name -> the assets (:meth:`PlannedSync.dependents_by_name`);
    ``blocked``: the deletions not sent (a real run reports them under ``failed`` too), name -> why."""
    if outcomes is None:  # a dry run: what the plan would do
        outcomes = [Outcome(a, a.connection_id, effect=a.kind, changed_fields=a.changed_fields) for a in plan.writes]
    done = [o for o in outcomes if o.effect is not None]
    summary = {
        "scope": {scope.kind: scope.id},
        "dry_run": dry_run,
        "created": {o.action.name: o.connection_id for o in done if o.effect == "create"},
        "updated": {o.action.name: list(o.changed_fields) for o in done if o.effect == "update"},
        "deleted": sorted(o.action.name for o in done if o.effect == "delete"),
        "datasource_types": {o.action.name: _type_id(o.action) for o in done},  # ids; for the asset events
        "unchanged": sorted(a.name for a in plan.of("unchanged")),
        "failed": {o.action.name: o.error for o in outcomes if o.error is not None},
        "failed_permanently": sorted(o.action.name for o in outcomes if o.error is not None and o.permanent),
        "held_back": sorted(o.action.name for o in outcomes if o.held_back),
        "dependents": dict(dependents or {}),
        "blocked": dict(blocked or {}),
    }
    if dry_run:  # the plan as drift: which connections differ from the spec, and how (names only)
        summary["drift"] = drift_entries(plan)
        summary["unverified_secrets"] = unverified_secrets(plan)
    return summary


def _type_id(action: PlannedAction) -> str:
    if action.desired is not None:
        return action.desired.datasource_type.id
    return action.current.datasource_type if action.current is not None else ""
