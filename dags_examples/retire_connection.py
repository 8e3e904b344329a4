"""Retire a connection without breaking what reads through it: record the project's connections,
then delete the one retired, only if nothing still uses it (or what does is accepted).

IBM's delete does not check whether data assets still read through a connection; those assets are
left pointing at nothing. ``IBMDeleteConnectionOperator`` looks first (IBM's asset search over the
project's data assets and their attachments) and refuses, naming them, unless every one is listed in
``accepted_dependents`` (``force=True`` skips the look-up). Before it, ``IBMExportConnectionsOperator``
records the project's connections as a sync spec (secrets as Airflow placeholders, never values) in
XCom, or with ``path=`` in a file: a record the sync can re-apply.

Trigger it with the connection's name, and the data assets you accept to leave dangling::

    airflow dags trigger retire_connection \\
        --conf '{"connection_name": "analytics-legacy-ftp", "accepted_dependents": ["legacy-orders-csv"]}'
"""

from __future__ import annotations

from airflow.sdk import Param, dag

from airflow_connections_provider.operators.ibm import IBMDeleteConnectionOperator, IBMExportConnectionsOperator


@dag(
    dag_id="retire_connection",
    schedule=None,  # on demand
    catchup=False,
    tags=["ibm", "connections", "example"],
    doc_md=__doc__,
    params={
        "connection_name": Param("analytics-legacy-ftp", type="string", minLength=1),
        # Names or ids of data assets that may be left without their connection; empty: none may.
        "accepted_dependents": Param([], type="array", items={"type": "string"}),
    },
    # The params render as what they are: a list stays a list.
    render_template_as_native_obj=True,
    default_args={"ibm_conn_id": "ibm_data_platform_default"},
)
def retire_connection() -> None:
    record = IBMExportConnectionsOperator(task_id="record_connections")
    retire = IBMDeleteConnectionOperator(
        task_id="delete_connection",
        connection_name="{{ params.connection_name }}",
        accepted_dependents="{{ params.accepted_dependents }}",
        missing_ok=True,  # a re-run after it went is success
        retries=0,  # a refusal names what to decide; retrying would not change it
    )
    record >> retire


retire_connection()
