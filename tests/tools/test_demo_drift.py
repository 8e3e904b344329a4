"""``make demo``'s drift step decides from what Airflow reports: a clean check first, then the edit
through the service (real HTTP to the emulator), then a failed check whose XCom and task log name the
edited field. The Airflow side is a stand-in here; tests/examples/test_drift_dag.py runs the DAG for real."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from airflow_connections_provider.emulator import EmulatorHandle, EmulatorSettings
from tools.airflow_api import RunProgress
from tools.demo_drift import DRIFT_DAG, EDITED, EDITED_URL, diff_line, run_drift_demo
from tools.demo_world import PROJECT


@pytest.fixture
def ibm_emulator_settings() -> EmulatorSettings:
    return EmulatorSettings(projects=(PROJECT,))


class FakeApi:
    """Answers as Airflow's REST API would for two runs of the drift DAG, in the given end states."""

    prefix = "/api/v2"

    def __init__(self, logs: Path, states: list[str], *, with_drift: bool = True) -> None:
        self.logs = logs
        self.states = states
        self.with_drift = with_drift
        self.calls: list[str] = []
        self.edited_id = "?"
        self.triggered = 0

    def wait_for_dags(self, dag_ids: Any) -> None:
        self.calls.append(f"wait {list(dag_ids)}")

    def set_paused(self, dag_id: str, paused: bool) -> None:
        self.calls.append(f"paused={paused}")

    def trigger(self, dag_id: str, *, note: str | None = None) -> str:
        self.calls.append(f"trigger {dag_id}")
        self.triggered += 1
        return f"run-{self.triggered}"

    def follow(self, runs: list[RunProgress], timeout: float) -> list[RunProgress]:
        (run,) = runs
        run.state = self.states.pop(0)
        run.start_date, run.end_date = "2026-12-01T10:00:00+00:00", "2026-12-01T10:00:06+00:00"
        if run.state == "failed":
            folder = self.logs / f"dag_id={DRIFT_DAG}" / f"run_id={run.run_id}" / "task_id=check_drift"
            folder.mkdir(parents=True)
            line = f"~ {EDITED} (id {self.edited_id}): properties.url" if self.with_drift else "something else"
            event = {"event": "Task failed", "error_detail": [{"exc_value": f"Drift in project p: ...\n{line}"}]}
            (folder / "attempt=1.log").write_text(json.dumps(event) + "\n")
        return [run]

    def request(self, method: str, path: str, **kwargs: Any) -> Any:
        self.calls.append(f"{method} {path.rsplit('/', 1)[-1]}")
        drift = [{"name": EDITED, "fields": ["properties.url"]}] if self.with_drift else []
        return {"key": "sync_summary", "value": {"drift": drift}}


def seeded(emu: EmulatorHandle) -> str:
    return emu.create_connection(EDITED, "http", {"url": "https://events.example.com/a.json"}, project=PROJECT)


def test_the_edit_is_made_through_the_service_and_its_catch_reported(ibm_emulator, tmp_path):
    api = FakeApi(tmp_path, ["success", "failed"])
    api.edited_id = seeded(ibm_emulator)

    result = run_drift_demo(api, ibm_emulator.url, tmp_path)  # type: ignore[arg-type]

    assert result.ok, result.lines
    assert f"caught: ~ {EDITED} (id {api.edited_id}): properties.url" in result.lines[-1]
    assert ibm_emulator.requests_count("PATCH", "/v2/connections/*") == 1  # through the API, as the UI would
    (stored,) = ibm_emulator.stored_connections(PROJECT)
    assert stored["entity"]["properties"]["url"] == EDITED_URL
    assert api.calls[:3] == [f"wait ['{DRIFT_DAG}']", "paused=False", f"trigger {DRIFT_DAG}"]


@pytest.mark.parametrize(
    ("states", "with_drift"),
    [
        pytest.param(["success", "success"], True, id="edit-not-caught"),
        pytest.param(["failed", "failed"], True, id="false-alarm-before-the-edit"),
        pytest.param(["success", "failed"], False, id="failed-for-another-reason"),
    ],
)
def test_anything_else_fails_the_demo(ibm_emulator, tmp_path, states, with_drift):
    seeded(ibm_emulator)
    result = run_drift_demo(FakeApi(tmp_path, states, with_drift=with_drift), ibm_emulator.url, tmp_path)  # type: ignore[arg-type]
    assert not result.ok
    assert result.lines[-1].startswith("ERROR: the drift check did not pass before the edit and fail after it")


def test_the_diff_line_is_found_in_plain_and_json_logs():
    plain = "Drift in project p:\n~ analytics-events (id c-1): properties.url\n+ x: missing"
    assert diff_line(plain, EDITED) == "~ analytics-events (id c-1): properties.url"
    as_json = json.dumps({"error": plain})
    assert diff_line(as_json, EDITED) == "~ analytics-events (id c-1): properties.url"
    assert diff_line("nothing here", EDITED) is None
