"""What keeps a sync with ``prune`` from wiping a project by mistake.

A spec that renders empty (a Jinja loop over a Variable that is ``[]``) or shrinks by accident would
otherwise delete every managed connection, and the task would succeed. Like ``kubectl apply --prune``
asking for a selector and Terraform showing its plan first, destruction has to be deliberate:

* an empty (or null) spec with ``prune`` is refused unless ``allow_empty_spec=True``;
* one run deletes at most ``max_deletes`` connections (default 10; None = no limit);
* one run deletes at most ``max_delete_fraction`` of the managed connections that exist (default 0.5;
  None = no limit). One deletion is always within this fraction, so renaming the only managed
  connection still works.

Each refusal comes before any write and names the setting that lifts it.

Per deletion, not per plan: no run deletes a connection that data assets use (IBM's delete does not
check; they would point at nothing), unless each of them is named in ``accepted_dependents`` or
``force`` skips the check, nor any connection when what uses them could not be looked up. What uses
each deletion is looked up once per plan (``client.dependents``), before any write; such a deletion
is not sent and fails naming its data assets and the fix (:meth:`PruneGuard.blocked_deletions`),
while the rest of the plan goes ahead, creates and updates first as always.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from airflow_connections_provider.client import Dependent, DependentsUnknownError, InvalidInputError, is_permanent
from airflow_connections_provider.client.dependents import accept_hint, describe, not_accepted
from airflow_connections_provider.sync.limits import DEFAULT_MAX_DELETE_FRACTION, DEFAULT_MAX_DELETES
from airflow_connections_provider.sync.plan import Plan, PlannedAction, shown


@dataclass(frozen=True, slots=True)
class PruneGuard:
    allow_empty_spec: bool = False
    max_deletes: int | None = DEFAULT_MAX_DELETES
    max_delete_fraction: float | None = DEFAULT_MAX_DELETE_FRACTION
    #: Delete connections whatever uses them: the dependents are not even looked up.
    force: bool = False
    #: Names or ids of data assets that may be left pointing at a deleted connection.
    accepted_dependents: frozenset[str] = frozenset()

    def check_spec(self, entries: int, *, prune: bool) -> None:
        """Refuse an empty spec with prune (before anything is listed or written)."""
        if prune and entries == 0 and not self.allow_empty_spec:
            raise InvalidInputError(
                "sync spec",
                [
                    "the spec declares no connections and prune=True would delete every managed connection; "
                    "if that is what you want, set allow_empty_spec=True"
                ],
            )

    def check_plan(self, plan: Plan, *, managed: int) -> None:
        """Refuse a plan that deletes more than the limits allow; ``managed`` = managed connections listed."""
        deletes = plan.of("delete")
        if not deletes:
            return
        problems = self._limit_problems(deletes, managed)
        if problems:
            raise InvalidInputError("sync plan (nothing was written)", problems)

    def blocked_deletions(
        self,
        plan: Plan,
        dependents: Mapping[str, Sequence[Dependent]] | None,
        unknown: DependentsUnknownError | None = None,
    ) -> dict[str, BlockedDeletion]:
        """The deletions of ``plan`` that must not be sent, by connection id, and why: data assets use the
        connection and are not accepted, or what uses it could not be looked up (``unknown``: then every
        deletion). The rest of the plan goes ahead; these fail, each naming its data assets and the fix.

        ``dependents``: what uses each deletion, by connection id (``runner.plan_sync`` looks it up unless
        ``force``); None says nothing about dependents.
        """
        if self.force:
            return {}
        blocked: dict[str, BlockedDeletion] = {}
        for action in plan.of("delete"):
            if action.connection_id is None:
                continue
            if unknown is not None:
                blocked[action.connection_id] = BlockedDeletion(str(unknown), is_permanent(unknown))
                continue
            refused = not_accepted((dependents or {}).get(action.connection_id, ()), self.accepted_dependents)
            if refused:
                blocked[action.connection_id] = BlockedDeletion(
                    f"{shown(action.name)} (id {action.connection_id}) is used by {len(refused)} data asset(s): "
                    f"{describe(refused)}; not deleted: IBM's delete does not check what uses a connection, and "
                    "they would point at nothing. Delete them or point them at another connection first, or "
                    f"keep the connection in the spec; or accept them, {accept_hint(refused)}; or set force=True "
                    "to prune without this check",
                    permanent=True,
                )
        return blocked

    def _limit_problems(self, deletes: Sequence[PlannedAction], managed: int) -> list[str]:
        problems = []
        if self.max_deletes is not None and len(deletes) > self.max_deletes:
            problems.append(f"the plan deletes {len(deletes)} connections, more than max_deletes={self.max_deletes}")
        if self.max_delete_fraction is not None and managed:
            allowed = max(1, math.floor(self.max_delete_fraction * managed))
            if len(deletes) > allowed:
                problems.append(
                    f"the plan deletes {len(deletes)} of the {managed} managed connections, more than "
                    f"max_delete_fraction={self.max_delete_fraction:g} allows ({allowed})"
                )
        if problems:
            first = sorted(a.name for a in deletes)[:10]
            names = ", ".join(map(shown, first)) + (" …" if len(deletes) > 10 else "")
            problems.append(
                f"would delete: {names}. Check the spec; if these deletions are intended, raise the limit "
                "(or set it to None) for this run"
            )
        return problems


@dataclass(frozen=True, slots=True)
class BlockedDeletion:
    """A deletion the prune must not send: why (names and ids only), and whether another try could help."""

    message: str
    permanent: bool


def check_limits(max_deletes: object, max_delete_fraction: object) -> list[str]:
    """Problems with the guard's own settings (for operator argument checks)."""
    problems = []
    if max_deletes is not None and (
        not isinstance(max_deletes, int) or isinstance(max_deletes, bool) or max_deletes < 0
    ):
        problems.append(f"max_deletes must be an integer >= 0 or None, got {max_deletes!r}")
    if max_delete_fraction is not None and (
        not isinstance(max_delete_fraction, (int, float))
        or isinstance(max_delete_fraction, bool)
        or not math.isfinite(max_delete_fraction)
        or not 0 <= max_delete_fraction <= 1
    ):
        problems.append(f"max_delete_fraction must be a number between 0 and 1 or None, got {max_delete_fraction!r}")
    return problems
