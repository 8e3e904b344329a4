"""Applying a sync plan: construction before destruction, bounded concurrency, every failure reported.

* **Creates and updates first**, with at most ``max_concurrency`` requests in flight; a failed one does
  not stop the others. **Deletions run only when every create and update succeeded**; otherwise they
  are *held back* (reported, not sent) and the task fails. So a spec that renames ``app-old`` to
  ``app-new`` never deletes ``app-old`` while ``app-new`` could not be created (Terraform's
  create-before-destroy); the re-run after the fix plans them again and converges.
* **A 409 on a create is a concurrent writer**, not a failure: an overlapping sync of the same spec (or
  anyone) created the name since the listing. The connection is read again and converged like an
  update — same datasource type required, every declared value sent, secrets included, since what the
  other writer sent cannot be read back.
* **Failures say no value.** The text of a failure (summary, log) has every value that write sent
  replaced (:mod:`.redaction`); an unexpected exception is reported by type only in the summary.
* **Progress at a steady cadence** (:mod:`.progress`): a line now and then for a long apply, each write
  logged only when there are few, every failure always, and one summary line at the end.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

from airflow_connections_provider.client import (
    ConnectionNameExistsError,
    ConnectionsClient,
    ConnectionsClientError,
    Scope,
    is_permanent,
)
from airflow_connections_provider.sync.plan import ActionKind, Plan, PlannedAction, diff
from airflow_connections_provider.sync.progress import PER_WRITE_LINES, ApplyProgress, Clock
from airflow_connections_provider.sync.redaction import Redactor
from airflow_connections_provider.sync.spec import DesiredConnection

_log = logging.getLogger("airflow_connections_provider.sync.runner")

#: Writes in flight at once, at most: one HTTP connection each in the client's pool.
MAX_CONCURRENCY = ConnectionsClient.POOL_SIZE


@dataclass(frozen=True)
class Outcome:
    """What became of one planned write.

    ``effect`` is what was done, which differs from ``action.kind`` when a concurrent writer created
    the connection first (a planned create that converged as an update); None when the write failed
    or was held back. ``sent_secrets`` are the secret values the write sent (for the fingerprints).
    """

    action: PlannedAction
    connection_id: str | None = None
    error: str | None = None
    permanent: bool = False  # the same write would fail again (see client.is_permanent)
    held_back: bool = False
    effect: ActionKind | None = None
    changed_fields: tuple[str, ...] = ()
    sent_secrets: Mapping[str, Any] = field(default_factory=dict, repr=False)


class _RefusedError(Exception):
    """A write this module refuses to make, with a message fit for the summary."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


def apply_plan(
    client: ConnectionsClient,
    scope: Scope,
    plan: Plan,
    *,
    test: bool,
    max_concurrency: int,
    log: logging.Logger | Any = _log,
    clock: Clock | None = None,
) -> list[Outcome]:
    """Creates and updates, then deletions if all of those succeeded; one :class:`Outcome` per write."""
    building = [a for a in plan.writes if a.kind != "delete"]
    deletions = [a for a in plan.writes if a.kind == "delete"]
    progress = ApplyProgress(len(building) + len(deletions), log=log, clock=clock or time.monotonic)
    each_write = len(plan.writes) <= PER_WRITE_LINES

    def apply(action: PlannedAction) -> Outcome:
        return _apply_one(client, scope, action, test=test, log=log, each_write=each_write)

    outcomes = _in_parallel(apply, building, max_concurrency, progress)
    failed = [o for o in outcomes if o.error is not None]
    if failed and deletions:
        log.error(
            "Holding back %d deletion(s) because %d create(s)/update(s) failed: a connection is deleted only "
            "once everything that replaces it exists. Fix the failures and run again to delete %s",
            len(deletions),
            len(failed),
            ", ".join(repr(a.name) for a in deletions),
        )
        outcomes += [Outcome(a, a.connection_id, held_back=True) for a in deletions]
    else:
        outcomes += _in_parallel(apply, deletions, max_concurrency, progress)
    if outcomes:
        log.info("%s", progress.summary((o.effect for o in outcomes), held_back=sum(o.held_back for o in outcomes)))
    return outcomes


def _in_parallel(
    apply: Callable[[PlannedAction], Outcome], actions: list[PlannedAction], limit: int, progress: ApplyProgress
) -> list[Outcome]:
    """The outcomes in the order of ``actions``; progress counted as each write completes."""
    if not actions:
        return []
    workers = max(1, min(limit, MAX_CONCURRENCY, len(actions)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ibm-sync") as pool:
        futures = [pool.submit(apply, action) for action in actions]
        for future in as_completed(futures):
            progress.record(failed=future.result().error is not None)
        return [future.result() for future in futures]


def _apply_one(
    client: ConnectionsClient,
    scope: Scope,
    action: PlannedAction,
    *,
    test: bool,
    log: logging.Logger | Any,
    each_write: bool = True,
) -> Outcome:
    try:
        if action.kind == "create":
            assert action.desired is not None
            outcome = _create(client, scope, action, action.desired, test=test, log=log)
        elif action.kind == "update":
            assert action.changes is not None
            assert action.connection_id is not None
            assert action.desired is not None
            client.update_connection(scope, action.connection_id, action.changes, test=test, current=action.current)
            sent = _secrets_of(action.desired, action.changes.set_properties)
            outcome = Outcome(action, action.connection_id, effect="update", changed_fields=action.changed_fields,
                              sent_secrets=sent)  # fmt: skip
        else:
            assert action.connection_id is not None
            client.delete_connection(scope, action.connection_id, missing_ok=True)
            outcome = Outcome(action, action.connection_id, effect="delete")
    except (ConnectionsClientError, _RefusedError) as exc:
        text = str(exc) if isinstance(exc, _RefusedError) else _redactor(action).error(exc)
        log.error("Failed to %s: %s", action.describe(), text)
        permanent = exc.permanent if isinstance(exc, _RefusedError) else is_permanent(exc)
        return Outcome(action, action.connection_id, error=text, permanent=permanent)
    except Exception as exc:  # noqa: BLE001 - one bad entry must not abort the others mid-way
        # The summary goes to XCom, which is never masked: the type only; the details, redacted, in the log.
        details = _redactor(action).error(exc)
        log.error("Failed to %s: unexpected %s: %s", action.describe(), type(exc).__name__, details)
        return Outcome(action, action.connection_id, error=f"unexpected {type(exc).__name__} (see the task log)")
    done = action.describe() if outcome.effect != "create" else f"{action.describe()} id {outcome.connection_id}"
    (log.info if each_write else log.debug)("Done: %s", done)
    return outcome


def _create(
    client: ConnectionsClient,
    scope: Scope,
    action: PlannedAction,
    desired: DesiredConnection,
    *,
    test: bool,
    log: logging.Logger | Any,
    again: bool = True,
) -> Outcome:
    try:
        created = client.create_checked_connection(scope, desired, test=test)  # checked once, by the spec
    except ConnectionNameExistsError:
        holder = client.find_connection(scope, desired.name)
        if holder is None:  # created and deleted again since the 409: the name is free once more
            if again:
                return _create(client, scope, action, desired, test=test, log=log, again=False)
            raise
        if holder.datasource_type != desired.datasource_type.id:
            raise _RefusedError(
                f"another writer created {desired.name!r} (id {holder.id}) during this sync with datasource type "
                f"{holder.datasource_type}, the spec says {desired.datasource_type.name}; delete or rename it first",
                permanent=True,
            ) from None
        changes = diff(desired, holder, fingerprints=None, rewrite_secrets=True)
        if not changes.is_empty:
            client.update_connection(scope, holder.id, changes, test=test, current=holder)
        log.warning(
            "%r was created by another writer (id %s) since the listing (409): converged it to the spec%s",
            desired.name,
            holder.id,
            f" ({', '.join(changes.changed_fields)})" if not changes.is_empty else " (nothing to change)",
        )
        return Outcome(
            action,
            holder.id,
            effect="update",
            changed_fields=changes.changed_fields,
            sent_secrets=_secrets_of(desired, changes.set_properties),
        )
    return Outcome(action, created.id, effect="create", sent_secrets=_secrets_of(desired, desired.properties))


def _secrets_of(desired: DesiredConnection, sent: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in sent.items() if k in desired.secret_names}


def _redactor(action: PlannedAction) -> Redactor:
    """Every value the write of ``action`` sent (a delete sends none)."""
    desired = action.desired
    if desired is None or action.kind == "delete":
        return Redactor()
    return Redactor.of([*desired.properties.values(), desired.description])
