"""What ``plan`` and ``apply`` print: a diff for people, a stable JSON document (``--json``) for machines.

The JSON document (``format_version`` 1; docs/cli.md describes every key). New keys may be added;
existing keys keep their meaning and type while ``format_version`` stays 1::

    {"format_version": 1, "command": "plan", "scope": {"project_id": "..."},
     "changes": true, "counts": {"create": 1, "update": 1, "delete": 0, "unchanged": 2},
     "refused": null, "not_available": ["conn.landing_cos (set AIRFLOW_CONN_LANDING_COS)"],
     "connections": [{"name", "action", "state", "id", "datasource_type", "fields", "secrets", "not_compared"}],
     "result": null, "error": null, "dependents": {"app-old": [{"asset_id", "name", "asset_type"}]},
     "blocked": {"app-old": "app-old (id …) is used by 1 data asset(s): …"}}

``blocked`` names the deletions an apply would not send, each with why (data assets use the
connection, or what uses it could not be looked up). ``dependents`` names, per connection the plan
deletes, the data assets that use it (none: not listed; not looked up with ``--force``).
``connections`` lists every declared or deleted connection, deletions first, then creates, updates
and unchanged ones, each by name. Names, ids, field names and statuses only: never a value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from airflow_connections_provider.client import Scope
from airflow_connections_provider.sync.drift import entry, render, unverified_secrets
from airflow_connections_provider.sync.plan import WRITE_ORDER, Plan, shown

FORMAT_VERSION = 1


def document(
    command: str,
    scope: Scope | None,
    plan: Plan | None,
    *,
    refused: str | None = None,
    not_available: Sequence[str] = (),
    result: Mapping[str, Any] | None = None,
    error: str | None = None,
    dependents: Mapping[str, Sequence[Mapping[str, str]]] | None = None,
    blocked: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    connections = []
    if plan is not None:
        for kind in (*WRITE_ORDER, "unchanged"):
            connections += [entry(a) for a in sorted(plan.of(kind), key=lambda a: a.name)]
    return {
        "format_version": FORMAT_VERSION,
        "command": command,
        "scope": {scope.kind: scope.id} if scope is not None else None,
        "changes": bool(plan.writes) if plan is not None else None,
        "counts": plan.counts() if plan is not None else None,
        "refused": refused,
        "not_available": list(not_available),
        "connections": connections,
        "result": dict(result) if result is not None else None,
        "error": error,
        "dependents": {name: [dict(d) for d in found] for name, found in (dependents or {}).items()},
        "blocked": dict(blocked or {}),
    }


def text(
    scope: Scope,
    spec: str,
    plan: Plan,
    *,
    refused: str | None,
    not_available: Sequence[str],
    dependents: str = "",
    blocked: Mapping[str, str] | None = None,
) -> str:
    """The plan as a diff; ``dependents``: the lines naming what uses each deletion (``runner.dependents_text``);
    ``blocked``: the deletions an apply would not send, name -> why."""
    counts = plan.counts()
    lines = [
        f"Plan for {scope} ({spec}): {counts['delete']} to delete, {counts['create']} to create, "
        f"{counts['update']} to update, {counts['unchanged']} unchanged"
    ]
    writes = [entry(a) for kind in WRITE_ORDER for a in sorted(plan.of(kind), key=lambda a: a.name)]
    lines.append(render(writes, unverified=unverified_secrets(plan)))
    if dependents:
        lines.append(dependents.strip("\n"))
    if not_available:
        lines.append(f"Not available here, so not compared: {', '.join(not_available)}")
    lines += [f"An apply would not delete {shown(name)}: {why}" for name, why in (blocked or {}).items()]
    if refused:
        lines.append(f"An apply would refuse this plan: {refused}")
    return "\n".join(lines)


def result_text(summary: Mapping[str, Any]) -> str:
    """After an apply: what was done, and what failed or was held back (redacted texts)."""
    lines = [
        f"Applied: {len(summary['created'])} created, {len(summary['updated'])} updated, "
        f"{len(summary['deleted'])} deleted, {len(summary['failed'])} failed, {len(summary['held_back'])} held back"
    ]
    lines += [f"  failed {shown(name)}: {reason}" for name, reason in summary["failed"].items()]
    if summary["held_back"]:
        held = ", ".join(map(shown, summary["held_back"]))
        lines.append(f"  held back (deleted once every create and update succeeds): {held}")
    return "\n".join(lines)
