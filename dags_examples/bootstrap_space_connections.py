"""Bootstrap a deployment space's connections for a watsonx.ai deployment: create them in the space,
wait until each one validates, hand the ids on to the deployment step.

A watsonx.ai deployment reads its data through connection assets that live in its **deployment
space**, not in a project. Every operator and the sensor take ``space=`` (the space's id or exact
name) where they would take ``project=``; ``catalog=`` works the same way. The features database's
password is not copied into the connection at all: it is a reference to a secret in the platform's
vault (``{"vault_secret": "<secret URN>"}``), and the connection is created with the
``personal_credentials`` flag (on Cloud Pak for Data, vault secrets are for connections with personal
credentials). Nothing here ever resolves the reference; the service does, when it connects.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from airflow_connections_provider.operators.ibm import IBMCreateConnectionOperator
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor

# The deployment space, by exact name (or id). A name that matches no space, or several, fails the
# task before anything is written, naming the spaces with similar names or the ids to choose from.
DEPLOYMENT_SPACE = "fraud-scoring"

CONNECTIONS = [
    {
        "name": "scoring-features-db",
        "datasource_type": "postgresql",
        "description": "Feature store the scoring deployment reads (PostgreSQL)",
        "properties": {
            "host": "{{ conn.orders_pg.host }}",
            "port": "{{ conn.orders_pg.port }}",
            "database": "orders",
            "username": "{{ conn.orders_pg.login }}",
            # The secret's URN in the vault (a Variable, so each environment names its own).
            "password": {"vault_secret": "{{ var.value.scoring_db_password_urn }}"},
        },
        "flags": ["personal_credentials"],
    },
    {
        "name": "scoring-events-feed",
        "datasource_type": "http",
        "description": "Events the deployment scores (HTTP export)",
        "properties": {"url": "{{ var.value.events_feed_url }}"},
    },
]


@dag(
    dag_id="bootstrap_space_connections",
    schedule=None,  # run once per new deployment space
    catchup=False,
    tags=["ibm", "connections", "example", "watsonx.ai"],
    doc_md=__doc__,
    default_args={"ibm_conn_id": "ibm_data_platform_default", "space": DEPLOYMENT_SPACE},
)
def bootstrap_space_connections() -> None:
    # test=False: the service does not connect before saving (a new space's data sources may not be
    # reachable yet); validate=True still has it check the properties without connecting, vault
    # reference included, so a typo fails this task at once instead of the sensor's timeout.
    created = IBMCreateConnectionOperator.partial(
        task_id="create_connection",
        test=False,
        validate=True,
        if_exists="skip",
        map_index_template="{{ task.name }}",
    ).expand_kwargs(CONNECTIONS)

    # Wait until the service can connect with each one (action="test"; "validate" would only check
    # the properties), in the triggerer.
    validated = IBMConnectionValidationSensor.partial(
        task_id="wait_until_valid",
        action="test",
        deferrable=True,
        poke_interval=10,
        timeout=30 * 60,
    ).expand(connection_id=created.output)

    @task
    def hand_to_deployment(connection_ids: list[str]) -> dict[str, str]:
        """What the deployment step needs: connection name -> id in the space (ids only, never secrets)."""
        names = [entry["name"] for entry in CONNECTIONS]  # mapped results come back in map-index order
        by_name = dict(zip(names, connection_ids, strict=True))
        for name, connection_id in by_name.items():
            print(f"{name}: {connection_id} (space {DEPLOYMENT_SPACE!r})")
        return by_name

    hand_to_deployment(validated.output)


bootstrap_space_connections()
