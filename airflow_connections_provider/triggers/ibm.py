"""The deferrable side of the validation sensor: re-test a connection from the triggerer until it validates.

Truly asynchronous: the trigger gets its client settings through the hook
(``IBMDataPlatformHook(ibm_conn_id, **hook_params).aget_client_config()``, which reads the Airflow
connection with ``compat.aget_connection``, off the event loop on every Airflow version), as the dbt
Cloud trigger builds its ``DbtCloudHook``; HTTP goes through httpx's async client.
Triggers of the same Airflow connection share one HTTP client and one token (``client_pool``), so
hundreds of deferred sensors cost one token exchange, not hundreds.

Each poll is one attempt: the poll loop is the retry loop. A transient failure means "test again at
the next poll" (after the wait a 429's ``Retry-After`` asks for, when longer), decided by the client's
``is_temporary``; so a waiting trigger keeps no retry state (``docs/benchmarks.md``, triggerer).

Event contract (:class:`ValidationEvent`): exactly one event per run, ``status`` one of ``success``,
``timeout`` or ``error``; ``permanent`` errors (not found, refused credentials or permissions, bad
configuration) should fail the task without retries.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import random
import time
from collections.abc import AsyncIterator, Awaitable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from airflow.triggers.base import BaseTrigger, TriggerEvent

from airflow_connections_provider.triggers.outcome import SharedOutcome

Status = Literal["success", "timeout", "error"]

#: With ``poll_first``, the first test comes within this many seconds (or the poll interval, if shorter).
FIRST_TEST_SPREAD_S = 10.0
#: After a deferral, the first test comes no sooner than this (or half the interval, if shorter).
DEFERRAL_SETTLE_S = 5.0


def first_wait(interval: float, *, poll_first: bool, fraction: float) -> float:
    """Seconds before a trigger's first test, ``fraction`` drawn at random in ``[0, 1)``.

    Triggers start in crowds: a triggerer restart restores all of them at once, and a DAG run can defer
    hundreds of sensors together. Testing at the same instant, they would queue hundreds of requests
    at once, hold hundreds of requests' worth of objects alive together (a full garbage collection
    of the triggerer's heap follows) and keep their lockstep on every later poll. Each trigger's first
    test comes at a random point instead, so the crowd's tests spread evenly over time and stay spread:

    - ``poll_first=False`` (the caller has just tested, then deferred): within
      ``(earliest, earliest + interval]``, ``earliest`` being half the interval or
      :data:`DEFERRAL_SETTLE_S`, whichever is shorter. Never within seconds of the deferral: a trigger
      that fires that soon can lose a race with the scheduler, which Airflow 3.0-3.3 answer by failing
      the task ("finished with state success, but the task instance's state attribute is queued":
      apache/airflow#66374, #67287, #72716). The window is a whole interval, shifted rather than
      shortened, so the crowd's phases stay spread over the whole interval (a shortened window would
      crowd every later round of tests into part of it); the first gap after the sensor's own test is
      thus at most ``earliest`` longer than the interval.
    - ``poll_first=True``: within ``[0, min(interval, FIRST_TEST_SPREAD_S))``, so a lone trigger still
      tests within seconds.

    Later waits are the interval itself: the phases drawn here persist.
    """
    if poll_first:
        return fraction * min(interval, FIRST_TEST_SPREAD_S)
    return min(interval / 2, DEFERRAL_SETTLE_S) + interval * (1.0 - fraction)


def describe_wait(seconds: float) -> str:
    """How long a sensor has waited, for its log lines: ``35 s``, ``4 min 10 s``, ``2 h 5 min``."""
    total = max(int(seconds), 0)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {secs} s"
    return f"{secs} s"


@dataclass(frozen=True)
class ValidationEvent:
    status: Status
    connection_id: str
    message: str
    permanent: bool = False
    scope_kind: str = "project_id"
    scope_id: str = ""

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_payload(cls, payload: Any) -> ValidationEvent:
        if not isinstance(payload, dict) or payload.get("status") not in ("success", "timeout", "error"):
            return cls("error", str((payload or {}).get("connection_id", "")), f"malformed trigger event: {payload!r}")
        return cls(
            status=payload["status"],
            connection_id=str(payload.get("connection_id", "")),
            message=str(payload.get("message", "")),
            permanent=bool(payload.get("permanent", False)),
            scope_kind=str(payload.get("scope_kind", "project_id")),
            scope_id=str(payload.get("scope_id", "")),
        )


_CLIENT_MODULES = (
    "airflow_connections_provider.triggers.client_pool",
    "airflow_connections_provider.hooks.ibm",
    "airflow_connections_provider.masking",
)
_client_imported = False
_client_importing: dict[int, SharedOutcome[None]] = {}  # per running loop: the import under way


def _import_client_modules() -> None:
    for name in _CLIENT_MODULES:
        importlib.import_module(name)


async def _import_client_off_loop() -> None:
    """Import the client stack in a worker thread once; later calls return at once.

    Triggers restored together all start before the first import ends: they wait on that one import
    rather than each sending its own to the thread pool. The flag is set only after the import
    finished, so the loop never imports a module that a thread is still initialising (which would
    block the loop on the module's lock). A failed import is tried again by the next trigger.
    """
    global _client_imported
    if _client_imported:
        return
    key = id(asyncio.get_running_loop())
    pending = _client_importing.get(key)
    if pending is None or pending.failed():
        pending = SharedOutcome(asyncio.to_thread(_import_client_modules))
        _client_importing[key] = pending
    await pending.wait()
    _client_importing.pop(key, None)
    _client_imported = True


class IBMConnectionValidationTrigger(BaseTrigger):
    """Run a connection's ``test`` action (or ``validate``) each poll until the service accepts it or the
    deadline passes.

    :param ibm_conn_id: Airflow connection of type ``ibmdataplatform``.
    :param scope_kind: ``project_id``, ``catalog_id`` or ``space_id``.
    :param scope_id: id of that project, catalog or space.
    :param connection_id: the connection asset to re-test.
    :param poll_interval: seconds between two tests, slept after every outcome.
    :param deadline: epoch seconds; the ``timeout`` event comes only once it has passed, after a last
        test at the deadline itself (the wait before it is shortened to land on it). None = no deadline.
    :param poll_first: test soon (default): at a random point within ``min(poll_interval, 10 s)``,
        so triggers started together do not all test in the same instant; False, for a caller that has
        just tested (the sensor pokes once before deferring), waits half the interval or 5 s (whichever
        is shorter) plus a random part of one interval. See :func:`first_wait`.
    :param hook_params: keyword arguments of
        :class:`~airflow_connections_provider.hooks.ibm.IBMDataPlatformHook` (plain JSON values, such as
        ``{"timeout": 30}``), which the trigger builds to read its client settings, as the dbt Cloud
        trigger builds its hook.
    :param waiting_since: epoch seconds when the wait began (the sensor's first test), for the log line
        of each refused test; None: when this trigger started.
    :param action: ``"test"`` (default: the service connects to the data source) or ``"validate"`` (it
        checks the stored properties without connecting, vault references included).
    """

    def __init__(
        self,
        *,
        ibm_conn_id: str,
        scope_kind: str,
        scope_id: str,
        connection_id: str,
        poll_interval: float = 60.0,
        deadline: float | None = None,
        poll_first: bool = True,
        hook_params: dict[str, Any] | None = None,
        waiting_since: float | None = None,
        action: str = "test",
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.ibm_conn_id = ibm_conn_id
        self.scope_kind = scope_kind
        self.scope_id = scope_id
        self.connection_id = connection_id
        self.poll_interval = float(poll_interval)
        self.deadline = deadline
        self.poll_first = poll_first
        self.hook_params = dict(hook_params or {})
        self.waiting_since = waiting_since
        self.action = action  # "test" (connects to the data source) or "validate" (checks the properties)
        self._asked_wait = 0.0  # what the last poll's 429 asked for (Retry-After), under the client's cap

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return (
            f"{type(self).__module__}.{type(self).__qualname__}",
            {
                "ibm_conn_id": self.ibm_conn_id,
                "scope_kind": self.scope_kind,
                "scope_id": self.scope_id,
                "connection_id": self.connection_id,
                "poll_interval": self.poll_interval,
                "deadline": self.deadline,
                "poll_first": self.poll_first,
                "hook_params": self.hook_params,
                "waiting_since": self.waiting_since,
                "action": self.action,
            },
        )

    def _event(self, status: Status, message: str, *, permanent: bool = False) -> TriggerEvent:
        event = ValidationEvent(status, self.connection_id, message, permanent, self.scope_kind, self.scope_id)
        payload = event.to_payload()
        return TriggerEvent(payload)  # type: ignore[no-untyped-call]

    async def run(self) -> AsyncIterator[TriggerEvent]:
        # Import here, the first time in a worker thread: DAG files only name the class, and the
        # client stack takes ~100 ms to import, which must not block the triggerer's event loop.
        await _import_client_off_loop()
        from airflow_connections_provider.client import ConnectionsClientError, Scope
        from airflow_connections_provider.triggers.client_pool import lease_client

        if self.waiting_since is None:
            self.waiting_since = self._now()
        scope = Scope(self.scope_kind, self.scope_id)  # type: ignore[arg-type]
        # Triggers of one Airflow connection (with the same hook_params) share one client and one lookup.
        share = (self.ibm_conn_id, json.dumps(self.hook_params, sort_keys=True, default=str))
        try:
            lease = await lease_client(share, self._hook().aget_client_config)
        except ConnectionsClientError as exc:
            # The settings' own errors already name the Airflow connection; others get it added.
            named = f"Airflow connection {self.ibm_conn_id!r}" in str(exc)
            message = str(exc) if named else f"Airflow connection {self.ibm_conn_id!r} is not usable: {exc}"
            yield self._event("error", message, permanent=True)
            return
        except Exception as exc:  # noqa: BLE001 - a missing Airflow connection raises several types
            yield self._event("error", f"cannot read Airflow connection {self.ibm_conn_id!r}: {exc}", permanent=True)
            return
        async with lease as client:
            polls = 0
            first = first_wait(self.poll_interval, poll_first=self.poll_first, fraction=self._jitter())
            # A test follows the first wait even past the deadline when the caller has not tested yet.
            pause = self._until_deadline(first) if self.poll_first else self._pause_before_test(first)
            while True:
                if pause is None:
                    yield self._timeout_event(polls)
                    return
                if pause > 0:
                    # Awaited right here, not through helper coroutines: every object alive during the
                    # wait is kept for the whole interval, and thousands of triggers wait at once.
                    await self._sleep(pause)
                polls += 1
                event = await self._poll(client, scope, polls)
                if event is not None:
                    yield event
                    return
                pause = self._pause_before_test(max(self.poll_interval, self._asked_wait))

    def _hook(self) -> Any:
        """The hook that reads this trigger's client settings (built per start, not kept while waiting)."""
        from airflow_connections_provider.client import ConfigurationError
        from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook

        try:
            return IBMDataPlatformHook(self.ibm_conn_id, **self.hook_params)
        except TypeError:
            raise ConfigurationError(
                f"hook_params of the trigger for Airflow connection {self.ibm_conn_id!r} name an argument "
                f"IBMDataPlatformHook does not take ({', '.join(sorted(self.hook_params))}); give "
                "retry_limit, retry_delay, max_retry_wait or timeout"
            ) from None

    def _pause_before_test(self, pause: float) -> float | None:
        """Seconds to sleep before the next test; None once the deadline has passed (time to give up)."""
        if self.deadline is not None and self._now() >= self.deadline:
            return None
        return self._until_deadline(pause)

    def _until_deadline(self, pause: float) -> float:
        """``pause`` cut short to land on the deadline (never below zero)."""
        if self.deadline is not None:
            pause = min(pause, self.deadline - self._now())
        return max(pause, 0.0)

    def _timeout_event(self, polls: int) -> TriggerEvent:
        return self._event(
            "timeout", f"connection {self.connection_id} did not validate before the deadline ({polls} test(s))"
        )

    # Time and chance, injectable: tests drive a fake clock instead of waiting, and fix the draw.
    def _now(self) -> float:
        return time.time()

    def _jitter(self) -> float:
        """Where in its window the first test falls (see :func:`first_wait`): uniform in ``[0, 1)``."""
        return random.random()  # noqa: S311 - spreading load, not cryptography

    def _sleep(self, seconds: float) -> Awaitable[None]:
        return asyncio.sleep(seconds)

    async def _poll(self, client: Any, scope: Any, polls: int) -> TriggerEvent | None:
        """One re-test: an event when the run is over, None to poll again. Logs one line per refused test."""
        from airflow_connections_provider.client import (
            ConnectionsClientError,
            InvalidPropertiesError,
            ValidationRefusedError,
            is_temporary,
        )
        from airflow_connections_provider.client.retry import retry_after_wait

        self._asked_wait = 0.0
        try:
            if self.action == "validate":
                await client.validate_connection(scope, self.connection_id)
            else:
                await client.test_connection(scope, self.connection_id)
        except (ValidationRefusedError, InvalidPropertiesError) as exc:
            self.log.info(
                "Connection %s not valid yet (test %d, waited %s): %s", self.connection_id, polls, self._waited(), exc
            )
            return None
        except ConnectionsClientError as exc:
            if is_temporary(exc):
                self._asked_wait = retry_after_wait(client.config.retry, exc) or 0.0
                self.log.warning(
                    "Connection %s could not be tested (test %d, waited %s): %s",
                    self.connection_id,
                    polls,
                    self._waited(),
                    exc,
                )
                return None
            return self._event("error", str(exc), permanent=True)
        except Exception as exc:  # noqa: BLE001 - the triggerer must get one event, never a crash
            return self._event("error", f"unexpected {type(exc).__name__}: {exc}")
        return self._event("success", f"connection {self.connection_id} validated after {polls} poll(s)")

    def _waited(self) -> str:
        since = self.waiting_since if self.waiting_since is not None else self._now()
        return describe_wait(self._now() - since)
