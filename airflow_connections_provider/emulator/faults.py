"""Injected trouble: latency, seeded random faults, scripted faults, and rate limiting.

A fault happens either BEFORE the request reaches the handler (nothing is applied) or AFTER it
(the write is applied, then the client sees an error: the ambiguous failure that duplicate-free
create logic must survive). Random faults are fixed to one side each:

| kind  | reply                                   | when   |
| ----- | --------------------------------------- | ------ |
| 429   | 429 + Retry-After: 1                    | before |
| 503   | 503                                     | before |
| 500   | 500                                     | after  |
| 502   | 502                                     | after  |
| drop  | connection closed mid-reply             | after  |

Scripted faults take precedence over random ones and are consumed in the order they were added.

Rate limiting is a sliding one-second window per caller, as a throttling API gateway applies it.
Refused requests do not count against the window, so a client that honours `Retry-After` gets
through once the window has moved on. The middleware (`middleware.py`) applies all of this.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import itertools
import math
import random
import threading
from typing import Any, Literal

from .paths import method_matches, path_matches
from .settings import ALL_FAULT_KINDS, EmulatorSettings, FaultKind

ScriptKind = Literal["status", "drop", "delay"]
When = Literal["before", "after"]
SCRIPT_KINDS: tuple[ScriptKind, ...] = ("status", "drop", "delay")
WHENS: tuple[When, ...] = ("before", "after")


@dataclasses.dataclass(frozen=True, slots=True)
class Fault:
    """One fault to inject into one request."""

    kind: ScriptKind
    when: When
    label: str  # what the request log shows: "503", "drop", "delay"
    status: int = 500
    delay_s: float = 0.0
    retry_after: int | None = None


@dataclasses.dataclass(slots=True)
class ScriptedFault:
    id: int
    method: str | None
    path: str | None
    kind: ScriptKind
    when: When
    status: int
    remaining: int
    delay_s: float
    retry_after: int | None

    def to_api(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def fault(self) -> Fault:
        label = str(self.status) if self.kind == "status" else self.kind
        return Fault(self.kind, self.when, label, self.status, self.delay_s, self.retry_after)


@dataclasses.dataclass(frozen=True, slots=True)
class FaultConfig:
    """The run-time adjustable part of the settings."""

    latency_ms: float
    rate_limit: float | None
    fault_rate: float
    fault_seed: int | None
    fault_kinds: tuple[FaultKind, ...]

    def to_api(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "fault_kinds": list(self.fault_kinds)}


def _random_fault(kind: FaultKind) -> Fault:
    if kind == "drop":
        return Fault("drop", "after", "drop")
    status = int(kind)
    when: When = "before" if status in (429, 503) else "after"
    return Fault("status", when, kind, status=status, retry_after=1 if status == 429 else None)


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _is_integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_script(
    method: Any, path: Any, kind: Any, when: Any, status: Any, count: Any, delay_s: Any, retry_after: Any
) -> None:
    """Every value a scripted fault keeps: a wrong one would break each later request it is matched with."""
    if not (method is None or isinstance(method, str)) or not (path is None or isinstance(path, str)):
        raise ValueError("method and path must be strings (or null for any)")
    if kind not in SCRIPT_KINDS:
        raise ValueError("kind must be 'status', 'drop' or 'delay'")
    if when not in WHENS:
        raise ValueError("when must be 'before' or 'after'")
    if not _is_integer(status) or (kind == "status" and not 400 <= status <= 599):
        raise ValueError("status must be a 4xx or 5xx code")
    if not _is_integer(count) or count < 1:
        raise ValueError("count must be an integer of at least 1")
    if not _is_number(delay_s) or delay_s < 0:
        raise ValueError("delay_s must be a finite number >= 0")
    if retry_after is not None and (not _is_integer(retry_after) or retry_after < 0):
        raise ValueError("retry_after must be a whole number of seconds >= 0 (or null)")


class FaultInjector:
    def __init__(self, settings: EmulatorSettings) -> None:
        self._lock = threading.Lock()
        self._initial = FaultConfig(
            latency_ms=settings.latency_ms,
            rate_limit=settings.rate_limit,
            fault_rate=settings.fault_rate,
            fault_seed=settings.fault_seed,
            fault_kinds=settings.fault_kinds,
        )
        self._config = self._initial
        self._rng = random.Random(self._initial.fault_seed)  # noqa: S311 - reproducible chaos, not crypto
        self._scripts: list[ScriptedFault] = []
        self._ids = itertools.count(1)

    def config(self) -> FaultConfig:
        with self._lock:
            return self._config

    def configure(self, **changes: Any) -> FaultConfig:
        """Change some settings; naming `fault_seed` or `fault_rate` restarts the random sequence."""
        with self._lock:
            if isinstance(changes.get("fault_kinds"), (list, tuple)):
                changes["fault_kinds"] = tuple(changes["fault_kinds"])
            config = dataclasses.replace(self._config, **changes)
            _check_config(config)
            # Checked in full before anything is kept: a refused change leaves the old settings.
            self._config = config
            if "fault_seed" in changes or "fault_rate" in changes:
                self._rng = random.Random(config.fault_seed)  # noqa: S311 - see __init__
            return config

    def script(
        self,
        *,
        method: str | None,
        path: str | None,
        kind: ScriptKind = "status",
        when: When = "before",
        status: int = 503,
        count: int = 1,
        delay_s: float = 0.0,
        retry_after: int | None = None,
    ) -> ScriptedFault:
        validate_script(method, path, kind, when, status, count, delay_s, retry_after)
        with self._lock:
            scripted = ScriptedFault(
                next(self._ids),
                method.upper() if method else None,
                path,
                kind,
                when,
                status,
                count,
                delay_s,
                retry_after,
            )
            self._scripts.append(scripted)
            return dataclasses.replace(scripted)

    def scripted(self) -> list[ScriptedFault]:
        with self._lock:
            return [dataclasses.replace(s) for s in self._scripts]

    def draw(self, method: str, path: str, template: str) -> Fault | None:
        """The fault for this request, if any (consumes one use of a matching script)."""
        with self._lock:
            for scripted in self._scripts:
                if method_matches(scripted.method, method) and path_matches(scripted.path, path, template):
                    scripted.remaining -= 1
                    if scripted.remaining <= 0:
                        self._scripts.remove(scripted)
                    return scripted.fault()
            config = self._config
            if config.fault_rate <= 0 or not config.fault_kinds:
                return None
            # Draw both numbers on every request so the sequence depends only on the request count.
            roll = self._rng.random()
            kind = self._rng.choice(config.fault_kinds)
            if roll >= config.fault_rate:
                return None
            return _random_fault(kind)

    def reset(self) -> None:
        with self._lock:
            self._config = self._initial
            self._rng = random.Random(self._initial.fault_seed)  # noqa: S311 - see __init__
            self._scripts.clear()


def _check_config(config: FaultConfig) -> None:
    """Every value the middleware reads on each request: a wrong type or a NaN would fail them all."""
    if not _is_number(config.fault_rate) or not 0.0 <= config.fault_rate <= 1.0:
        raise ValueError("fault_rate must be a number between 0 and 1")
    if not (_is_number(config.latency_ms) and config.latency_ms >= 0):
        raise ValueError("latency_ms must be a finite number >= 0")
    if config.rate_limit is not None and not (_is_number(config.rate_limit) and config.rate_limit > 0):
        raise ValueError("rate_limit must be a positive finite number (or null for no limit)")
    if config.fault_seed is not None and not _is_integer(config.fault_seed):
        raise ValueError("fault_seed must be an integer (or null for an unseeded sequence)")
    kinds = config.fault_kinds
    if not isinstance(kinds, tuple) or not all(isinstance(k, str) for k in kinds):
        raise ValueError(f"fault_kinds must be a list of some of {list(ALL_FAULT_KINDS)}")
    unknown = set(kinds) - set(ALL_FAULT_KINDS)
    if unknown:
        raise ValueError(f"unknown fault kinds {sorted(unknown)}; choose from {list(ALL_FAULT_KINDS)}")


# --- rate limiting ---


def caller_key(authorization: str) -> str:
    """Rate-limit bucket for an Authorization header; hashed so no token is kept in clear."""
    return hashlib.sha256(authorization.encode()).hexdigest()


class RateLimiter:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, collections.deque[float]] = {}

    def check(self, key: str, limit: float, now: float) -> int | None:
        """Admit the request (None), or return the whole seconds to wait before retrying."""
        # Below one request per second the window widens so that `limit` still holds on average.
        window = 1.0 if limit >= 1 else 1.0 / limit
        allowed = max(1, int(limit * window))
        with self._lock:
            stamps = self._windows.setdefault(key, collections.deque())
            while stamps and stamps[0] <= now - window:
                stamps.popleft()
            if len(stamps) >= allowed:
                return max(1, math.ceil(stamps[0] + window - now))
            stamps.append(now)
            return None

    def reset(self) -> None:
        with self._lock:
            self._windows.clear()
