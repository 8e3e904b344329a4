"""The retry decisions, pure and single: what is retried, how long to wait, what another try could fix.

Retried: transport failures (connection refused or dropped, timeouts) and HTTP 429, 500, 502, 503,
504. Never retried: every other 4xx, TLS failures, a refused validation. A request that is not
idempotent (POST create) is only repeated when the failure proves it never took effect (connection
refused, 429); ambiguous failures surface to the caller, which must look before writing again.

Waits: exponential from ``retry_delay`` with "equal jitter" (half fixed, half random), capped at
``max_retry_wait``; a ``Retry-After`` from the service replaces the computed wait, under the same cap.

Who applies them: the blocking shell through ``tenacity`` (``retrying``); the trigger, which makes one
attempt per poll, through its poll loop (:func:`is_temporary`, :func:`retry_after_wait`); operators,
the sensor and the sync through :func:`is_permanent` (which failures a task's next try could fix).
"""

from __future__ import annotations

import random

from airflow_connections_provider.client.config import RetryPolicy
from airflow_connections_provider.client.dependents import DependentsUnknownError
from airflow_connections_provider.client.error_replies import is_transient_status
from airflow_connections_provider.client.errors import (
    AmbiguousNameError,
    ApiError,
    ConfigurationError,
    InvalidInputError,
    RateLimitedError,
    RetriesExhaustedError,
    TransportError,
)

#: One generator for every request's jitter: seeding a new one per request read the OS's entropy pool
#: each time (a measurable share of a call when thousands are made).
JITTER = random.Random()  # noqa: S311 - jitter, not cryptography


def is_transient(exc: BaseException) -> bool:
    """A failure that may go away by itself."""
    if isinstance(exc, TransportError):
        return exc.transient
    return isinstance(exc, ApiError) and is_transient_status(exc.status)


def is_temporary(exc: BaseException) -> bool:
    """Worth trying again later: a transient failure, or a retry policy that gave up on transient ones."""
    return isinstance(exc, RetriesExhaustedError) or is_transient(exc)


def is_permanent(exc: BaseException) -> bool:
    """A client error that the same request, sent again, cannot fix (so no task retry is spent on it).

    Permanent: bad input or configuration, a TLS certificate that does not verify, ambiguous or
    missing names, refused credentials or permissions, a name conflict, a request the service
    rejects (400 and other 4xx), and a validation the data source refused on a write — the same
    values would be refused again; fix them and clear the task. Transient (retried): connection
    failures, timeouts, 429 and 5xx, including a retry policy that ran out. The operators, the
    sensor, the trigger and the sync all decide with this one rule.
    """
    if isinstance(exc, DependentsUnknownError):  # a check that could not be made: as lasting as its cause
        return is_permanent(exc.cause)
    if isinstance(exc, TransportError):
        return not exc.transient
    if isinstance(exc, ApiError):
        return not is_temporary(exc)
    return isinstance(exc, (AmbiguousNameError, ConfigurationError, InvalidInputError))


def is_ambiguous(exc: BaseException) -> bool:
    """A transient failure after which a write may or may not have been applied."""
    if isinstance(exc, TransportError):
        return exc.transient and exc.maybe_applied
    return is_transient(exc) and not isinstance(exc, RateLimitedError)


def should_retry(exc: BaseException, *, idempotent: bool) -> bool:
    """Send the request again? Only after a transient failure, and a write only when it cannot duplicate."""
    return is_transient(exc) and (idempotent or not is_ambiguous(exc))


def retry_after_wait(policy: RetryPolicy, exc: BaseException | None) -> float | None:
    """The wait the service asked for (``Retry-After`` of a 429), under the policy's cap; None if it asked none."""
    if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
        return float(min(exc.retry_after, policy.max_retry_wait))
    return None


def backoff_wait(policy: RetryPolicy, attempt: int, exc: BaseException | None, rng: random.Random = JITTER) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based): ``Retry-After`` when the service
    sent one, else the jittered exponential."""
    asked = retry_after_wait(policy, exc)
    if asked is not None:
        return asked
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
