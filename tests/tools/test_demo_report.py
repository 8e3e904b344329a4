"""The demo's summary reads what happened from the emulator's inspection API: names from the state,
updates and refused live tests from the request log."""

from __future__ import annotations

from tools.airflow_api import RunProgress
from tools.demo_report import connection_report, validation_waits


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
