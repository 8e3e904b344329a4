"""Fixtures for operator and sensor tests: an Airflow connection from an env var, mocked API, a fake TI."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from tests.support import payloads

API = "https://api.test"
PROJECT_ID = payloads.PROJECT_ID


#: The run id of every FakeTI a test makes: new for each test (``fresh_task_identity``), the same for
#: the tries of one test, so state kept per task instance (the create marker) never leaks between tests.
RUN_ID = ["run"]


class FakeTI:
    """The slice of a task instance the operators use: XCom pushes and the try number."""

    def __init__(self, try_number: int = 1) -> None:
        self.try_number = try_number
        self.xcom: dict[str, Any] = {}
        # What Airflow 2.x's sensors read from the task instance in reschedule mode.
        self.max_tries, self.dag_id, self.task_id, self.run_id, self.map_index = 0, "dag", "task", RUN_ID[0], -1

    def get_first_reschedule_date(self, context: Any) -> None:
        return None  # a first try: no earlier reschedule

    def xcom_push(self, key: str, value: Any) -> None:
        json.dumps(value)  # XCom values must serialise; this also proves no object leaks in
        self.xcom[key] = value


@pytest.fixture(autouse=True)
def ibm_conn(monkeypatch) -> str:
    conn = {
        "conn_type": "ibmdataplatform",
        "host": API,
        "password": "static-token-value",
        "extra": {"auth_type": "bearer_token", "project": PROJECT_ID, "retry_limit": 1},
    }
    monkeypatch.setenv("AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT", json.dumps(conn))
    return "ibm_data_platform_default"


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.get(f"{API}/v2/projects/{PROJECT_ID}", json=payloads.project("sales", PROJECT_ID))
        rsps.get(f"{API}/v2/datasource_types/postgresql", json=payloads.postgres_type())
        rsps.get(f"{API}/v2/datasource_types/{payloads.POSTGRES_ID}", json=payloads.postgres_type())
        # What uses a connection before a delete: by default, nothing (one empty page of IBM's asset search).
        rsps.post(f"{API}/v2/asset_types/data_asset/search", json={"total_rows": 0, "results": []})
        yield rsps


@pytest.fixture
def context() -> dict[str, Any]:
    return {"ti": FakeTI()}


def writes(rsps: responses.RequestsMock) -> list[tuple[str, str]]:
    """Requests that change something: not reads, nor the asset search (a POST that writes nothing)."""
    return [
        (c.request.method, c.request.url.split("?")[0])
        for c in rsps.calls
        if c.request.method != "GET" and "/v2/asset_types/" not in c.request.url
    ]


def stored_rendered_fields(op: Any) -> Any:
    """What Airflow stores as the task's rendered fields (serialised, then redacted).

    Airflow 3.0 sends them as serialised here; its API server redacts them with a masker of its own,
    which knows none of this task's run-time secrets, so nothing short of this must hold them.
    """
    try:
        from airflow.sdk.execution_time.task_runner import _serialize_rendered_fields
    except ImportError:  # Airflow 2.x: what RenderedTaskInstanceFields computes
        from airflow.models.renderedtifields import get_serialized_template_fields
        from airflow.providers.common.compat.sdk import redact

        return {field: redact(value, field) for field, value in get_serialized_template_fields(task=op).items()}
    return _serialize_rendered_fields(op)
