"""The sync applies its plan with exactly ``max_concurrency`` writes in flight: never more, and really
that many (a sync that ignored the setting and wrote one at a time would be 8x slower at the default)."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from airflow_connections_provider.client import Connection, DatasourceType, Scope
from airflow_connections_provider.sync.plan import make_plan
from airflow_connections_provider.sync.runner import apply_plan
from airflow_connections_provider.sync.spec import DesiredConnection
from tests.support import payloads

PG = DatasourceType.from_api(payloads.postgres_type())
SCOPE = Scope.project(payloads.PROJECT_ID)


class GatedClient:
    """Each create waits until ``width`` creates are in flight at once (a barrier), and records the peak.

    If the runner allowed fewer than ``width`` at once, the barrier would time out and break: the test
    fails instead of hanging. If it allowed more, the recorded peak would exceed ``width``.
    """

    def __init__(self, width: int) -> None:
        self.barrier = threading.Barrier(width, timeout=20)
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.created: list[str] = []

    def create_checked_connection(self, scope: Scope, new: Any, **kwargs: Any) -> Connection:
        name = new.name
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            self.barrier.wait()
        finally:
            with self.lock:
                self.in_flight -= 1
                self.created.append(name)
        return Connection(id=f"id-{name}", name=name, datasource_type=PG.id, scope=scope)


@pytest.mark.parametrize("width", [1, 3, 8])
def test_writes_in_flight_equal_max_concurrency(width):
    desired = [
        DesiredConnection(
            f"c{i}", PG, None, {"host": "h", "port": 1, "database": "d", "username": "u", "password": "p"}
        )
        for i in range(width * 3)
    ]
    plan = make_plan(desired, [])
    client = GatedClient(width)
    outcomes = apply_plan(client, SCOPE, plan, test=False, max_concurrency=width)  # type: ignore[arg-type]
    assert [o.error for o in outcomes] == [None] * len(desired)
    assert sorted(client.created) == sorted(d.name for d in desired)
    assert client.peak == width
