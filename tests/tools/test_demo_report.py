"""The demo's summary reads what happened from the emulator's inspection API: names from the state,
updates and refused live tests from the request log."""

from __future__ import annotations

from pathlib import Path

from tools.airflow_api import RunProgress
from tools.demo_report import connection_report, failed_task_logs, validation_waits


def entry(method: str, path: str, status: int) -> dict:
    return {"method": method, "path": path, "status": status}


def test_connection_report_from_state_and_log():
    state = {
        "connections": [
            {"metadata": {"asset_id": "id-orders"}, "entity": {"name": "orders-db"}},
            {"metadata": {"asset_id": "id-manual"}, "entity": {"name": "manual"}},
            {"metadata": {"asset_id": "id-events"}, "entity": {"name": "events"}},
        ]
    }
    log = {
        "entries": [
            entry("POST", "/v2/connections", 201),
            entry("PUT", "/v2/connections/id-orders/actions/test", 400),  # a sensor re-test, refused
            entry("PUT", "/v2/connections/id-orders/actions/test", 200),
            entry("PATCH", "/v2/connections/id-orders", 200),  # rotated
            entry("PATCH", "/v2/connections/id-events", 400),  # an update refused by its live test
            entry("DELETE", "/v2/connections/id-legacy", 204),
            entry("GET", "/v2/connections/id-manual", 200),
        ]
    }

    report = connection_report(["manual", "events", "legacy"], state, log)

    assert report.created == ["orders-db"]
    assert report.updated == ["orders-db"]
    assert report.deleted == ["legacy"]
    assert report.untouched == ["events", "manual"]
    assert report.refused == {"orders-db": 1, "events": 1}
    assert report.requests == 7


def test_validation_waits_name_each_sensor_by_its_connection_and_say_where_it_waited():
    run = RunProgress("boot", "r", label_from={"wait_until_valid": "create_connection"})
    run.tasks = {("wait_until_valid", 0): "success", ("wait_until_valid", 1): "success"}
    run.seen = {("wait_until_valid", 0): {"running", "deferred", "success"}, ("wait_until_valid", 1): {"success"}}
    run.instances = {
        ("create_connection", 0): {"rendered_map_index": "orders-db"},
        ("create_connection", 1): {"rendered_map_index": "events"},
        ("wait_until_valid", 0): {"duration": 21.6},
        ("wait_until_valid", 1): {"duration": 2.0},
    }

    assert validation_waits(run, {"orders-db": 2}) == [
        "orders-db: 22 s, deferred to the triggerer, 2 refused test(s) first",
        "events: 2 s, valid at the first test",
    ]


def test_a_failed_demo_shows_the_tail_of_each_unexpectedly_failed_task_log(tmp_path: Path):
    run = RunProgress("boot", "manual__1")
    run.tasks = {("wait", 0): "failed", ("wait", 1): "success", ("drill", -1): "failed", ("create", -1): "failed"}
    for folder, name, text in [
        ("task_id=wait/map_index=0", "attempt=1.log", "start\nTaskDeferred\n"),
        ("task_id=wait/map_index=0", "attempt=1.log.trigger.7.log", "trigger said: permission denied\n"),
        ("task_id=drill", "attempt=1.log", "expected failure\n"),
        ("task_id=create", "attempt=1.log", "\n".join(f"line {i}" for i in range(40))),
    ]:
        path = tmp_path / "dag_id=boot/run_id=manual__1" / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    lines = failed_task_logs(tmp_path, run, expected={("drill", -1)}, lines=5)
    text = "\n".join(lines)
    assert "trigger said: permission denied" in text and "TaskDeferred" in text
    assert "expected failure" not in text  # the drill's designed failure is not noise
    assert "line 39" in text and "line 34" not in text  # only the tail
