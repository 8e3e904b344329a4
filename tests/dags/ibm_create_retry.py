"""A DAG the integration tests run for real: one create whose first try may fail after its POST was
saved, retried by Airflow (``retries=1``) in a new try that must adopt it through the Variable record."""

from __future__ import annotations

from datetime import timedelta

from airflow.providers.common.compat.sdk import DAG

from airflow_connections_provider.operators.ibm import IBMCreateConnectionOperator

with DAG("ibm_create_retry", schedule=None, catchup=False, tags=["test"]) as dag:
    IBMCreateConnectionOperator(
        task_id="create",
        name="orders",
        datasource_type="postgresql",
        properties={
            "host": "127.0.0.1",
            "port": 5432,
            "database": "orders",
            "username": "etl",
            "password": "{{ var.value.pg_password }}",
        },
        test=False,
        retries=1,
        retry_delay=timedelta(seconds=0),
        request_retry_limit=3,
        request_retry_delay=0.01,
    )
