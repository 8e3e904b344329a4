"""Drift check: every hour, is the project still what ``connections/analytics.yaml`` declares?

Someone edits a connection in IBM's UI and the spec no longer matches. ``check_drift`` plans the
very sync ``sync_connections_from_spec`` runs (same spec, same managed prefix, so the same secret
fingerprints) without writing anything, and fails when the plan is not empty: its error lists each
connection that drifted and how (``+`` missing, ``~`` the fields that differ, ``-`` not in the spec),
and each secret as changed, unchanged or unknown, never a value. XCom ``sync_summary`` holds the same
as data (``drift``). Fields the service changes by itself (usage counters, timestamps, interaction
properties) are ignored by rule. A failure alerts like any failed task; running
``sync_connections_from_spec`` repairs the drift.
"""

from __future__ import annotations

from datetime import timedelta

from airflow.sdk import dag

from airflow_connections_provider.operators.ibm import IBMSyncConnectionsOperator

# The same spec and prefix as sync_connections_from_spec: drift is what that sync would change.
SPEC = "connections/analytics.yaml"
MANAGED_PREFIX = "analytics-"


@dag(
    dag_id="detect_connection_drift",
    schedule="@hourly",
    catchup=False,
    max_active_runs=1,
    tags=["ibm", "connections", "sync", "drift", "example"],
    doc_md=__doc__,
    # A drift check that fails has found drift: retrying an hour's check would only repeat it.
    default_args={"ibm_conn_id": "ibm_data_platform_default", "retries": 0},
    dagrun_timeout=timedelta(minutes=30),
)
def detect_connection_drift() -> None:
    IBMSyncConnectionsOperator(
        task_id="check_drift",
        spec=SPEC,
        managed_prefix=MANAGED_PREFIX,
        prune=True,  # a managed connection the spec does not name is drift too
        dry_run=True,
        fail_on_drift=True,
    )


detect_connection_drift()
