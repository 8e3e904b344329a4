"""Reading query parameters the way the service does.

Booleans take `true`/`false` in any case (IBM's SDK sends `True`); unknown parameters are simply
never read; a malformed known one is a 400 naming it. Scope resolution lives here because every
connection call needs it.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.datastructures import QueryParams

from .errors import ApiError, invalid_parameter, missing_parameter
from .state import SCOPE_PARAMS, ScopeKind, Store, Workspace


def parse_bool(query: QueryParams, name: str, default: bool) -> bool:
    value = query.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered not in ("true", "false"):
        raise invalid_parameter(name, f"Parameter '{name}' must be true or false")
    return lowered == "true"


def parse_int(query: QueryParams, name: str, default: int, *, minimum: int, maximum: int | None = None) -> int:
    """An integer parameter; values above `maximum` are capped (documented), below `minimum` refused."""
    value = query.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise invalid_parameter(name, f"Parameter '{name}' must be an integer") from exc
    if number < minimum:
        raise invalid_parameter(name, f"Parameter '{name}' must be at least {minimum}")
    return min(number, maximum) if maximum is not None else number


def scope_parameters(query: Mapping[str, str], prefix: str = "") -> list[tuple[ScopeKind, str]]:
    return [(kind, query[prefix + param]) for kind, param in SCOPE_PARAMS.items() if query.get(prefix + param)]


def resolve_scope(query: Mapping[str, str], store: Store, unknown_status: int, prefix: str = "") -> Workspace:
    """Exactly one of project_id, catalog_id, space_id (each optionally prefixed, e.g. target_)."""
    names = [prefix + p for p in SCOPE_PARAMS.values()]
    given = scope_parameters(query, prefix)
    if not given:
        raise missing_parameter(names[0], f"One of {', '.join(names)} must be specified")
    if len(given) > 1:
        raise invalid_parameter(names[0], f"Only one of {', '.join(names)} may be specified")
    kind, guid = given[0]
    workspace = store.workspace(kind, guid)
    if workspace is None:
        param = prefix + SCOPE_PARAMS[kind]
        code = "forbidden" if unknown_status == 403 else "not_found"
        raise ApiError(unknown_status, code, f"The {kind} '{guid}' does not exist or is not accessible", target=param)
    return workspace
