"""The trigger's deadline on a fake clock: it times out only once the deadline has passed, after a last
test at the deadline itself, and never a poll early. Polls are counted exactly; no wall clock is read."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from airflow_connections_provider.client import BadRequestError, ValidationRefusedError
from airflow_connections_provider.triggers import client_pool
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger, ValidationEvent

START = 1_000_000.0


class Clocked(IBMConnectionValidationTrigger):
    """The trigger with its clock and sleep replaced, and a client that refuses until ``accept_at``."""

    def __init__(self, *, accept_at: float | None = None, outcome: BaseException | None = None, **kwargs) -> None:
        super().__init__(ibm_conn_id="x", scope_kind="project_id", scope_id="p", connection_id="c1", **kwargs)
        self.now = START
        self.poll_times: list[float] = []
        self.accept_at = accept_at
        self.outcome = outcome

    def _now(self) -> float:
        return self.now

    async def _sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds

    async def _client_config(self):
        return object()

    async def validate_connection(self, scope, connection_id):
        self.poll_times.append(self.now - START)
        if self.outcome is not None:
            raise self.outcome
        if self.accept_at is not None and self.now - START >= self.accept_at:
            return type("Conn", (), {"id": "c1", "name": "orders"})()
        raise ValidationRefusedError(400, "could not connect")


@pytest.fixture(autouse=True)
def fake_pool(monkeypatch):
    @asynccontextmanager
    async def lease():
        yield lease_client.trigger

    async def lease_client(key, load):
        await load()
        return lease()

    monkeypatch.setattr(client_pool, "lease_client", lease_client)
    return lease_client


async def run(fake_pool, trigger: Clocked) -> ValidationEvent:
    fake_pool.trigger = trigger
    events = [e async for e in trigger.run()]
    assert len(events) == 1
    return ValidationEvent.from_payload(events[0].payload)


@pytest.mark.parametrize(
    ("timeout", "interval", "poll_first", "polls"),
    [
        pytest.param(100, 60, True, [0, 60, 100], id="100s-every-60s-tests-at-the-deadline"),
        pytest.param(100, 60, False, [60, 100], id="after-the-sensor-poke"),
        pytest.param(100, 300, False, [100], id="interval-longer-than-timeout"),
        pytest.param(100, 300, True, [0, 100], id="interval-longer-than-timeout-poll-first"),
        pytest.param(120, 60, True, [0, 60, 120], id="deadline-on-a-poll"),
        pytest.param(0, 60, False, [], id="deadline-already-passed"),
        pytest.param(10, 2.5, True, [0, 2.5, 5, 7.5, 10], id="many-short-polls"),
    ],
)
async def test_timeout_comes_only_after_a_last_test_at_the_deadline(fake_pool, timeout, interval, poll_first, polls):
    trigger = Clocked(poll_interval=interval, deadline=START + timeout, poll_first=poll_first)
    event = await run(fake_pool, trigger)
    assert event.status == "timeout"
    assert trigger.poll_times == polls
    assert trigger.now - START == timeout  # never a poll interval early
    assert f"({len(polls)} test(s))" in event.message


async def test_success_on_the_last_test_at_the_deadline_wins(fake_pool):
    trigger = Clocked(poll_interval=60, deadline=START + 100, accept_at=100)
    event = await run(fake_pool, trigger)
    assert event.status == "success"
    assert trigger.poll_times == [0, 60, 100]


async def test_no_deadline_polls_until_accepted(fake_pool):
    trigger = Clocked(poll_interval=30, deadline=None, accept_at=90)
    assert (await run(fake_pool, trigger)).status == "success"
    assert trigger.poll_times == [0, 30, 60, 90]


async def test_a_rejected_request_ends_the_wait_at_once(fake_pool):
    """A 400 that is not a refused test will never succeed: one permanent error, no more polls."""
    trigger = Clocked(poll_interval=60, deadline=START + 7 * 86400, outcome=BadRequestError(400, "bad patch"))
    event = await run(fake_pool, trigger)
    assert (event.status, event.permanent) == ("error", True)
    assert trigger.poll_times == [0]


def test_poll_first_survives_serialisation():
    trigger = Clocked(poll_interval=5, deadline=START + 10, poll_first=False)
    _, kwargs = trigger.serialize()
    assert kwargs["poll_first"] is False
    assert IBMConnectionValidationTrigger(**kwargs).poll_first is False
