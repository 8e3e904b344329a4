"""Drift: how the service differs from the spec, as data (XCom, ``--json``) and as a readable diff.

Drift *is* the plan of a dry run: the same reading of the spec, the same listing, the same planner,
so a drift check and the sync that would repair it can never disagree. A connection drifts when the
plan would write to it: ``missing`` (a sync creates it), ``differs`` (a sync updates the fields
named), ``not in the spec`` (with ``prune``, a managed connection the spec does not name: a sync
deletes it). Every declared secret gets a status (:mod:`.secret_status`): ``changed``,
``unchanged``, ``unknown`` or ``not compared``, with the basis it was judged on. Names, ids, field
names and statuses only: never a value.

What is compared, and what is ignored by rule (fields the service or IBM's UI change by themselves
would otherwise report drift on every run); docs/sync.md prints this list.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from airflow_connections_provider.sync.plan import WRITE_ORDER, Plan, PlannedAction, shown

#: What a drift check compares, per declared connection (Markdown: docs/sync.md prints these tables).
COMPARED: tuple[tuple[str, str], ...] = (
    ("`name`", "matched exactly; several connections with one name refuse the check, naming their ids"),
    ("`datasource_type`", "a connection of another type with a declared name refuses the check"),
    ("`description`", "when the entry declares one"),
    ("`properties.<name>`", "each property the entry declares, normalised as the sync compares them"),
    ("vault references", "as references: the same secret URN, the property listed in `vaulted_properties`"),
    ("`flags`", "when the entry declares them: other flags refuse the check (flags cannot be changed)"),
    ("secret properties", "changed / unchanged / unknown / not compared, by the value read back or the fingerprint"),
    ("connections not in the spec", "with `prune`: managed connections (`managed_prefix`) the spec does not name"),
)

#: Fields a drift check ignores by rule, and why.
IGNORED: tuple[tuple[str, str], ...] = (
    ("`metadata.usage`", "last access time, last accessor and access count change whenever the connection is used"),
    ("`metadata.create_time`, `creator_id`, `asset_id`", "set by the service; connections are matched by name"),
    ("`entity.interaction_properties`", "derived by the service from the datasource type (kilobytes of it)"),
    (
        "`entity.flags` (when the entry declares none), `rov`, `owner_id`, `origin_country`",
        "access control and bookkeeping the service manages",
    ),
    ("properties the entry does not declare", "service defaults, values set elsewhere: only declared ones are managed"),
    ("`description`, when the entry declares none", "left as it is, so not compared"),
    ("connections outside `managed_prefix`", "never the sync's, never reported"),
)

STATES = {"create": "missing", "update": "differs", "delete": "not in the spec", "unchanged": "in sync"}
MARKS = {"create": "+", "update": "~", "delete": "-", "unchanged": " "}


def entry(action: PlannedAction) -> dict[str, Any]:
    """One connection of the plan as JSON-ready data (the XCom ``drift`` list, the CLI's ``--json``)."""
    desired = action.desired
    dtype = desired.datasource_type.name if desired is not None else None
    if dtype is None and action.current is not None:
        dtype = action.current.datasource_type  # a deletion: only the type id is known
    secret_names = set(action.secrets)
    return {
        "name": action.name,
        "action": action.kind,
        "state": STATES[action.kind],
        "id": action.connection_id,
        "datasource_type": dtype,
        "fields": [f for f in action.changed_fields if _property(f) not in secret_names],
        "secrets": {name: check.to_json() for name, check in action.secrets.items()},
        "not_compared": sorted(desired.unavailable) if desired is not None else [],
    }


def drift_entries(plan: Plan) -> list[dict[str, Any]]:
    """The connections that drift, destructive first (deletions, then creates, then updates), by name."""
    return [entry(a) for kind in WRITE_ORDER for a in sorted(plan.of(kind), key=lambda a: a.name)]


def unverified_secrets(plan: Plan) -> dict[str, dict[str, str]]:
    """Secrets of connections in sync that could not be checked: name -> property -> status."""
    found: dict[str, dict[str, str]] = {}
    for action in sorted(plan.of("unchanged"), key=lambda a: a.name):
        unknown: dict[str, str] = {prop: check.status for prop, check in action.secrets.items() if not check.known}
        if unknown:
            found[action.name] = unknown
    return found


def render(entries: Sequence[Mapping[str, Any]], *, unverified: Mapping[str, Mapping[str, str]] | None = None) -> str:
    """The drift as a diff, one line per connection (``+`` missing, ``~`` differs, ``-`` not in the spec)."""
    lines = [_line(e) for e in entries if e["action"] != "unchanged"]
    if not lines:
        lines.append("(no drift: the service matches the spec)")
    if unverified:
        listed = ", ".join(
            f"{shown(name)}.{prop} ({status})" for name, props in unverified.items() for prop, status in props.items()
        )
        lines.append(f"secrets of connections in sync that could not be checked: {listed}")
    return "\n".join(lines)


def _line(e: Mapping[str, Any]) -> str:
    where = f" (id {shown(e['id'])})" if e.get("id") else ""
    head = f"{MARKS[e['action']]} {shown(e['name'])}{where}"
    if e["action"] == "create":
        line = f"{head}: missing, a sync creates it ({e.get('datasource_type') or 'unknown type'})"
        return line + (f"; not available here: {', '.join(e['not_compared'])}" if e.get("not_compared") else "")
    if e["action"] == "delete":
        return f"{head}: not in the spec, a sync with prune deletes it"
    parts = [", ".join(e["fields"])] if e["fields"] else []
    secrets = e.get("secrets") or {}
    if secrets:
        parts.append("secret " + ", ".join(f"{name}: {_status(s)}" for name, s in secrets.items()))
    if e.get("not_compared"):
        parts.append("not compared (not available here): " + ", ".join(e["not_compared"]))
    return f"{head}: {'; '.join(parts) or 'in sync'}"


def _status(check: Mapping[str, Any]) -> str:
    return f"{check['status']} ({check['basis']})" if check.get("basis") else str(check["status"])


def _property(changed_field: str) -> str | None:
    return changed_field.removeprefix("properties.") if changed_field.startswith("properties.") else None


def rules_table(rows: Iterable[tuple[str, str]], header: tuple[str, str] = ("field", "why")) -> str:
    """A two-column Markdown table (docs/sync.md shows :data:`COMPARED` and :data:`IGNORED` this way)."""
    return "\n".join([f"| {header[0]} | {header[1]} |", "| --- | --- |", *(f"| {a} | {b} |" for a, b in rows)])
