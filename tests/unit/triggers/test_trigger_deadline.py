"""The trigger's deadline and first-test spread on a fake clock: it times out only once the deadline has
passed, after a last test at the deadline itself, and never a poll early; its first test falls at the
drawn point of its window, never past one interval (nor the deadline), and after a deferral never within
seconds of it. Polls are counted exactly; no wall clock is read, and the random draw is fixed."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from airflow_connections_provider.client import BadRequestError, ValidationRefusedError
from airflow_connections_provider.triggers import client_pool
from airflow_connections_provider.triggers.ibm import (
    DEFERRAL_SETTLE_S,
    FIRST_TEST_SPREAD_S,
    IBMConnectionValidationTrigger,
    ValidationEvent,
    first_wait,
)

START = 1_000_000.0


class Clocked(IBMConnectionValidationTrigger):
    """The trigger with its clock and sleep replaced, and a client that refuses until ``accept_at``."""

    def __init__(
        self,
        *,
        accept_at: float | None = None,
        outcome: BaseException | None = None,
        fraction: float = 0.0,
        **kwargs,
    ) -> None:
        super().__init__(ibm_conn_id="x", scope_kind="project_id", scope_id="p", connection_id="c1", **kwargs)
        self.fraction = fraction  # 0: the first test at the start of its window (poll_first) or after one interval
        self.now = START
        self.poll_times: list[float] = []
        self.accept_at = accept_at
        self.outcome = outcome

    def _now(self) -> float:
        return self.now

    def _jitter(self) -> float:
        return self.fraction

    async def _sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds

    def _hook(self):
        return self  # answers aget_client_config: the fake pool below reads "settings" through it

    async def aget_client_config(self):
        return object()

    async def test_connection(self, scope, connection_id):
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
        pytest.param(100, 60, False, [65, 100], id="after-the-sensor-poke"),
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


@pytest.mark.parametrize("fraction", [0.0, 0.25, 0.5, 0.999999])
@pytest.mark.parametrize("interval", [0.5, 4.0, 20.0, 60.0, 600.0])
def test_first_wait_stays_inside_its_window(interval, fraction):
    after_poke = first_wait(interval, poll_first=False, fraction=fraction)
    earliest = min(interval / 2, DEFERRAL_SETTLE_S)
    # A whole interval of spread, never within seconds of the deferral.
    assert earliest < after_poke <= earliest + interval
    assert after_poke == pytest.approx(earliest + interval * (1 - fraction))
    soon = first_wait(interval, poll_first=True, fraction=fraction)
    assert 0 <= soon < min(interval, FIRST_TEST_SPREAD_S)  # a lone trigger still tests within seconds
    assert soon == pytest.approx(fraction * min(interval, FIRST_TEST_SPREAD_S))


def test_first_waits_of_a_crowd_spread_evenly_over_the_window():
    """Evenly drawn points stay evenly spread over a whole interval: every second of the window gets its
    share (100), none a burst, and none comes within 5 s of the deferral. The window is shifted, not
    shortened: a 15 s window would put every later round of 2,000 tests into 15 s of each 20 s."""
    crowd = 2000
    waits = [first_wait(20.0, poll_first=False, fraction=i / crowd) for i in range(crowd)]
    per_second = [sum(1 for w in waits if s < w <= s + 1) for s in range(25)]
    assert sum(per_second) == crowd
    assert per_second[:5] == [0] * 5
    assert all(99 <= n <= 101 for n in per_second[5:]), per_second  # float rounding moves a point across


@pytest.mark.parametrize(
    ("interval", "earliest"),
    [(2.0, 1.0), (4.0, 2.0), (10.0, 5.0), (60.0, 5.0), (3600.0, 5.0)],
)
def test_after_a_deferral_the_first_test_waits_half_the_interval_or_5_s(interval, earliest):
    """A trigger firing within seconds of its deferral can lose a race with Airflow 3.0-3.3's scheduler,
    which then fails the task ("finished with state success, but ... queued"): the earliest draw waits."""
    assert first_wait(interval, poll_first=False, fraction=1 - 1e-9) == pytest.approx(earliest, abs=1e-3)
    assert first_wait(interval, poll_first=False, fraction=0.0) == earliest + interval


def test_the_default_draw_is_uniform_in_the_unit_interval():
    trigger = IBMConnectionValidationTrigger(ibm_conn_id="x", scope_kind="project_id", scope_id="p", connection_id="c")
    draws = [trigger._jitter() for _ in range(2000)]
    assert all(0 <= d < 1 for d in draws)
    assert len(set(draws)) > 1900  # drawn per trigger, not one phase shared by the crowd


@pytest.mark.parametrize(
    ("poll_first", "fraction", "interval", "timeout", "polls"),
    [
        pytest.param(False, 0.5, 60, 200, [35, 95, 155, 200], id="after-the-poke-mid-window-then-steady"),
        pytest.param(False, 0.99, 60, 200, [5.6, 65.6, 125.6, 185.6, 200], id="after-the-poke-earliest-5s"),
        pytest.param(True, 0.5, 60, 200, [5, 65, 125, 185, 200], id="poll-first-within-the-spread"),
        pytest.param(True, 0.5, 4, 20, [2, 6, 10, 14, 18, 20], id="poll-first-short-interval"),
        pytest.param(True, 0.9, 60, 3, [3], id="poll-first-draw-past-the-deadline-tests-at-it"),
        pytest.param(True, 0.9, 60, 0, [0], id="poll-first-deadline-passed-still-one-test"),
        pytest.param(False, 0.0, 60, 40, [40], id="after-the-poke-never-past-the-deadline"),
    ],
)
async def test_the_drawn_first_test_then_the_interval(fake_pool, poll_first, fraction, interval, timeout, polls):
    trigger = Clocked(poll_interval=interval, deadline=START + timeout, poll_first=poll_first, fraction=fraction)
    event = await run(fake_pool, trigger)
    assert event.status == "timeout"
    assert trigger.poll_times == pytest.approx(polls)


def test_a_restored_trigger_draws_its_own_first_test():
    """serialize() carries no phase: the triggerer's restored triggers spread their first tests anew."""
    trigger = Clocked(poll_interval=60, deadline=START + 600, poll_first=False)
    _, kwargs = trigger.serialize()
    assert set(kwargs) == {
        "ibm_conn_id",
        "scope_kind",
        "scope_id",
        "connection_id",
        "poll_interval",
        "deadline",
        "poll_first",
        "hook_params",
        "waiting_since",
        "action",
    }
