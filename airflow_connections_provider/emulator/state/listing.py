"""Filtering, sorting and `start`-token paging of the connection list.

The `start` token is opaque to clients: base64url of `{"sort": <sort spec>, "after": <sort key>}`,
the key being the last item's (sort value, creation sequence). Paging is a cursor on that stable
key, so items created during a walk never shift earlier pages: no duplicates, no gaps.

Cost: a page in the default order (creation) is a bisect to the cursor in the scope's index and a
walk of the page (`ScopeIndex`, below); an exact `entity.name` starts from the name index. The total
count comes from per-flag-set counters unless another filter is given, which costs a scan of the
scope. The other sort orders sort the scope once per change of it (cached).

`entity.flags` follows IBM's rule: only connections with no flags are listed, plus those carrying a
flag named (`restricted` or `+restricted`), minus those carrying a flag named with `-`; additions
apply before removals.

`ScopeIndex` holds the connections of one scope in an order the list endpoint can page without
sorting. Creation sequences only grow, so appending keeps `_order` sorted: a page in the default
order is a `bisect` to the cursor plus a walk of the page, O(log n + page), whatever the scope
holds. An exact-name filter starts from the name index instead of the whole scope. Other sort
orders are sorted once per change of the scope and cached. Not thread-safe on its own: the store
calls it under its lock.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import dataclasses
import json
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlencode

from ..bodies import UnusableJsonError, load_json
from ..errors import invalid_parameter
from .catalogue import find_type
from .checks import KNOWN_FLAGS
from .descriptors import normal_value

if TYPE_CHECKING:
    from .records import StoredConnection


class Indexed(Protocol):
    seq: int
    name: str
    flags: list[str]


@dataclasses.dataclass(frozen=True, slots=True)
class FlagRule:
    """IBM's `entity.flags`: unflagged connections, plus those carrying an added flag, minus those
    carrying a removed one (additions before removals)."""

    added: frozenset[str] = frozenset()
    removed: frozenset[str] = frozenset()

    def admits(self, flags: Iterable[str]) -> bool:
        carried = frozenset(flags)
        if carried & self.removed:
            return False
        return not carried or bool(carried & self.added)


class ScopeIndex:
    def __init__(self) -> None:
        self._order: list[int] = []  # creation sequences, ascending
        self._by_seq: dict[int, Any] = {}
        self._by_name: dict[str, set[int]] = {}
        # How many connections carry each exact set of flags: totals without a scan.
        self._flag_sets: Counter[frozenset[str]] = Counter()
        self._sorted_cache: dict[str, list[Any]] = {}

    def __len__(self) -> int:
        return len(self._order)

    def add(self, conn: Indexed) -> None:
        if self._order and conn.seq <= self._order[-1]:
            bisect.insort(self._order, conn.seq)
        else:
            self._order.append(conn.seq)
        self._by_seq[conn.seq] = conn
        self._by_name.setdefault(conn.name, set()).add(conn.seq)
        self._flag_sets[frozenset(conn.flags)] += 1
        self._sorted_cache.clear()

    def remove(self, conn: Indexed) -> None:
        stored = self._by_seq.pop(conn.seq)
        del self._order[bisect.bisect_left(self._order, conn.seq)]
        names = self._by_name[stored.name]
        names.discard(conn.seq)
        if not names:
            del self._by_name[stored.name]
        key = frozenset(stored.flags)
        self._flag_sets[key] -= 1
        if not self._flag_sets[key]:
            del self._flag_sets[key]
        self._sorted_cache.clear()

    def replace(self, old: Indexed, new: Indexed) -> None:
        """Swap in a new version of a connection (same sequence; its name or flags may differ)."""
        self.remove(old)
        self.add(new)

    def named(self, name: str) -> list[Any]:
        """Connections with exactly this name, in creation order."""
        return [self._by_seq[s] for s in sorted(self._by_name.get(name, ()))]

    def count(self, rule: FlagRule) -> int:
        return sum(n for flags, n in self._flag_sets.items() if rule.admits(flags))

    def in_order(self, after_seq: int | None = None, *, descending: bool = False) -> Iterator[Any]:
        """Connections by creation sequence, starting after (or before, descending) the cursor."""
        if descending:
            end = len(self._order) if after_seq is None else bisect.bisect_left(self._order, after_seq)
            positions: Iterable[int] = range(end - 1, -1, -1)
        else:
            start = 0 if after_seq is None else bisect.bisect_right(self._order, after_seq)
            positions = range(start, len(self._order))
        for position in positions:
            yield self._by_seq[self._order[position]]

    def sorted_by(self, field: str, key: Callable[[Any], list[Any]]) -> list[Any]:
        """Every connection sorted by `key` (cached until the scope changes)."""
        cached = self._sorted_cache.get(field)
        if cached is None:
            cached = sorted(self._by_seq.values(), key=key)
            self._sorted_cache[field] = cached
        return cached

    def all(self) -> list[Any]:
        return [self._by_seq[s] for s in self._order]


CONTEXTS = ("source", "target")
DEFAULT_SORT = "metadata.create_time"

SORT_FIELDS: dict[str, Callable[[StoredConnection], list[Any]]] = {
    "metadata.create_time": lambda c: [c.seq],
    "entity.name": lambda c: [c.name.casefold(), c.seq],
    "entity.datasource_type": lambda c: [c.datasource_type, c.seq],
}


@dataclasses.dataclass(frozen=True, slots=True)
class ConnectionFilter:
    name: str | None = None
    exact_name: bool = False
    datasource_type: str | None = None
    properties: dict[str, Any] | None = None
    contexts: tuple[str, ...] = ()
    flags: FlagRule = dataclasses.field(default_factory=FlagRule)
    creator: str | None = None
    sort: str = DEFAULT_SORT

    @property
    def sort_field(self) -> str:
        return self.sort.lstrip("+-")

    @property
    def descending(self) -> bool:
        return self.sort.startswith("-")

    @property
    def only_flags(self) -> bool:
        """No filter but the flag rule (and an exact name, which the name index answers)."""
        return not (
            (self.name is not None and not self.exact_name)
            or self.datasource_type
            or self.properties
            or self.contexts
            or self.creator
        )


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def parse_flags(value: str) -> FlagRule:
    added: set[str] = set()
    removed: set[str] = set()
    for item in _split(value):
        # A "+" arrives as a space when the client did not URL-encode it.
        sign, flag = (item[0], item[1:].strip()) if item[0] in "+-" else ("+", item)
        if flag not in KNOWN_FLAGS:
            raise invalid_parameter("entity.flags", f"Unknown flag '{flag}'; known flags: {', '.join(KNOWN_FLAGS)}")
        (removed if sign == "-" else added).add(flag)
    return FlagRule(frozenset(added), frozenset(removed))


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
            properties = load_json(query["entity.properties"])
        except UnusableJsonError as exc:
            raise invalid_parameter("entity.properties", f"entity.properties {exc} (a JSON object)") from exc
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
        flags=parse_flags(query.get("entity.flags") or ""),
        creator=query.get("metadata.creator") or None,
        sort=sort,
    )


def matches(conn: StoredConnection, f: ConnectionFilter) -> bool:
    if f.name is not None:
        if f.exact_name and conn.name != f.name:
            return False
        if not f.exact_name and f.name.casefold() not in conn.name.casefold():
            return False
    if not f.flags.admits(conn.flags):
        return False
    if f.datasource_type is not None and conn.datasource_type != f.datasource_type:
        return False
    if f.creator is not None and conn.creator_id != f.creator:
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
            if normal_value(conn.properties[key]) != normal_value(wanted):
                return False
    return True


def encode_start(sort: str, key: list[Any]) -> str:
    raw = json.dumps({"sort": sort, "after": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def decode_start(token: str, sort: str) -> list[Any]:
    try:
        padded = token + "=" * (-len(token) % 4)
        decoded = load_json(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))
    except (ValueError, binascii.Error) as exc:  # UnusableJsonError and UnicodeError are ValueErrors
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


def _candidates(index: ScopeIndex, f: ConnectionFilter, after: list[Any] | None) -> Iterable[StoredConnection]:
    """The scope's connections in the requested order, from just past the cursor on."""
    key_of = SORT_FIELDS[f.sort_field]
    if f.name is not None and f.exact_name:
        named: Sequence[StoredConnection] = sorted(index.named(f.name), key=key_of, reverse=f.descending)
    elif f.sort_field == DEFAULT_SORT:
        if after is not None and (len(after) != 1 or not isinstance(after[0], int)):
            raise invalid_parameter("start", "The start token is not valid")
        return index.in_order(after[0] if after else None, descending=f.descending)
    else:
        named = index.sorted_by(f.sort_field, key_of)
        if f.descending:
            named = named[::-1]
    if after is None:
        return named
    try:
        return [c for c in named if (key_of(c) < after if f.descending else key_of(c) > after)]
    except TypeError as exc:
        raise invalid_parameter("start", "The start token is not valid") from exc


def paginate(index: ScopeIndex, f: ConnectionFilter, limit: int, start: str | None) -> Page:
    """One page of a scope (called under the store's lock; returns copies)."""
    after = decode_start(start, f.sort) if start else None
    page: list[StoredConnection] = []
    more = False
    for conn in _candidates(index, f, after):
        if not matches(conn, f):
            continue
        if len(page) == limit:
            more = True
            break
        page.append(conn)
    if f.only_flags and f.name is None:
        total = index.count(f.flags)
    else:
        # An exact name bounds the count to that name's connections; other filters scan the scope.
        pool = index.named(f.name) if f.name is not None and f.exact_name else index.all()
        total = sum(1 for c in pool if matches(c, f))
    next_start = encode_start(f.sort, SORT_FIELDS[f.sort_field](page[-1])) if more else None
    return Page([c.copy() for c in page], total, next_start)


def href(base_url: str, path: str, items: Sequence[tuple[str, str]], **overrides: str | None) -> str:
    """An absolute href (as the service sends) repeating the request's query, some parameters replaced
    or removed; values are URL-encoded, the `start` token included."""
    kept = [(k, v) for k, v in items if k not in overrides]
    kept.extend((k, v) for k, v in overrides.items() if v is not None)
    url = base_url.rstrip("/") + path
    return f"{url}?{urlencode(kept)}" if kept else url
