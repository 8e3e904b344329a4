"""The validation trigger: one event per outcome, sleeps between polls whatever happens, round-trips."""

from __future__ import annotations

import json
import socket
import time

import pytest

from airflow_connections_provider.client import (
    AuthenticationError,
    NotFoundError,
    RetriesExhaustedError,
    Scope,
    ServerError,
    ValidationRefusedError,
)
from airflow_connections_provider.client.errors import UnexpectedReplyError, deadline_exceeded, unsendable_request
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger, ValidationEvent

SCOPE = Scope.project("p1")


def trigger(**overrides) -> IBMConnectionValidationTrigger:
    kwargs = {
        "ibm_conn_id": "ibm_trigger",
        "scope_kind": "project_id",
        "scope_id": "p1",
        "connection_id": "c1",
        "poll_interval": 0.05,
        "deadline": None,
        "retry": {"retry_limit": 0, "retry_delay": 0.0, "max_retry_wait": 0.0},
        "request_timeout": 1.0,
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
    """Replies to validate_connection from a script of outcomes (an exception or a connection)."""

    def __init__(self, *outcomes) -> None:
        self.outcomes = list(outcomes)
        self.calls = 0

    async def validate_connection(self, scope, connection_id):
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
        pytest.param(
            RetriesExhaustedError("PATCH", "/x", 3, ServerError(503, "down")), None, id="transient-means-not-yet"
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
