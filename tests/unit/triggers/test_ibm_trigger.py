"""The validation trigger: one event per outcome, sleeps between polls whatever happens, round-trips."""

from __future__ import annotations

import json
import socket
import time

import pytest

from airflow_connections_provider.client import (
    AuthenticationError,
    NotFoundError,
    RateLimitedError,
    RetriesExhaustedError,
    RetryPolicy,
    Scope,
    ServerError,
    TransportError,
    ValidationRefusedError,
)
from airflow_connections_provider.client.errors import UnexpectedReplyError, deadline_exceeded, unsendable_request
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger, ValidationEvent, describe_wait
from tests.unit.client.conftest import make_config

SCOPE = Scope.project("p1")


def trigger(**overrides) -> IBMConnectionValidationTrigger:
    kwargs = {
        "ibm_conn_id": "ibm_trigger",
        "scope_kind": "project_id",
        "scope_id": "p1",
        "connection_id": "c1",
        "poll_interval": 0.05,
        "deadline": None,
        "hook_params": {"timeout": 1.0},
    }
    kwargs.update(overrides)
    return IBMConnectionValidationTrigger(**kwargs)


def test_serialize_round_trip_keeps_only_plain_values():
    original = trigger(deadline=1234.5)
    path, kwargs = original.serialize()
    assert path == "airflow_connections_provider.triggers.ibm.IBMConnectionValidationTrigger"
    json.dumps(kwargs)  # plain values only: no client, no token
    again = IBMConnectionValidationTrigger(**kwargs)
    assert again.serialize() == (path, kwargs)


class FakeClient:
    """Replies to test_connection from a script of outcomes (an exception or a connection)."""

    config = make_config(retry=RetryPolicy(max_retry_wait=120.0))

    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def test_connection(self, scope, connection_id):
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome


class Conn:
    id = "c1"
    name = "orders"


def refused() -> ValidationRefusedError:
    return ValidationRefusedError(400, "could not connect", code="connection_test_failed", trace="t1")


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        pytest.param(Conn(), ("success", False), id="validated"),
        pytest.param(refused(), None, id="refused-means-not-yet"),
        pytest.param(ServerError(503, "down"), None, id="transient-means-not-yet"),
        pytest.param(TransportError("PUT", "/x", "connection refused", maybe_applied=False), None, id="refused-socket"),
        pytest.param(
            RetriesExhaustedError("PATCH", "/x", 3, ServerError(503, "down")), None, id="exhausted-means-not-yet"
        ),
        pytest.param(NotFoundError(404, "no such connection"), ("error", True), id="not-found-is-final"),
        pytest.param(AuthenticationError(401, "bad token"), ("error", True), id="auth-is-final"),
        pytest.param(RuntimeError("bug"), ("error", False), id="unexpected-still-one-event"),
        pytest.param(UnexpectedReplyError(200, "a login page"), ("error", True), id="login-page-is-final"),
        pytest.param(unsendable_request("PUT", "/x"), ("error", True), id="unsendable-header-is-final"),
        pytest.param(
            RetriesExhaustedError("PUT", "/x", 1, deadline_exceeded("PUT", "/x", 1.0)), None, id="deadline-is-not-yet"
        ),
    ],
)
async def test_one_poll_decides(outcome, expected):
    event = await trigger()._poll(FakeClient(outcome), SCOPE, 1)
    if expected is None:
        assert event is None
    else:
        result = ValidationEvent.from_payload(event.payload)
        assert (result.status, result.permanent) == expected
        assert result.connection_id == "c1"


@pytest.mark.parametrize(
    ("retry_after", "asked"),
    [
        pytest.param(30.0, 30.0, id="honoured"),
        pytest.param(3600.0, 120.0, id="capped-by-max-retry-wait"),
        pytest.param(None, 0.0, id="none-given"),
    ],
)
async def test_a_429_asks_the_next_poll_to_wait_under_the_cap(retry_after, asked):
    """One attempt per poll, so the service's Retry-After spaces the polls (never shorter than the interval)."""
    t = trigger()
    assert await t._poll(FakeClient(RateLimitedError(429, "slow", retry_after=retry_after)), SCOPE, 1) is None
    assert t._asked_wait == asked
    assert await t._poll(FakeClient(refused()), SCOPE, 2) is None
    assert t._asked_wait == 0.0  # only the poll that was answered 429 asks


@pytest.mark.parametrize(
    ("outcome", "level", "text"),
    [
        pytest.param(refused(), "INFO", "Connection c1 not valid yet (test 3, waited 2 min 5 s): ", id="refused"),
        pytest.param(
            ServerError(503, "down"),
            "WARNING",
            "Connection c1 could not be tested (test 3, waited 2 min 5 s): ",
            id="503",
        ),
    ],
)
async def test_each_refused_test_is_one_line_with_its_reason_and_the_time_waited(outcome, level, text):
    t = trigger(waiting_since=time.time() - 125.4)
    t._log = RecordingLog()  # the trigger's own logger (Airflow's triggerer routes it to the task's log)
    await t._poll(FakeClient(outcome), SCOPE, 3)
    ((logged_level, line),) = t._log.lines
    assert logged_level == level
    assert line.startswith(text) and line.endswith(str(outcome))


class RecordingLog:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *args: object) -> None:
        self.lines.append(("INFO", message % args))

    def warning(self, message: str, *args: object) -> None:
        self.lines.append(("WARNING", message % args))


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0, "0 s"), (59.9, "59 s"), (60, "1 min 0 s"), (3599, "59 min 59 s"), (7500, "2 h 5 min"), (-3, "0 s")],
)
def test_describe_wait(seconds, text):
    assert describe_wait(seconds) == text


@pytest.fixture
def closed_port(monkeypatch) -> str:
    probe = socket.create_server(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    conn = {
        "conn_type": "ibmdataplatform",
        "host": f"http://127.0.0.1:{port}",
        "password": "static-tok",
        "extra": {"auth_type": "bearer_token"},
    }
    monkeypatch.setenv("AIRFLOW_CONN_IBM_TRIGGER", json.dumps(conn))
    return "ibm_trigger"


async def test_unreachable_service_sleeps_between_polls_then_times_out(closed_port):
    """Errors never make the trigger spin: with 50 ms between polls and a 0.5 s deadline, at most 11 polls."""
    t = trigger(deadline=time.time() + 0.5)
    attempts = 0
    original = t._poll

    async def counting(client, scope, polls):
        nonlocal attempts
        attempts += 1
        return await original(client, scope, polls)

    t._poll = counting
    events = [e async for e in t.run()]

    assert len(events) == 1
    result = ValidationEvent.from_payload(events[0].payload)
    assert result.status == "timeout"
    assert 1 <= attempts <= 11


async def test_missing_airflow_connection_is_one_permanent_error_event():
    events = [e async for e in trigger(ibm_conn_id="does_not_exist").run()]
    assert len(events) == 1
    result = ValidationEvent.from_payload(events[0].payload)
    assert result.status == "error"
    assert result.permanent
    assert "does_not_exist" in result.message


async def test_broken_airflow_connection_settings_are_one_error_event(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_IBM_BAD", json.dumps({"conn_type": "ibmdataplatform", "extra": {"auth_type": "nope"}})
    )
    events = [e async for e in trigger(ibm_conn_id="ibm_bad").run()]
    assert [ValidationEvent.from_payload(e.payload).status for e in events] == ["error"]
    assert "unknown auth type" in events[0].payload["message"]


def test_event_payload_round_trip_and_malformed_payloads():
    event = ValidationEvent("success", "c1", "ok")
    assert ValidationEvent.from_payload(event.to_payload()) == event
    assert ValidationEvent.from_payload({"status": "weird"}).status == "error"
    assert ValidationEvent.from_payload(None).status == "error"


async def test_hook_params_the_hook_does_not_take_are_one_permanent_event():
    events = [e async for e in trigger(hook_params={"timeout": 5, "retries": 3}).run()]
    (result,) = [ValidationEvent.from_payload(e.payload) for e in events]
    assert (result.status, result.permanent) == ("error", True)
    assert "hook_params" in result.message and "retries, timeout" in result.message
    assert "give retry_limit, retry_delay, max_retry_wait or timeout" in result.message


async def test_the_trigger_reads_its_settings_through_the_hook_with_its_hook_params(closed_port, monkeypatch):
    """One way from an Airflow connection to a client: the trigger builds IBMDataPlatformHook(**hook_params)."""
    from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook
    from airflow_connections_provider.triggers import client_pool

    read: list[tuple[str, float]] = []

    async def lease_client(key, load):
        config = await load()
        read.append((key, config.timeout))
        raise RuntimeError("stop here")

    monkeypatch.setattr(client_pool, "lease_client", lease_client)
    hooks: list[IBMDataPlatformHook] = []
    real_init = IBMDataPlatformHook.__init__

    def spy(self, *args, **kwargs):
        hooks.append(self)
        real_init(self, *args, **kwargs)

    monkeypatch.setattr(IBMDataPlatformHook, "__init__", spy)
    [_ async for _ in trigger(ibm_conn_id=closed_port, hook_params={"timeout": 7.5}).run()]
    assert len(hooks) == 1 and hooks[0].ibm_conn_id == closed_port
    assert read == [((closed_port, '{"timeout": 7.5}'), 7.5)]


async def test_triggers_starting_together_share_one_import_of_the_client(monkeypatch):
    """The first trigger imports the client stack in a worker thread; those starting meanwhile wait for
    that import instead of each sending another to the thread pool. A failed import is tried again."""
    import asyncio
    import threading

    from airflow_connections_provider.triggers import ibm

    imports: list[str] = []
    release = threading.Event()

    def slow_import() -> None:
        imports.append(threading.current_thread().name)
        release.wait(5)
        if len(imports) == 1:
            raise ImportError("first import fails")

    monkeypatch.setattr(ibm, "_client_imported", False)
    monkeypatch.setattr(ibm, "_import_client_modules", slow_import)
    waiters = [asyncio.ensure_future(ibm._import_client_off_loop()) for _ in range(50)]
    await asyncio.sleep(0.05)
    release.set()
    outcomes = await asyncio.gather(*waiters, return_exceptions=True)
    assert len(imports) == 1
    assert all(isinstance(outcome, ImportError) for outcome in outcomes)
    assert not ibm._client_imported

    await asyncio.gather(*(ibm._import_client_off_loop() for _ in range(50)))
    assert len(imports) == 2 and ibm._client_imported
    await ibm._import_client_off_loop()  # imported: returns at once
    assert len(imports) == 2


async def test_a_credential_http_cannot_carry_is_one_permanent_event_and_its_spellings_are_masked(monkeypatch):
    masked: list[str] = []

    async def record(value: str) -> None:
        masked.append(value)

    monkeypatch.setattr("airflow_connections_provider.compat.amask_secret", record)
    conn = {"conn_type": "ibmdataplatform", "host": "http://127.0.0.1:1", "password": "tok-secret-1\n"}
    monkeypatch.setenv("AIRFLOW_CONN_IBM_NEWLINE", json.dumps({**conn, "extra": {"auth_type": "bearer_token"}}))
    events = [ValidationEvent.from_payload(e.payload) async for e in trigger(ibm_conn_id="ibm_newline").run()]
    assert [(e.status, e.permanent) for e in events] == [("error", True)]
    assert "the password field of Airflow connection 'ibm_newline' holds a line break" in events[0].message
    assert "tok-secret-1" not in events[0].message
    assert "tok-secret-1\\n" in masked  # the spelling an error's repr would show
