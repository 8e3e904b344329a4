"""What the emulator received: a bounded log of requests and counts per method and route.

Only method, path, route template, a redacted query, status, time and the injected fault are
kept: never bodies, never headers (so never an Authorization value or a secret property).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import threading
from typing import Any

from ..bodies import UnusableJsonError, load_json
from ..paths import method_matches, path_matches
from .catalogue import ALL_MASKED_NAMES

REDACTED = "***"
# Query parameters whose value is a credential wherever they appear.
_SECRET_QUERY_NAMES = frozenset(
    {"apikey", "api_key", "password", "token", "access_token", "refresh_token", "secret", "secret_key", "access_key"}
)
MAX_ENTRIES = 100_000


@dataclasses.dataclass(frozen=True, slots=True)
class LogEntry:
    seq: int
    timestamp: float
    method: str
    path: str
    template: str
    query: dict[str, str]
    status: int | None
    duration_ms: float
    fault: str | None

    def to_api(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _redact_properties_filter(value: str) -> str:
    """entity.properties is JSON; hide the values of secret property names inside it."""
    try:
        parsed = load_json(value)
    except UnusableJsonError:
        return REDACTED
    if not isinstance(parsed, dict):
        return REDACTED
    return json.dumps({k: (REDACTED if k in ALL_MASKED_NAMES else v) for k, v in parsed.items()})


def redact_query(items: list[tuple[str, str]]) -> dict[str, str]:
    """The query as name -> value (first occurrence), with secret-bearing values hidden."""
    redacted: dict[str, str] = {}
    for name, value in items:
        if name in redacted:
            continue
        if name.lower() in _SECRET_QUERY_NAMES or name in ALL_MASKED_NAMES:
            redacted[name] = REDACTED
        elif name == "entity.properties":
            redacted[name] = _redact_properties_filter(value)
        else:
            redacted[name] = value
    return redacted


class RequestLog:
    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        # A condition, so a test can wait for a request to be logged instead of sleeping.
        self._lock = threading.Condition()
        self._entries: collections.deque[LogEntry] = collections.deque(maxlen=max_entries)
        self._counts: collections.Counter[str] = collections.Counter()
        self._seq = 0

    def record(
        self,
        *,
        timestamp: float,
        method: str,
        path: str,
        template: str,
        query: dict[str, str],
        status: int | None,
        duration_ms: float,
        fault: str | None,
    ) -> None:
        with self._lock:
            self._seq += 1
            entry = LogEntry(self._seq, timestamp, method, path, template, query, status, duration_ms, fault)
            self._entries.append(entry)
            self._counts[f"{method} {template}"] += 1
            self._lock.notify_all()

    def entries(self) -> list[LogEntry]:
        with self._lock:
            return list(self._entries)

    def counts(self) -> dict[str, int]:
        """Counts keyed by "METHOD /route/{template}" (never trimmed, unlike the log)."""
        with self._lock:
            return dict(self._counts)

    def count(self, method: str | None = None, path: str | None = None) -> int:
        with self._lock:
            return self._count(method, path)

    def wait_for(self, count: int, method: str | None = None, path: str | None = None, *, timeout: float) -> int:
        """Block until at least `count` matching requests are logged; raise TimeoutError after `timeout` s."""
        with self._lock:
            if not self._lock.wait_for(lambda: self._count(method, path) >= count, timeout):
                found = self._count(method, path)
                raise TimeoutError(f"{found} of {count} expected requests were logged within {timeout} s")
            return self._count(method, path)

    def _count(self, method: str | None, path: str | None) -> int:
        return sum(
            1 for e in self._entries if method_matches(method, e.method) and path_matches(path, e.path, e.template)
        )

    def reset(self) -> None:
        with self._lock:
            self._entries.clear()
            self._counts.clear()
