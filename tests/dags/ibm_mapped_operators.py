"""Every operator and the sensor as mapped tasks (``.partial().expand()``), run for real by the tests.

One mapped task instance per connection: create two, validate both (deferred), rotate both, delete both.
"""

from __future__ import annotations

from airflow.providers.common.compat.sdk import DAG

from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMUpdateConnectionOperator,
)
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor

FAST = {"request_retry_delay": 0.05}

with DAG("ibm_mapped_operators", schedule=None, catchup=False, tags=["test"]) as dag:
    create = IBMCreateConnectionOperator.partial(
        task_id="create", datasource_type="http", if_exists="fail", **FAST
    ).expand_kwargs(  # one task per dict (expand() with two lists would map their cross product)
        [
            {"name": "mapped-web-a", "properties": {"url": "{{ var.value.web_url }}/a"}},
            {"name": "mapped-web-b", "properties": {"url": "{{ var.value.web_url }}/b"}},
        ]
    )
    wait = IBMConnectionValidationSensor.partial(
        task_id="wait", deferrable=True, poke_interval=0.2, timeout=60, **FAST
    ).expand(connection_id=create.output)
    rotate = IBMUpdateConnectionOperator.partial(task_id="rotate", description="rotated", **FAST).expand(
        connection_id=create.output
    )
    delete = IBMDeleteConnectionOperator.partial(task_id="delete", missing_ok=False, **FAST).expand(
        connection_id=create.output
    )
    create >> wait >> rotate >> delete
