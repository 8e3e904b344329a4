"""A sliding one-second window per caller, as a throttling API gateway applies it.

Refused requests do not count against the window, so a client that honours `Retry-After`
gets through once the window has moved on.
"""

from __future__ import annotations

import collections
import hashlib
import math
import threading


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
