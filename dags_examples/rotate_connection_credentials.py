"""Weekly credential rotation: push each connection's current secret from Airflow into IBM.

The secrets live in Airflow (a Variable or an Airflow connection, so any secrets backend works:
Vault, AWS Secrets Manager, IBM Secrets Manager ...). Each update is sent with ``test=True``: the
service validates the new secret against the data source *before* saving it, so a wrong secret is
refused, the working one stays in place, and only that task fails.

The last rotation is a **drill**: it sends a wrong secret on purpose. ``verify_rotations`` expects it
to be refused and checks that the connection still validates with the secret it had, so the run as a
whole succeeds only when the service really refuses bad secrets. Drop the drill entry if you do not
want a weekly canary.
"""

from __future__ import annotations

from datetime import datetime, timezone

from airflow.sdk import dag, get_current_context, task

from airflow_connections_provider.operators.ibm import IBMUpdateConnectionOperator

IBM_CONN_ID = "ibm_data_platform_default"

# connection asset in IBM, the secret property to rotate, where its value comes from, and what to expect.
ROTATIONS = [
    {
        "connection_name": "orders-db",
        "property": "password",
        "secret": "{{ var.value.orders_db_password }}",  # from an Airflow Variable
        "expect": "rotated",
    },
    {
        "connection_name": "landing-bucket",
        "property": "api_key",
        "secret": "{{ conn.landing_cos.password }}",  # from an Airflow connection
        "expect": "rotated",
    },
    {
        "connection_name": "inventory-db",
        "property": "password",
        "secret": "{{ var.value.rotation_drill_wrong_password }}",  # the drill: wrong on purpose
        "expect": "refused",
    },
]


@dag(
    dag_id="rotate_connection_credentials",
    schedule="@weekly",
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,  # a missed week is not worth replaying: the next run pushes the current secret
    max_active_runs=1,  # never two rotations of the same connection at once
    tags=["ibm", "connections", "security", "example"],
    doc_md=__doc__,
    default_args={"ibm_conn_id": IBM_CONN_ID},
)
def rotate_connection_credentials() -> None:
    # One mapped task instance per rotation, labelled with the connection's name in the UI.
    # retries=0: a refused secret does not become right by trying again.
    (
        IBMUpdateConnectionOperator.partial(
            task_id="rotate_secret",
            test=True,
            retries=0,
            map_index_template="{{ task.connection_name }}",
        ).expand_kwargs(
            [
                {"connection_name": r["connection_name"], "set_properties": {r["property"]: r["secret"]}}
                for r in ROTATIONS
            ]
        )
        >> verify_rotations()
    )


@task(trigger_rule="all_done")  # runs whether rotations succeeded or failed (TriggerRule.ALL_DONE from 3.1)
def verify_rotations() -> dict[str, str]:
    """Every rotation ended as expected, and a refused one left a working secret in place.

    The DAG run's state follows its last task, so this check decides whether the run succeeded.
    """
    from airflow.providers.common.compat.sdk import AirflowFailException  # every Airflow version

    from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook

    ti = get_current_context()["ti"]
    # The state of each mapped rotation of this run, keyed "rotate_secret_<map index>".
    states = ti.get_task_states(dag_id=ti.dag_id, task_ids=["rotate_secret"], run_ids=[ti.run_id])[ti.run_id]
    outcome: dict[str, str] = {}
    problems = []
    hook = IBMDataPlatformHook(ibm_conn_id=IBM_CONN_ID)
    scope = hook.resolve_scope()
    for index, rotation in enumerate(ROTATIONS):
        name, state = rotation["connection_name"], states.get(f"rotate_secret_{index}")
        expected = "success" if rotation["expect"] == "rotated" else "failed"
        if state != expected:
            problems.append(f"{name}: rotation ended {state}, expected {expected}")
            continue
        if rotation["expect"] == "refused":
            # Re-test the stored connection: it must still work with the secret it had before.
            found = hook.client.find_connection(scope, name)
            if found is None:
                problems.append(f"{name}: the connection is gone")
                continue
            hook.client.test_connection(scope, found.id)  # raises if the stored secret stopped working
            print(f"{name}: wrong secret refused by the service; the stored secret still validates")
            outcome[name] = "refused, old secret kept"
        else:
            print(f"{name}: {rotation['property']} rotated and validated by the service")
            outcome[name] = "rotated"
    hook.close()
    if problems:
        raise AirflowFailException("; ".join(problems))
    return outcome


rotate_connection_credentials()
