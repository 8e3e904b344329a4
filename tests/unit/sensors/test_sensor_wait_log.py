"""What the sensor tells while it waits: one line per refused test, with its reason and the time waited, and
the deferred trigger gets the same start of the wait and its client settings through the hook."""

from __future__ import annotations

import json
import time

import pytest
from airflow.providers.common.compat.sdk import TaskDeferred

from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor
from tests.support import payloads
from tests.support.task_fixtures import API

CONN = f"{API}/v2/connections"


class RecordingLog:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def info(self, message: str, *args: object) -> None:
        self.lines.append(("INFO", message % args))

    def warning(self, message: str, *args: object) -> None:
        self.lines.append(("WARNING", message % args))


@pytest.fixture(autouse=True)
def log(monkeypatch) -> RecordingLog:
    """The task's own logger, recorded (Airflow 3's is structlog's, which caplog does not see)."""
    recording = RecordingLog()
    monkeypatch.setattr(IBMConnectionValidationSensor, "log", recording)
    return recording


def sensor(**kwargs) -> IBMConnectionValidationSensor:
    args = {"task_id": "wait", "connection_id": "c1", "poke_interval": 30, "timeout": 600, **kwargs}
    return IBMConnectionValidationSensor(**args)


@pytest.mark.parametrize(
    ("status", "code", "level", "start"),
    [
        pytest.param(400, "connection_test_failed", "INFO", "Connection c1 is not valid yet (waited ", id="refused"),
        pytest.param(503, "unavailable", "WARNING", "Connection c1 could not be tested this time (waited ", id="503"),
    ],
)
def test_each_refused_poke_is_one_line_with_its_reason_and_the_time_waited(
    api, context, log, status, code, level, start
):
    api.put(f"{CONN}/c1/actions/test", status=status, json=payloads.error(code, "password authentication failed"))
    s = sensor()
    assert s.poke(context) is False
    s._waiting_since -= 125  # two minutes later, the next poke
    assert s.poke(context) is False
    first, second = [line for line in log.lines if line[1].startswith("Connection c1")]
    assert first[0] == second[0] == level
    assert first[1].startswith(f"{start}0 s): ") and second[1].startswith(f"{start}2 min 5 s): ")
    assert "password authentication failed" in second[1]
    assert "static-token-value" not in second[1]


def test_in_reschedule_mode_no_time_waited_is_claimed(api, context, log):
    """Each poke runs in a new process there, which cannot tell how long the wait has lasted."""
    api.put(f"{CONN}/c1/actions/test", status=400, json=payloads.error("connection_test_failed", "refused"))
    s = sensor(mode="reschedule")
    assert s.poke(context) is False
    (line,) = [text for _, text in log.lines if text.startswith("Connection c1")]
    assert line.startswith("Connection c1 is not valid yet: ")


def test_the_trigger_gets_the_start_of_the_wait_and_hook_params(api, context):
    api.put(f"{CONN}/c1/actions/test", status=400, json=payloads.error("connection_test_failed", "refused"))
    before = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        sensor(deferrable=True, request_timeout=12.5, request_retry_limit=3).execute(context)
    _, kwargs = deferred.value.trigger.serialize()
    assert before <= kwargs["waiting_since"] <= time.time()
    # One attempt per poll in the triggerer: of the request settings, only the timeout applies there.
    assert kwargs["hook_params"] == {"timeout": 12.5}
    json.dumps(kwargs)
