"""The record of a create in flight, kept in an Airflow Variable across task tries (a dict stands in for
Airflow's Variable store; each try is a new operator object, as a new process would have)."""

from __future__ import annotations

from typing import Any

import pytest
from airflow.providers.common.compat import sdk
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_connections_provider.operators.ibm import IBMCreateConnectionOperator
from airflow_connections_provider.tasks.lookups import CREATE_MARKER_PREFIX, LOCAL_MARKERS
from tests.support import payloads
from tests.support.task_fixtures import API, FakeTI, writes

CONNS = f"{API}/v2/connections"
PROPS = {"host": "db", "port": 5432, "database": "orders", "username": "etl", "password": "pw-rotate-me"}
VISIBLE = {k: v for k, v in PROPS.items() if k != "password"}


class FakeVariables:
    store: dict[str, Any] = {}

    @classmethod
    def set(cls, key: str, value: Any, description: str | None = None, serialize_json: bool = False) -> None:
        cls.store[key] = value

    @classmethod
    def get(cls, key: str, default: Any = None, deserialize_json: bool = False) -> Any:
        return cls.store.get(key, default)

    @classmethod
    def delete(cls, key: str) -> None:
        cls.store.pop(key)


@pytest.fixture
def variables(monkeypatch) -> dict[str, Any]:
    FakeVariables.store = {}
    monkeypatch.setattr(sdk, "Variable", FakeVariables, raising=False)
    return FakeVariables.store


def op() -> IBMCreateConnectionOperator:
    return IBMCreateConnectionOperator(task_id="create", name="orders", datasource_type="postgresql", properties=PROPS)


def test_a_new_process_adopts_through_the_variable_and_removes_it(api, variables):
    existing = payloads.connection("orders", asset_id="mine", properties=VISIBLE)
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=503, json=payloads.error("service_unavailable", "later"))
    api.get(CONNS, json=payloads.page([existing]))
    with pytest.raises(AirflowException):
        op().execute({"ti": FakeTI(try_number=1)})
    (key,) = variables
    assert key.startswith(CREATE_MARKER_PREFIX) and variables[key]["name"] == "orders"
    LOCAL_MARKERS.clear()  # try 2 runs in another process: only the Variable is left
    api.patch(f"{CONNS}/mine", json=existing)
    assert op().execute({"ti": FakeTI(try_number=2)}) == "mine"
    assert variables == {}


def test_a_create_that_succeeds_leaves_no_variable(api, variables, context):
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=201, json=payloads.connection("orders", asset_id="new-1"))
    assert op().execute(context) == "new-1"
    assert variables == {}


@pytest.mark.parametrize(
    ("status", "after"),
    [
        pytest.param(400, [], id="refused-request"),
        pytest.param(503, [], id="transient-and-nothing-saved"),
    ],
)
def test_a_create_known_not_to_be_saved_leaves_no_variable(api, variables, status, after):
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=status, json=payloads.error("invalid_request" if status == 400 else "x", "no"))
    api.get(CONNS, json=payloads.page(after))
    with pytest.raises(AirflowException):
        op().execute({"ti": FakeTI(try_number=1)})
    assert variables == {}


def test_a_record_of_another_name_or_project_is_no_evidence(api, variables):
    existing = payloads.connection("orders", asset_id="theirs", properties=VISIBLE)
    first = op()
    first.name = "billing"  # the same task instance once recorded a create of another name
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=503, json=payloads.error("x", "later"))
    api.get(CONNS, json=payloads.page([payloads.connection("billing", properties=VISIBLE)]))
    api.get(CONNS, json=payloads.page([existing]))  # try 2 of the task, now creating "orders"
    with pytest.raises(AirflowException):
        first.execute({"ti": FakeTI(try_number=1)})
    assert len(variables) == 1
    with pytest.raises(AirflowFailException, match="no earlier try of this task sent a create"):
        op().execute({"ti": FakeTI(try_number=2)})
    assert writes(api) == [("POST", CONNS)]
