"""A DAG the integration tests run for real: it changes one project's connections in every way the
provider announces with asset events (a create, a mapped credential rotation, a sync that creates and
prunes, a validation), so ``ibm_connection_follower``, scheduled on the rotated connection, runs after it."""

from __future__ import annotations

from airflow.providers.common.compat.sdk import DAG

from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor

#: The project both DAGs name; the test creates it in the emulator with this id.
FOLLOWED_PROJECT_ID = "5a1e5000-0000-4000-8000-0000000000a1"

with DAG("ibm_credentials_rotation", schedule=None, catchup=False, tags=["test"]) as dag:
    create = IBMCreateConnectionOperator(
        task_id="create",
        project=FOLLOWED_PROJECT_ID,
        name="orders replica",
        datasource_type="postgresql",
        properties={
            "host": "127.0.0.1",
            "port": "{{ var.value.pg_port }}",
            "database": "orders",
            "username": "etl",
            "password": "{{ var.value.pg_new_password }}",
        },
        test=False,
        if_exists="skip",
        request_retry_delay=0.05,
    )
    # Mapped, as rotations usually are: the alias outlet must reach mapped task instances too.
    rotate = IBMUpdateConnectionOperator.partial(
        task_id="rotate", project=FOLLOWED_PROJECT_ID, test=True, request_retry_delay=0.05
    ).expand_kwargs(
        [{"connection_name": "orders db", "set_properties": {"password": "{{ var.value.pg_new_password }}"}}]
    )
    sync = IBMSyncConnectionsOperator(
        task_id="sync",
        project=FOLLOWED_PROJECT_ID,
        spec=[{"name": "app-web", "datasource_type": "http", "properties": {"url": "{{ var.value.web_url }}"}}],
        managed_prefix="app-",
        prune=True,
        secret_fingerprints=False,
        request_retry_delay=0.05,
    )
    wait = IBMConnectionValidationSensor(
        task_id="wait",
        project=FOLLOWED_PROJECT_ID,
        connection_name="app-web",
        mode="poke",
        poke_interval=0.1,
        timeout=30,
        request_retry_delay=0.05,
    )
    create >> rotate >> sync >> wait
