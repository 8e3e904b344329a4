"""The connections of one scope, kept in an order the list endpoint can page without sorting.

Creation sequences only grow, so appending keeps `_order` sorted: a page in the default order is a
`bisect` to the cursor plus a walk of the page, O(log n + page), whatever the scope holds. An
exact-name filter starts from the name index instead of the whole scope. Other sort orders are
sorted once per change of the scope and cached. `examined` counts the connections a query looked
at, so tests can prove the cost without timing anything.

Not thread-safe on its own: the store calls it under its lock.
"""

from __future__ import annotations

import bisect
import dataclasses
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol


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
        self.examined = 0

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
            self.examined += 1
            yield self._by_seq[self._order[position]]

    def sorted_by(self, field: str, key: Callable[[Any], list[Any]]) -> list[Any]:
        """Every connection sorted by `key` (cached until the scope changes)."""
        cached = self._sorted_cache.get(field)
        if cached is None:
            cached = sorted(self._by_seq.values(), key=key)
            self._sorted_cache[field] = cached
        self.examined += len(cached)
        return cached

    def all(self) -> list[Any]:
        return [self._by_seq[s] for s in self._order]
