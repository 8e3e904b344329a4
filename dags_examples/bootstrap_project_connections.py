"""Bootstrap a project's connections: create them, wait until each one validates, hand the ids on.

Copy this DAG when a new pipeline needs its connection assets in a watsonx.data integration,
watsonx.ai or Cloud Pak for Data project before its first job can run.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from airflow_connections_provider.operators.ibm import IBMCreateConnectionOperator
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor

# What the pipeline needs. Every secret is a template rendered when the task runs, from an Airflow
# connection or Variable, so it comes from whatever secrets backend Airflow uses and never sits in
# this file. Airflow masks rendered secrets in logs and in the UI's "Rendered Template" view.
CONNECTIONS = [
    {
        "name": "orders-db",
        "datasource_type": "postgresql",
        "description": "Orders database (PostgreSQL)",
        "properties": {
            "host": "{{ conn.orders_pg.host }}",
            "port": "{{ conn.orders_pg.port }}",
            "database": "orders",
            "username": "{{ conn.orders_pg.login }}",
            "password": "{{ conn.orders_pg.password }}",
        },
    },
    {
        "name": "inventory-db",
        "datasource_type": "postgresql",
        "description": "Inventory database (PostgreSQL)",
        "properties": {
            "host": "{{ conn.inventory_pg.host }}",
            "port": "{{ conn.inventory_pg.port }}",
            "database": "inventory",
            "username": "{{ conn.inventory_pg.login }}",
            "password": "{{ conn.inventory_pg.password }}",
        },
    },
    {
        "name": "events-feed",
        "datasource_type": "http",
        "description": "Clickstream events export (HTTP)",
        "properties": {"url": "{{ var.value.events_feed_url }}"},
    },
    {
        "name": "landing-bucket",
        "datasource_type": "cloudobjectstorage",
        "description": "Landing zone (Cloud Object Storage)",
        "properties": {
            "url": "{{ conn.landing_cos.host }}",
            "bucket": "landing",
            "auth_method": "instanceid_apikey",
            "resource_instance_id": "{{ conn.landing_cos.login }}",  # the service instance's CRN
            "api_key": "{{ conn.landing_cos.password }}",
        },
    },
]


@dag(
    dag_id="bootstrap_project_connections",
    schedule=None,  # run once per new project (trigger it, or call it from your provisioning DAG)
    catchup=False,
    tags=["ibm", "connections", "example"],
    doc_md=__doc__,
    # The Airflow connection (type ibmdataplatform) that reaches IBM's API and names the project;
    # every IBM operator and the sensor take it as ibm_conn_id.
    default_args={"ibm_conn_id": "ibm_data_platform_default"},
)
def bootstrap_project_connections() -> None:
    # One mapped task instance per connection; the UI labels each with the connection's name.
    # test=False: the databases of a brand-new pipeline are often still starting, so the service is
    # not asked to validate on create (it would refuse); the sensor below waits for that instead.
    # if_exists="skip" makes a re-run of the DAG harmless.
    created = IBMCreateConnectionOperator.partial(
        task_id="create_connection",
        test=False,
        if_exists="skip",
        map_index_template="{{ task.name }}",
    ).expand_kwargs(CONNECTIONS)

    # Re-test each stored connection until the service accepts it. deferrable=True frees the worker
    # slot: the wait happens in the triggerer, one shared HTTP client per Airflow connection.
    # poke_interval is how often it re-tests; timeout when to give up.
    validated = IBMConnectionValidationSensor.partial(
        task_id="wait_until_valid",
        deferrable=True,
        poke_interval=10,
        timeout=30 * 60,
    ).expand(connection_id=created.output)

    @task
    def hand_over(connection_ids: list[str]) -> dict[str, str]:
        """Give the next step what it needs: name -> connection id (ids only; secrets never go to XCom)."""
        names = [entry["name"] for entry in CONNECTIONS]  # mapped results come back in map-index order
        by_name = dict(zip(names, connection_ids, strict=True))
        for name, connection_id in by_name.items():
            print(f"{name}: {connection_id}")
        return by_name

    hand_over(validated.output)


bootstrap_project_connections()
