"""The blocking client's retries, the Airflow way: ``tenacity.Retrying`` driven by our decisions.

As in ``DatabricksHook`` and ``HttpHook``, ``retry_args`` are ``tenacity.Retrying``'s keyword arguments,
the extension point beside ``retry_limit`` and ``retry_delay``. Users tune *how long*: ``stop`` (default:
``stop_after_attempt(retry_limit)``) and ``wait`` (default: our jittered exponential), and may add
``before``/``after`` callbacks. *What* is retried stays the client's, single (:mod:`.retry`): the
``retry`` predicate (transient failures only; a write only when it cannot duplicate), ``Retry-After``
(honoured under ``max_retry_wait`` whatever ``wait`` says), the log line of each retry and the final
:class:`RetriesExhaustedError`. Those keys are refused in ``retry_args``, with the reason.

The async client makes one attempt per call (the trigger's poll loop retries): no tenacity object is
built per poll.
"""

from __future__ import annotations

import functools
import logging
import random
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

import tenacity

from airflow_connections_provider.client.config import RetryPolicy
from airflow_connections_provider.client.errors import ConnectionsClientError, RetriesExhaustedError, shown
from airflow_connections_provider.client.retry import (
    JITTER,
    backoff_wait,
    describe_failure,
    retry_after_wait,
    should_retry,
)

log = logging.getLogger("airflow_connections_provider.client")

#: What ``retry_args`` may set: how long to keep trying, how long to wait, callbacks around attempts.
TUNABLE = ("stop", "wait", "before", "after")
#: What the client always decides, and why (the message when ``retry_args`` names one).
DECIDED_BY_THE_CLIENT: Mapping[str, str] = {
    "retry": "what is retried (transient failures only, a write only when it cannot duplicate)",
    "before_sleep": "the log line of each retry",
    "retry_error_callback": "the error once retries run out (RetriesExhaustedError)",
    "retry_error_cls": "the error once retries run out (RetriesExhaustedError)",
    "reraise": "the error once retries run out (RetriesExhaustedError)",
    "sleep": "how a wait is spent",
}


def retry_args_problems(retry_args: Any) -> list[str]:
    """What is wrong with ``retry_args`` (tenacity.Retrying's keyword arguments); empty when usable."""
    if retry_args is None:
        return []
    if not isinstance(retry_args, Mapping):
        return [
            f"retry_args must be a dict of tenacity.Retrying's keyword arguments (such as stop= and wait=), "
            f"got {type(retry_args).__name__}"
        ]
    problems = []
    for key, value in retry_args.items():
        if key in DECIDED_BY_THE_CLIENT:
            problems.append(
                f"retry_args may not set {key!r}: the client decides {DECIDED_BY_THE_CLIENT[key]}; "
                f"tune {', '.join(TUNABLE)} only"
            )
        elif key not in TUNABLE:
            problems.append(f"retry_args key {shown(key)} is not one the client takes; use {', '.join(TUNABLE)}")
        elif not callable(value):
            problems.append(
                f"retry_args[{key!r}] must be a tenacity strategy or callback (a callable, such as "
                f"tenacity.stop_after_attempt(3)), got {type(value).__name__}"
            )
    return problems


def retrying(
    policy: RetryPolicy,
    retry_args: Mapping[str, Any] | None,
    *,
    method: str,
    where: str,
    idempotent: bool,
    sleep: Callable[[float], None],
    rng: random.Random = JITTER,
) -> tenacity.Retrying:
    """A ``tenacity.Retrying`` for one call: ``retrying(...)(attempt, *args)``.

    ``retry_args`` must have passed :func:`retry_args_problems`.
    """
    tuned = dict(retry_args or {})
    stop = tuned.pop("stop") if "stop" in tuned else tenacity.stop_after_attempt(policy.retry_limit)
    users_wait = tuned.pop("wait", None)
    attempts = getattr(stop, "max_attempt_number", None)  # "of m" in the log line, when the stop says

    def wait(state: tenacity.RetryCallState) -> float:
        failure = _failure(state)
        if users_wait is None:
            return backoff_wait(policy, state.attempt_number, failure, rng)
        asked = retry_after_wait(policy, failure)  # the service's word is kept, whatever the user's wait
        return asked if asked is not None else float(users_wait(state))

    def before_sleep(state: tenacity.RetryCallState) -> None:
        log.warning(
            "Retrying %s %s in %.1f s (attempt %d%s) after %s",
            method,
            where,
            state.upcoming_sleep,
            state.attempt_number + 1,
            f" of {attempts}" if attempts else "",
            describe_failure(_failure(state), where),
        )

    def give_up(state: tenacity.RetryCallState) -> NoReturn:
        last = _failure(state)
        assert isinstance(last, ConnectionsClientError)  # only the client's own errors are ever retried
        raise RetriesExhaustedError(method, where, state.attempt_number, last) from last

    return tenacity.Retrying(
        **tuned,
        stop=stop,
        wait=wait,
        retry=tenacity.retry_if_exception(functools.partial(should_retry, idempotent=idempotent)),
        before_sleep=before_sleep,
        retry_error_callback=give_up,
        sleep=sleep,
    )


def _failure(state: tenacity.RetryCallState) -> BaseException | None:
    return state.outcome.exception() if state.outcome is not None else None
