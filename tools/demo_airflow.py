"""What ``make demo`` keeps in Airflow's metadata database and reads back from it, over the REST API
(Airflow 3's ``/api/v2``): the example DAGs' connections and Variables, the connection assets and the
asset events that started a run.

The connections and Variables are stored in the database, not passed as ``AIRFLOW_CONN_*`` and
``AIRFLOW_VAR_*`` variables, so the UI shows them (Admin → Connections: the IBM connection's form and
its Test button; Admin → Variables) as in a real deployment. Airflow encrypts their passwords, extras
and values with the Fernet key the stack generates for this demo and gives every component.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import quote, unquote

from tools.airflow_api import AirflowApi
from tools.demo_world import DemoWorld

_CONNECTION_FIELDS = ("conn_type", "host", "port", "login", "password", "schema")


def store_connections_and_variables(api: AirflowApi, world: DemoWorld) -> tuple[list[str], list[str]]:
    """``POST /connections`` and ``POST /variables`` for each; returns (conn ids, Variable keys)."""
    connections = world.airflow_connections()
    for conn_id, conn in connections.items():
        body: dict[str, Any] = {"connection_id": conn_id, **{k: conn[k] for k in _CONNECTION_FIELDS if k in conn}}
        if "extra" in conn:
            body["extra"] = json.dumps(conn["extra"])  # the API takes the extra as JSON text
        api.request("POST", f"{api.prefix}/connections", json=body)
    variables = world.airflow_variables()
    for key, value in variables.items():
        api.request("POST", f"{api.prefix}/variables", json={"key": key, "value": value})
    return sorted(connections), sorted(variables)


def wait_for_first_run(api: AirflowApi, dag_id: str, *, timeout: float) -> str | None:
    """The id of the first run of ``dag_id`` (one the scheduler creates), or None after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = api.request("GET", f"{api.prefix}/dags/{quote(dag_id)}/dagRuns", params={"limit": 1})["dag_runs"]
        if runs:
            run_id: str = runs[0]["dag_run_id"]
            return run_id
        time.sleep(1.0)
    return None


def triggering_events(api: AirflowApi, dag_id: str, run_id: str) -> list[dict[str, Any]]:
    """The asset events a run consumed (``upstreamAssetEvents``), oldest first."""
    path = f"{api.prefix}/dags/{quote(dag_id)}/dagRuns/{quote(run_id)}/upstreamAssetEvents"
    events: list[dict[str, Any]] = api.request("GET", path)["asset_events"]
    return sorted(events, key=lambda e: (e["timestamp"], e["id"]))


def connection_assets(api: AirflowApi, *, wait: float = 30.0) -> tuple[int, int]:
    """(shown on the Assets page, known) ``ibm-connection://`` assets. An asset first seen through the
    alias is shown once the scheduler's cleanup activates it (``[scheduler] parsing_cleanup_interval``):
    waits up to ``wait`` s for all of them."""
    deadline = time.monotonic() + wait
    while True:
        counts = [
            api.request(
                "GET",
                f"{api.prefix}/assets",
                params={"uri_pattern": "ibm-connection://", "limit": 1, "only_active": active},
            )["total_entries"]
            for active in (True, False)
        ]
        if counts[0] >= counts[1] or time.monotonic() > deadline:
            return counts[0], counts[1]
        time.sleep(1.0)


def event_lines(events: list[dict[str, Any]]) -> list[str]:
    """One line per event: the connection, what happened, by which task, what changed, validated or not."""
    lines = []
    for event in events:
        extra = event.get("extra") or {}
        name = unquote(event["uri"].rsplit("/", 1)[1])
        index = event.get("source_map_index")
        source = f"{event['source_dag_id']}.{event['source_task_id']}{f'[{index}]' if index not in (None, -1) else ''}"
        fields = extra.get("changed_fields") or "-"
        validated = "validated" if extra.get("validated") else "not validated"
        lines.append(
            f"{name} {extra.get('action', '?'):<9} {extra.get('datasource_type', '?'):<10} {validated:<13} "
            f"changed: {fields:<20} by {source}"
        )
    return lines
