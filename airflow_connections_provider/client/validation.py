"""Checks made before any write, against the datasource type's own definition.

Every problem is collected, so one error lists them all. Values are normalised on the way, because
Airflow renders templated values as strings: ``"5432"`` for an integer property becomes ``5432``,
``"true"`` for a boolean becomes ``True``. Messages name properties and expected types, never values
(a value may be a secret).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

from airflow_connections_provider.client.models import ConnectionChanges, DatasourceType, PropertyDefinition

_TRUE = frozenset({"true", "yes", "1", "on"})
_FALSE = frozenset({"false", "no", "0", "off"})


def close_matches(word: str, candidates: Iterable[str], n: int = 3) -> list[str]:
    pool = sorted(set(candidates))
    lowered = {c.lower(): c for c in pool}
    hits = difflib.get_close_matches(word.lower(), list(lowered), n=n, cutoff=0.6)
    # also offer candidates that contain the word ("postgres" -> "postgresql")
    contains = [c for c in pool if word.lower() in c.lower() and lowered.get(c.lower()) not in hits]
    return [lowered[h] for h in hits] + contains[: max(0, n - len(hits))]


def _normalise_value(prop: PropertyDefinition, value: Any) -> tuple[Any, str | None]:
    """``(normalised value, problem or None)``."""
    kind = prop.type.lower()
    if value is None:
        return None, f"property {prop.name!r} is null; remove it instead, or give a {kind} value"
    if kind == "integer":
        if isinstance(value, bool):
            return value, f"property {prop.name!r} must be an integer, got a boolean"
        if isinstance(value, int):
            return value, None
        if isinstance(value, float) and value.is_integer():
            return int(value), None
        if isinstance(value, str) and value.strip().lstrip("+-").isdigit():
            return int(value.strip()), None
        return value, f"property {prop.name!r} must be an integer, got {type(value).__name__}"
    if kind == "boolean":
        if isinstance(value, bool):
            return value, None
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE, None
        return value, f"property {prop.name!r} must be a boolean (true/false), got {type(value).__name__}"
    if kind == "enum":
        allowed = prop.values
        if allowed and str(value) not in allowed:
            return value, f"property {prop.name!r} must be one of {', '.join(allowed)}"
        return str(value), None
    # string and any type this client does not know: accept scalars, refuse structures
    if isinstance(value, (bool, dict, list, tuple, set)):
        return value, f"property {prop.name!r} must be a string, got {type(value).__name__}"
    if isinstance(value, (int, float)):
        return str(value), None
    return value, None


def _unknown(dtype: DatasourceType, name: str) -> str:
    hint = close_matches(name, (p.name for p in dtype.properties))
    suggestion = f"; did you mean {', '.join(repr(h) for h in hint)}?" if hint else ""
    return f"unknown property {name!r} for datasource type {dtype.name!r}{suggestion}"


def check_properties(
    dtype: DatasourceType, properties: Mapping[str, Any], *, require_all: bool
) -> tuple[dict[str, Any], list[str]]:
    """Normalise ``properties`` and list every problem.

    ``require_all``: a create must carry every required property; an update only the ones it sets.
    """
    problems: list[str] = []
    normalised: dict[str, Any] = {}
    for name, value in properties.items():
        prop = dtype.get_property(str(name))
        if prop is None:
            problems.append(_unknown(dtype, str(name)))
            continue
        normalised[prop.name], problem = _normalise_value(prop, value)
        if problem:
            problems.append(problem)
    if require_all:
        for name in dtype.required_properties:
            if name not in properties or properties[name] in ("", None):
                problems.append(f"required property {name!r} is missing")
    return normalised, problems


def check_new_connection(
    dtype: DatasourceType, *, name: str, properties: Mapping[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    problems = [] if name and name.strip() else ["the connection name is empty"]
    normalised, property_problems = check_properties(dtype, properties, require_all=True)
    return normalised, problems + property_problems


def check_changes(dtype: DatasourceType, changes: ConnectionChanges) -> tuple[ConnectionChanges, list[str]]:
    problems: list[str] = []
    if changes.name is not None and not changes.name.strip():
        problems.append("the new connection name is empty")
    normalised, property_problems = check_properties(dtype, changes.set_properties, require_all=False)
    problems += property_problems
    both = sorted(set(changes.set_properties) & set(changes.remove_properties))
    problems += [f"property {k!r} is both set and removed" for k in both]
    for key in changes.remove_properties:
        prop = dtype.get_property(key)
        if prop is None:
            problems.append(_unknown(dtype, key))
        elif prop.required:
            problems.append(f"property {key!r} is required by {dtype.name!r} and cannot be removed")
    fixed = ConnectionChanges(
        name=changes.name,
        description=changes.description,
        set_properties=normalised,
        remove_properties=changes.remove_properties,
    )
    return fixed, problems
