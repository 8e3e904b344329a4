"""Filtering, sorting and `start`-token paging of the connection list (pure functions).

The `start` token is opaque to clients: base64url of `{"sort": <sort spec>, "after": <sort key>}`,
the key being the last item's (sort value, creation sequence). Paging is a cursor on that stable
key, so items created during a walk never shift earlier pages: no duplicates, no gaps.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

from ..errors import invalid_parameter
from .catalogue import find_type
from .store import StoredConnection

# Flags that hide a connection unless `entity.flags` names them.
SPECIAL_FLAGS = frozenset({"parameterized", "personal_credentials"})
CONTEXTS = ("source", "target")
DEFAULT_SORT = "metadata.create_time"


def _sort_value(field: str, conn: StoredConnection) -> Any:
    if field == "entity.name":
        return conn.name.casefold()
    if field == "entity.datasource_type":
        return conn.datasource_type
    return None


SORT_FIELDS: dict[str, Callable[[StoredConnection], list[Any]]] = {
    "metadata.create_time": lambda c: [c.seq],
    "entity.name": lambda c: [_sort_value("entity.name", c), c.seq],
    "entity.datasource_type": lambda c: [_sort_value("entity.datasource_type", c), c.seq],
}


@dataclasses.dataclass(frozen=True, slots=True)
class ConnectionFilter:
    name: str | None = None
    exact_name: bool = False
    datasource_type: str | None = None
    properties: dict[str, Any] | None = None
    contexts: tuple[str, ...] = ()
    flags: frozenset[str] = frozenset()
    creator: str | None = None
    sort: str = DEFAULT_SORT

    @property
    def sort_field(self) -> str:
        return self.sort.lstrip("+-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_filter(query: Any) -> ConnectionFilter:
    """Read the list filters from a query mapping; malformed ones are 400s."""
    name = query.get("entity.name") or None
    exact = bool(name and len(name) >= 2 and name.startswith('"') and name.endswith('"'))
    if name and exact:
        name = name[1:-1]
    dtype_filter = query.get("entity.datasource_type") or None
    if dtype_filter:
        found = find_type(dtype_filter)
        # An unknown type filters everything out rather than failing the list.
        dtype_filter = found.id if found else dtype_filter
    properties = None
    if query.get("entity.properties"):
        try:
            properties = json.loads(query["entity.properties"])
        except ValueError as exc:
            raise invalid_parameter("entity.properties", "entity.properties must be a JSON object") from exc
        if not isinstance(properties, dict):
            raise invalid_parameter("entity.properties", "entity.properties must be a JSON object")
    contexts = tuple(_split(query.get("entity.context") or ""))
    if any(c not in CONTEXTS for c in contexts):
        raise invalid_parameter("entity.context", f"entity.context must be among: {', '.join(CONTEXTS)}")
    sort = (query.get("sort") or DEFAULT_SORT).strip()
    if sort.lstrip("+-") not in SORT_FIELDS:
        raise invalid_parameter("sort", f"sort must be one of {', '.join(SORT_FIELDS)} (prefix '-' to reverse)")
    return ConnectionFilter(
        name=name,
        exact_name=exact,
        datasource_type=dtype_filter,
        properties=properties,
        contexts=contexts,
        flags=frozenset(_split(query.get("entity.flags") or "")),
        creator=query.get("metadata.creator") or None,
        sort=sort,
    )


def _normal(value: Any) -> str:
    """Compare property values as the service stores them: as text ("5432" == 5432)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def matches(conn: StoredConnection, f: ConnectionFilter) -> bool:
    if f.name is not None:
        if f.exact_name and conn.name != f.name:
            return False
        if not f.exact_name and f.name.casefold() not in conn.name.casefold():
            return False
    if f.datasource_type is not None and conn.datasource_type != f.datasource_type:
        return False
    if f.creator is not None and conn.creator_id != f.creator:
        return False
    if (set(conn.flags) & SPECIAL_FLAGS) - f.flags:
        return False
    dtype = find_type(conn.datasource_type)
    if f.contexts and dtype is not None:
        allowed = {"source": dtype.allowed_as_source, "target": dtype.allowed_as_target}
        if not all(allowed[c] for c in f.contexts):
            return False
    if f.properties:
        masked = dtype.masked_names if dtype else frozenset()
        for key, wanted in f.properties.items():
            # A secret never matches: a filter must not become a way to guess one.
            if key in masked or key not in conn.properties:
                return False
            if _normal(conn.properties[key]) != _normal(wanted):
                return False
    return True


def encode_start(sort: str, key: list[Any]) -> str:
    raw = json.dumps({"sort": sort, "after": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_start(token: str, sort: str) -> list[Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeEncodeError) as exc:
        raise invalid_parameter("start", "The start token is not valid") from exc
    if not isinstance(decoded, dict) or not isinstance(decoded.get("after"), list):
        raise invalid_parameter("start", "The start token is not valid")
    if decoded.get("sort") != sort:
        raise invalid_parameter("start", "The start token belongs to a different sort order")
    return list(decoded["after"])


@dataclasses.dataclass(frozen=True, slots=True)
class Page:
    items: list[StoredConnection]
    total_count: int
    next_start: str | None


def paginate(conns: Sequence[StoredConnection], f: ConnectionFilter, limit: int, start: str | None) -> Page:
    key_of = SORT_FIELDS[f.sort_field]
    selected = sorted((c for c in conns if matches(c, f)), key=key_of, reverse=f.descending)
    total = len(selected)
    if start:
        after = decode_start(start, f.sort)
        try:
            selected = [c for c in selected if (key_of(c) < after if f.descending else key_of(c) > after)]
        except TypeError as exc:
            raise invalid_parameter("start", "The start token is not valid") from exc
    page = selected[:limit]
    next_start = encode_start(f.sort, key_of(page[-1])) if len(selected) > limit else None
    return Page(page, total, next_start)


def href(path: str, items: Sequence[tuple[str, str]], **overrides: str | None) -> str:
    """A relative href repeating the request's query, with some parameters replaced or removed."""
    kept = [(k, v) for k, v in items if k not in overrides]
    kept.extend((k, v) for k, v in overrides.items() if v is not None)
    return f"{path}?{urlencode(kept)}" if kept else path
