"""A DAG the integration tests run for real (SQLite metadata database, ``dag.test()``).

Bootstraps a connection, waits (deferred) until it validates, rotates its password from an Airflow
Variable, syncs a declared spec from a templated YAML file, then deletes the bootstrapped connection.
"""

from __future__ import annotations

from airflow.providers.common.compat.sdk import DAG

from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor

with DAG("ibm_connection_lifecycle", schedule=None, catchup=False, tags=["test"]) as dag:
    create = IBMCreateConnectionOperator(
        task_id="create",
        name="orders",
        datasource_type="postgresql",
        properties={
            "host": "127.0.0.1",
            "port": "{{ var.value.pg_port }}",
            "database": "orders",
            "username": "etl",
            "password": "{{ var.value.pg_password }}",
        },
        test=False,  # the database is not up yet: the sensor waits for it
        if_exists="skip",
        request_retry_delay=0.05,
    )
    wait = IBMConnectionValidationSensor(
        task_id="wait",
        connection_id=create.output,
        deferrable=True,
        poke_interval=0.2,
        timeout=60,
        request_retry_delay=0.05,
    )
    rotate = IBMUpdateConnectionOperator(
        task_id="rotate",
        connection_id=create.output,
        set_properties={"password": "{{ var.value.pg_new_password }}"},
        request_retry_delay=0.05,
    )
    sync = IBMSyncConnectionsOperator(
        task_id="sync",
        spec="sync_spec.yaml",
        managed_prefix="app-",
        prune=True,
        max_concurrency=4,
        request_retry_delay=0.05,
    )
    delete = IBMDeleteConnectionOperator(task_id="delete", connection_id=create.output, request_retry_delay=0.05)
    # Dynamic task mapping: one mapped task instance per connection.
    extra = IBMCreateConnectionOperator.partial(
        task_id="create_mapped",
        datasource_type="http",
        properties={"url": "{{ var.value.web_url }}"},
        if_exists="skip",
        request_retry_delay=0.05,
    ).expand(name=["mapped-a", "mapped-b"])

    create >> wait >> rotate >> sync >> delete >> extra
