"""Progress of a long apply: a line at a steady cadence (the rarer of every 10 s and every 5 %), one
summary line, per-write lines only for small syncs. The clock is injected: no test waits."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from airflow_connections_provider.client import Connection, DatasourceType, Scope
from airflow_connections_provider.sync.plan import make_plan
from airflow_connections_provider.sync.progress import ApplyProgress, duration
from airflow_connections_provider.sync.runner import apply_plan
from airflow_connections_provider.sync.spec import DesiredConnection
from tests.support import payloads

PG = DatasourceType.from_api(payloads.postgres_type())
SCOPE = Scope.project(payloads.PROJECT_ID)


class Clock:
    def __init__(self, step: float) -> None:
        self.now = 1000.0
        self.step = step

    def __call__(self) -> float:
        return self.now

    def tick(self) -> None:
        self.now += self.step


def run(total: int, seconds_per_write: float, *, failures: int = 0) -> tuple[ApplyProgress, list[str]]:
    clock = Clock(seconds_per_write)
    lines: list[str] = []

    class Log:
        def info(self, fmt: str, *args: Any) -> None:
            lines.append(fmt % args)

    progress = ApplyProgress(total, log=Log(), clock=clock)
    for i in range(total):
        clock.tick()
        progress.record(failed=i < failures)
    return progress, lines


@pytest.mark.parametrize(
    ("total", "seconds_per_write", "expected_lines"),
    [
        pytest.param(10_000, 1 / 32, 19, id="fast-10k-every-5-percent"),  # 10 s pass before 5 % (15.6 s) do
        pytest.param(1_000, 1.0, 19, id="slow-1k-every-5-percent-also-past-10s"),  # 50 writes = 50 s
        pytest.param(100, 1.0, 9, id="100-writes-every-10s"),  # 5 % = 5 writes in 5 s: the 10 s are rarer
        pytest.param(40, 0.1, 0, id="quick-sync-no-progress-lines"),  # done in 4 s
        pytest.param(1, 60.0, 0, id="one-write-only-the-summary"),
    ],
)
def test_cadence_is_the_rarer_of_ten_seconds_and_five_percent(total, seconds_per_write, expected_lines):
    progress, lines = run(total, seconds_per_write)
    assert len(lines) == expected_lines == progress.lines
    assert len(lines) <= 20


def test_a_progress_line_says_count_rate_and_time_left():
    _, lines = run(10_000, 1 / 32, failures=3)  # 32 writes a second
    assert lines[0] == "Sync progress: 500/10,000 writes applied (5%), 3 failed, 32.0/s, about 4 min 57 s left"
    assert lines[-1].startswith("Sync progress: 9,500/10,000 writes applied (95%)")


def test_the_summary_line_counts_what_was_done():
    progress, _ = run(5, 1.0, failures=1)
    line = progress.summary(["create", "update", "delete", "update", None], held_back=2)
    assert line == (
        "Sync applied 4 of 5 writes in 5.0 s (1.0/s): 1 created, 2 updated, 1 deleted, 1 failed, 2 held back"
    )


@pytest.mark.parametrize(
    ("seconds", "text"), [(0.42, "0.4 s"), (42, "42 s"), (192, "3 min 12 s"), (3720, "1 h 02 min")]
)
def test_durations(seconds, text):
    assert duration(seconds) == text


class CountingClient:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock

    def create_checked_connection(self, scope: Scope, new: Any, **kwargs: Any) -> Connection:
        self.clock.tick()
        return Connection.from_api(payloads.connection(new.name, asset_id=f"id-{new.name}"))


@pytest.mark.parametrize(("writes", "per_write_lines"), [(50, 50), (51, 0)])
def test_apply_logs_each_write_only_for_small_syncs_and_always_a_summary(writes, per_write_lines, caplog):
    caplog.set_level(logging.DEBUG, logger="sync-test")
    log = logging.getLogger("sync-test")
    desired = [
        DesiredConnection(f"app-{i:03d}", PG, None, {"host": "h", "port": 1, "database": "d", "username": "u"})
        for i in range(writes)
    ]
    clock = Clock(1.0)
    outcomes = apply_plan(
        CountingClient(clock),  # type: ignore[arg-type]
        SCOPE,
        make_plan(desired, []),
        test=False,
        max_concurrency=1,
        log=log,
        clock=clock,
    )
    assert len(outcomes) == writes
    info = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert sum(m.startswith("Done: ") for m in info) == per_write_lines
    assert info[-1].startswith(f"Sync applied {writes} of {writes} writes in ")
    assert sum(m.startswith("Sync progress: ") for m in info) >= 1  # 1 s per write: past 10 s and 5 %
