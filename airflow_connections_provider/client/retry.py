"""The one retry policy: what is retried, how long to wait, what gets logged.

Retried: transport failures (connection refused or dropped, timeouts) and HTTP 429, 500, 502, 503,
504. Never retried: every other 4xx, TLS failures, a refused validation. A request that is not
idempotent (POST create) is only repeated when the failure proves it never took effect (connection
refused, 429); ambiguous failures surface to the caller, which must look before writing again.

Waits: exponential from ``retry_delay`` with "equal jitter" (half fixed, half random), capped at
``max_retry_wait``; a ``Retry-After`` from the service replaces the computed wait, under the same cap.
Both shells drive them through :class:`Attempts`.
"""

from __future__ import annotations

import logging
import random

from airflow_connections_provider.client.config import RetryPolicy
from airflow_connections_provider.client.errors import (
    ApiError,
    ConnectionsClientError,
    RateLimitedError,
    RetriesExhaustedError,
    TransportError,
    is_transient_status,
)

log = logging.getLogger("airflow_connections_provider.client")

#: One generator for every request's jitter: seeding a new one per request read the OS's entropy pool
#: each time (a measurable share of a trigger's poll when thousands poll).
_JITTER = random.Random()  # noqa: S311 - jitter, not cryptography


def is_transient(exc: BaseException) -> bool:
    """A failure that may go away by itself."""
    if isinstance(exc, TransportError):
        return exc.transient
    return isinstance(exc, ApiError) and is_transient_status(exc.status)


def is_temporary(exc: BaseException) -> bool:
    """Worth trying again later: a transient failure, or a retry policy that gave up on transient ones."""
    return isinstance(exc, RetriesExhaustedError) or is_transient(exc)


def is_ambiguous(exc: BaseException) -> bool:
    """A transient failure after which a write may or may not have been applied."""
    if isinstance(exc, TransportError):
        return exc.transient and exc.maybe_applied
    return is_transient(exc) and not isinstance(exc, RateLimitedError)


def should_retry(exc: BaseException, *, idempotent: bool) -> bool:
    return is_transient(exc) and (idempotent or not is_ambiguous(exc))


def backoff_wait(policy: RetryPolicy, attempt: int, exc: BaseException | None, rng: random.Random) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
    if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
        return min(exc.retry_after, policy.max_retry_wait)
    base = min(policy.retry_delay * 2 ** (attempt - 1), policy.max_retry_wait)
    return float(base / 2 + rng.uniform(0, base / 2))


def describe_failure(exc: BaseException | None, where: str | None = None) -> str:
    """A log-safe summary: status, IBM code and trace, or the transport reason. Never a body.

    When the request that failed is not ``where`` (the token exchange an API call needed), it is named.
    """
    if isinstance(exc, ApiError):
        code = f" {exc.code}" if exc.code else ""
        trace = f" [trace {exc.trace}]" if exc.trace else ""
        text = f"HTTP {exc.status}{code}{trace}"
    elif isinstance(exc, TransportError):
        text = exc.reason
    else:
        return type(exc).__name__
    path = getattr(exc, "path", None)
    if where is not None and path and path != where:
        text += f" from {getattr(exc, 'method', '')} {path}"
    return text


class Attempts:
    """The policy applied to one call: after each failure, how long to wait before the next attempt.

    Both shells drive it with the same few lines (the sync one sleeps, the async one awaits)::

        attempts = Attempts(policy, method=..., where=..., idempotent=...)
        while True:
            try:
                return attempt()
            except ConnectionsClientError as exc:
                wait = attempts.wait_after(exc)
                if wait is None:
                    raise
            sleep(wait)

    Why not tenacity, which the client used before: each call built a ``Retrying`` with a thread-local,
    and each attempt a ``concurrent.futures.Future`` (a condition and a lock), even when the first
    attempt succeeded; a failure was kept in a reference cycle through its traceback. A triggerer
    re-testing thousands of connections sends ~100 requests a second; those objects outlived young
    collections and filled Python's old generation, whose full collections (a walk of the triggerer's
    whole heap, 0.1-0.3 s) stalled its event loop. The decisions were ours already
    (:func:`should_retry`, :func:`backoff_wait`); only the loop remains, and it allocates one small
    object per call.
    """

    __slots__ = ("_idempotent", "_method", "_policy", "_rng", "_where", "number")

    def __init__(
        self,
        policy: RetryPolicy,
        *,
        method: str,
        where: str,
        idempotent: bool,
        rng: random.Random | None = None,
    ) -> None:
        self._policy = policy
        self._method = method
        self._where = where
        self._idempotent = idempotent
        self._rng = rng or _JITTER
        self.number = 1  # of the attempt under way

    def wait_after(self, exc: ConnectionsClientError) -> float | None:
        """Seconds to wait before the next attempt, or None: re-raise ``exc``, it is not retried.

        Raises :class:`RetriesExhaustedError` once the policy's last attempt failed transiently.
        """
        if not should_retry(exc, idempotent=self._idempotent):
            return None
        number, policy = self.number, self._policy
        if number >= policy.max_attempts:
            raise RetriesExhaustedError(self._method, self._where, number, exc) from exc
        wait = backoff_wait(policy, number, exc, self._rng)
        log.warning(
            "Retrying %s %s in %.1f s (attempt %d of %d) after %s",
            self._method,
            self._where,
            wait,
            number + 1,
            policy.max_attempts,
            describe_failure(exc, self._where),
        )
        self.number = number + 1
        return wait
