"""A DAG scheduled on one connection's asset: it runs after ``ibm_credentials_rotation`` changed the
connection, and its task prints the events that triggered the run (the test reads them)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any

from airflow.providers.common.compat.sdk import DAG, BaseOperator

from airflow_connections_provider.assets import ibm_connection_asset

FOLLOWED_PROJECT_ID = "5a1e5000-0000-4000-8000-0000000000a1"  # as in ibm_credentials_rotation.py


FOLLOWED = ibm_connection_asset("orders db", project_id=FOLLOWED_PROJECT_ID)


class ReportTriggeringEvents(BaseOperator):
    """Prints ``TRIGGERING_EVENTS <json>``: the source task and extra of each event of the followed asset."""

    def execute(self, context: Any) -> list[dict[str, Any]]:
        if "triggering_asset_events" in context:  # Airflow 3: keyed by asset (and by each source alias)
            events = context["triggering_asset_events"][FOLLOWED]
        else:  # Airflow 2.11: dataset events, keyed by URI
            events = context["triggering_dataset_events"][FOLLOWED.uri]
        found = [{"source_task_id": e.source_task_id, "extra": dict(e.extra or {})} for e in events]
        print("TRIGGERING_EVENTS " + json.dumps(found))
        return found


with DAG(
    "ibm_connection_follower",
    schedule=[FOLLOWED],
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),  # Airflow 2.11 wants one for any schedule
    catchup=False,
    tags=["test"],
) as dag:
    ReportTriggeringEvents(task_id="report")
