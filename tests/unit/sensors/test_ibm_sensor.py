"""The validation sensor: not-yet vs final failures, deferral (TaskDeferred), and its event contract."""

from __future__ import annotations

import json
import time

import pytest
from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    TaskDeferred,
)

from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor, connection_id_from_event
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger
from tests.support import payloads
from tests.support.task_fixtures import API, PROJECT_ID

CONN = f"{API}/v2/connections"


def sensor(**kwargs) -> IBMConnectionValidationSensor:
    args = {"task_id": "wait", "connection_id": "c1", "poke_interval": 30, "timeout": 600}
    args.update(kwargs)
    return IBMConnectionValidationSensor(**args)


def refuse(api) -> None:
    api.put(f"{CONN}/c1/actions/test", status=400, json=payloads.error("connection_test_failed", "connection refused"))


def accept(api) -> None:
    api.put(f"{CONN}/c1/actions/test", json={})  # the test action's output
    # Once valid, the sensor reads the connection's name and type for its asset event.
    api.get(f"{CONN}/c1", json=payloads.connection("orders", asset_id="c1"))


def test_poke_refused_means_not_yet_then_done_with_the_id(api, context):
    s = sensor()
    refuse(api)
    assert not s.poke(context)
    accept(api)
    result = s.poke(context)
    assert result.is_done
    assert result.xcom_value == "c1"


@pytest.mark.parametrize(
    ("status", "final"),
    [
        pytest.param(404, True, id="not-found"),
        pytest.param(401, True, id="unauthenticated"),
        pytest.param(403, True, id="forbidden"),
        pytest.param(503, False, id="unavailable-is-not-yet"),
        pytest.param(429, False, id="rate-limited-is-not-yet"),
    ],
)
def test_poke_errors(api, context, status, final):
    api.put(f"{CONN}/c1/actions/test", status=status, json=payloads.error("x", "nope"))
    if final:
        with pytest.raises(AirflowFailException):
            sensor().poke(context)
    else:
        assert sensor().poke(context) is False


def test_deferrable_pokes_once_then_defers_with_plain_kwargs(api, context):
    refuse(api)
    before = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        sensor(deferrable=True).execute(context)
    trigger = deferred.value.trigger
    assert isinstance(trigger, IBMConnectionValidationTrigger)
    assert deferred.value.method_name == "execute_complete"
    _, kwargs = trigger.serialize()
    assert kwargs["ibm_conn_id"] == "ibm_data_platform_default"
    assert (kwargs["scope_kind"], kwargs["scope_id"], kwargs["connection_id"]) == ("project_id", PROJECT_ID, "c1")
    assert kwargs["poll_interval"] == 30
    assert before + 600 <= kwargs["deadline"] <= time.time() + 600
    assert "static-token-value" not in json.dumps(kwargs)
    assert deferred.value.timeout.total_seconds() > 600  # Airflow's own timeout is only a backstop
    assert [c.request.method for c in api.calls if c.request.url.startswith(CONN)] == ["PUT"]  # poked once


def test_reschedule_mode_gives_the_slot_back_between_pokes(api, context):
    try:
        from airflow.sdk.exceptions import AirflowRescheduleException
    except ImportError:  # Airflow 2.x
        from airflow.exceptions import AirflowRescheduleException  # type: ignore[no-redef,attr-defined,unused-ignore]

    refuse(api)
    with pytest.raises(AirflowRescheduleException):
        sensor(mode="reschedule").execute(context)


def test_deferrable_returns_at_once_when_already_valid(api, context):
    accept(api)
    assert sensor(deferrable=True).execute(context) == "c1"


def test_by_name_resolves_once_and_publishes_the_link(api, context):
    api.get(CONN, json=payloads.page([payloads.connection("orders", asset_id="c1")]))
    refuse(api)
    s = sensor(connection_id=None, connection_name="orders")
    s.poke(context)
    s.poke(context)
    assert len([c for c in api.calls if c.request.method == "GET" and c.request.url.startswith(CONN)]) == 1
    assert context["ti"].xcom["ibm_connection_url"].startswith(f"{API}/connections/c1?")


@pytest.mark.parametrize(
    ("event", "soft_fail", "outcome"),
    [
        pytest.param({"status": "success", "connection_id": "c1", "message": "ok"}, False, "c1", id="success"),
        pytest.param(
            {"status": "timeout", "connection_id": "c1", "message": "late"}, False, AirflowSensorTimeout, id="timeout"
        ),
        pytest.param(
            {"status": "timeout", "connection_id": "c1", "message": "late"},
            True,
            AirflowSkipException,
            id="timeout-soft-fail",
        ),
        pytest.param(
            {"status": "error", "connection_id": "c1", "message": "gone", "permanent": True},
            False,
            AirflowFailException,
            id="permanent",
        ),
        pytest.param(
            {"status": "error", "connection_id": "c1", "message": "boom"}, False, AirflowException, id="error"
        ),
        pytest.param(None, False, AirflowException, id="no-event"),
    ],
)
def test_event_contract(event, soft_fail, outcome):
    if isinstance(outcome, str):
        assert connection_id_from_event(event, soft_fail=soft_fail) == outcome
    else:
        with pytest.raises(outcome):
            connection_id_from_event(event, soft_fail=soft_fail)


@pytest.mark.parametrize("configured", ["True", "False"])
def test_default_deferrable_comes_from_airflow_config(configured):
    """Read in a fresh interpreter: the default is fixed when the module is first imported."""
    import os
    import subprocess
    import sys

    code = (
        "from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor as S;"
        "print(S(task_id='s', connection_id='c').deferrable)"
    )
    env = {**os.environ, "AIRFLOW__OPERATORS__DEFAULT_DEFERRABLE": configured}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=True)
    assert out.stdout.strip().splitlines()[-1] == configured


def rejected_request(self, scope, connection_id):
    from airflow_connections_provider.client import BadRequestError

    raise BadRequestError(400, "the request is malformed", code="invalid_request", method="PATCH", path="/x")


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"mode": "poke"}, id="poke"),
        pytest.param({"mode": "reschedule"}, id="reschedule"),
        pytest.param({"deferrable": True}, id="deferrable-first-poke"),
    ],
)
def test_a_request_the_service_rejects_fails_at_once_in_every_mode(api, context, monkeypatch, kwargs):
    """A 400 that is not a refused test never succeeds: no waiting for the sensor's timeout (7 days by default)."""
    from airflow_connections_provider.client import ConnectionsClient

    monkeypatch.setattr(ConnectionsClient, "test_connection", rejected_request)
    with pytest.raises(AirflowFailException, match="the request is malformed"):
        sensor(**kwargs).execute(context)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"connection_id": None}, "exactly one of connection_id or connection_name", id="no-target"),
        pytest.param({"connection_name": "x"}, "exactly one of connection_id or connection_name", id="two-targets"),
        pytest.param({"connection_id": 42}, "connection_id must be text", id="id-not-text"),
        pytest.param({"request_timeout": float("nan")}, "request_timeout must be a finite number", id="nan-timeout"),
        pytest.param(
            {"project": ["p"]}, r"project must be the project's id or exact name \(text\), got list", id="project-list"
        ),
    ],
)
def test_bad_sensor_arguments_fail_before_any_request(api, context, kwargs, message):
    with pytest.raises(AirflowFailException, match=message):
        sensor(**kwargs).poke(context)
    assert [c for c in api.calls if c.request.url.startswith(CONN)] == []


def test_the_deferred_trigger_does_not_test_again_right_after_the_poke(api, context):
    refuse(api)
    with pytest.raises(TaskDeferred) as deferred:
        sensor(deferrable=True).execute(context)
    assert deferred.value.trigger.serialize()[1]["poll_first"] is False
