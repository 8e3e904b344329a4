"""One connection per partner feed, from a list that exists only at run time (dynamic task mapping).

The partner list lives in the Airflow Variable ``partner_feeds`` (JSON: ``[{"partner": "acme",
"url": "https://..."}]``), so onboarding a partner is a Variable change, not a code change. Each run
creates (or updates) one ``http`` connection per partner, validated by the service, in parallel, and
reports the connection ids.
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import Variable, dag, task

from airflow_connections_provider.operators.ibm import IBMCreateConnectionOperator


@dag(
    dag_id="provision_partner_feeds",
    schedule="@hourly",  # picks up newly onboarded partners within the hour
    catchup=False,
    max_active_runs=1,
    tags=["ibm", "connections", "mapping", "example"],
    doc_md=__doc__,
    default_args={"ibm_conn_id": "ibm_data_platform_default"},
)
def provision_partner_feeds() -> None:
    @task
    def feed_connections() -> list[dict[str, Any]]:
        """The partner list, read when the task runs (never while the DAG file is parsed)."""
        partners = Variable.get("partner_feeds", deserialize_json=True)
        return [
            {
                "name": f"partner-{p['partner']}-feed",
                "description": f"Daily delivery feed of partner {p['partner']}",
                "properties": {"url": p["url"]},
            }
            for p in partners
        ]

    # One task instance per partner, labelled with the connection's name in the UI. test=True: the
    # service fetches each URL before saving; if_exists="update" keeps a changed URL in step.
    created = IBMCreateConnectionOperator.partial(
        task_id="create_feed_connection",
        datasource_type="http",
        test=True,
        if_exists="update",
        map_index_template="{{ task.name }}",
        max_active_tis_per_dagrun=4,  # be gentle with the API when there are hundreds of partners
    ).expand_kwargs(feed_connections())

    @task
    def report(connection_ids: list[str]) -> int:
        print(f"{len(connection_ids)} partner feed connection(s) ready: {', '.join(connection_ids)}")
        return len(connection_ids)

    report(created.output)


provision_partner_feeds()
