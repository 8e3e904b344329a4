"""The one retry policy: what is retried, how long to wait, what gets logged.

Retried: transport failures (connection refused or dropped, timeouts) and HTTP 429, 500, 502, 503,
504. Never retried: every other 4xx, TLS failures, a refused validation. A request that is not
idempotent (POST create) is only repeated when the failure proves it never took effect (connection
refused, 429); ambiguous failures surface to the caller, which must look before writing again.

Waits: exponential from ``retry_delay`` with "equal jitter" (half fixed, half random), capped at
``max_retry_wait``; a ``Retry-After`` from the service replaces the computed wait, under the same cap.
The sync shell drives these through ``tenacity.Retrying``, the async one through ``AsyncRetrying``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

import tenacity

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


def retrying_kwargs(
    policy: RetryPolicy,
    *,
    method: str,
    where: str,
    idempotent: bool,
    sleep: Callable[[float], Any] | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    """Keyword arguments for ``tenacity.Retrying``/``AsyncRetrying`` implementing the policy."""
    rng = rng or _JITTER

    def wait(state: tenacity.RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        return backoff_wait(policy, state.attempt_number, exc, rng)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        log.warning(
            "Retrying %s %s in %.1f s (attempt %d of %d) after %s",
            method,
            where,
            state.upcoming_sleep,
            state.attempt_number + 1,
            policy.max_attempts,
            describe_failure(exc, where),
        )

    kwargs: dict[str, Any] = {
        "stop": tenacity.stop_after_attempt(policy.max_attempts),
        "wait": wait,
        "retry": tenacity.retry_if_exception(lambda e: should_retry(e, idempotent=idempotent)),
        "before_sleep": before_sleep,
        "reraise": False,
    }
    if sleep is not None:
        kwargs["sleep"] = sleep
    return kwargs


def exhausted_error(method: str, where: str, exhausted: tenacity.RetryError) -> RetriesExhaustedError:
    """The error raised once the policy gives up, keeping the last failure for the reader."""
    last = exhausted.last_attempt.exception()
    if not isinstance(last, ConnectionsClientError):  # only our own errors are ever retried
        raise exhausted
    return RetriesExhaustedError(method, where, exhausted.last_attempt.attempt_number, last)
