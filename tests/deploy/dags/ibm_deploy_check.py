"""The DAG the deployment test runs on real Airflow components (scheduler, dag-processor, triggerer).

Create a connection to a database that is not up yet (``test=False``), wait for it with the deferrable
sensor — the triggerer re-tests it until the database comes up —, rotate its password from a Variable
(validated by the service), then delete it. Intervals stay at 10 s: shorter ones race the scheduler on
a small machine. It runs on Airflow 2.11 and 3.x alike: ``DAG`` comes through common-compat (3.x:
``airflow.sdk``; 2.x: ``airflow.models.dag``), as the provider's own imports do.
"""

from __future__ import annotations

from datetime import datetime

from airflow.providers.common.compat.sdk import DAG

from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMUpdateConnectionOperator,
)
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor

with DAG(
    "ibm_deploy_check",
    schedule=None,
    start_date=datetime(2026, 1, 1),
    catchup=False,
    tags=["deploy-test"],
) as dag:
    create = IBMCreateConnectionOperator(
        task_id="create",
        name="deploy-orders",
        datasource_type="postgresql",
        properties={
            "host": "127.0.0.1",
            "port": "{{ var.value.pg_port }}",
            "database": "orders",
            "username": "etl",
            "password": "{{ var.value.pg_password }}",
        },
        test=False,
        if_exists="skip",
    )
    wait = IBMConnectionValidationSensor(
        task_id="wait", connection_id=create.output, deferrable=True, poke_interval=10, timeout=600
    )
    rotate = IBMUpdateConnectionOperator(
        task_id="rotate", connection_id=create.output, set_properties={"password": "{{ var.value.pg_new_password }}"}
    )
    delete = IBMDeleteConnectionOperator(task_id="delete", connection_id=create.output)
    create >> wait >> rotate >> delete
