from __future__ import annotations

import pytest

from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS
from tests.support.task_fixtures import api, context, ibm_conn  # noqa: F401 - fixtures


@pytest.fixture(autouse=True)
def _airflow2_reschedule_without_a_database(monkeypatch) -> None:
    """Airflow 2.x's reschedule mode reads the first try's start date from the metadata database,
    which unit tests do not have: answer "no earlier try", as the 3.x task context does."""
    if not AIRFLOW_V_3_0_PLUS:
        import airflow.sensors.base

        monkeypatch.setattr(airflow.sensors.base, "_orig_start_date", lambda **_: None)
