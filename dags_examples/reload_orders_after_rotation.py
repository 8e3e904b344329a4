"""Run a pipeline again after its connection's credentials change: scheduled on the `orders-db` asset.

Every task of this provider emits an Airflow asset event for each connection it creates, updates
(a credential rotation), validates or deletes. This DAG is scheduled on the `orders-db` connection's
asset, so Airflow starts a run after `rotate_connection_credentials` pushed a new password, and the run
sees what triggered it: each event's `extra` says what happened (`created`, `updated`, `validated`,
`deleted`), the datasource type, which fields changed (`properties.password`, comma-separated) and
whether the service validated the result against the database. Never a value.

Put the tasks that use the connection after `what_changed`. Do not change or validate `orders-db`
itself in this DAG: that would emit the next event and start the next run.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from airflow.sdk import dag, task

from airflow_connections_provider.assets import ibm_connection_asset

# The project's id (in the project's Manage tab, General). A connection's asset is named by its project
# and its name, known here at parse time, and stays the same when the connection is created again.
# `make demo`'s emulator gives its project this id.
ORDERS_PIPELINE_PROJECT_ID = "0f7d2c58-5f3a-4b8e-9a61-3c2b1e0d4a95"
ORDERS_DB = ibm_connection_asset("orders-db", project_id=ORDERS_PIPELINE_PROJECT_ID)


@dag(
    dag_id="reload_orders_after_rotation",
    schedule=[ORDERS_DB],
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,
    max_active_runs=1,
    tags=["ibm", "connections", "assets", "example"],
    doc_md=__doc__,
)
def reload_orders_after_rotation() -> None:
    @task
    def what_changed(triggering_asset_events: Any = None) -> list[dict[str, Any]]:
        """One line per event that triggered this run; returns them (names and flags only) to XCom."""
        events = triggering_asset_events[ORDERS_DB] if triggering_asset_events else []  # none when triggered by hand
        changes = []
        for event in sorted(events, key=lambda e: e.timestamp):
            extra = event.extra
            fields = extra.get("changed_fields") or "-"  # comma-separated field names
            source = f"{event.source_dag_id}.{event.source_task_id}"
            validated = "validated by the service" if extra.get("validated") else "not validated"
            print(
                f"orders-db {extra.get('action')} by {source} at {event.timestamp:%H:%M:%S}: "
                f"{extra.get('datasource_type')}, changed: {fields}, {validated}"
            )
            changes.append({"source": source, **extra})
        return changes

    what_changed()


reload_orders_after_rotation()
