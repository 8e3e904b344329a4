"""Declarative sync: a YAML spec is the truth for a team's connections, like a small Terraform.

``plan`` computes the changes without writing anything; ``review_plan`` logs them as a table and
stops the run when the plan would delete more than ``MAX_DELETES`` connections (a spec file emptied by
mistake must not wipe a project); ``apply`` then makes the project match the spec, deleting only
connections whose name starts with the managed prefix.
"""

from __future__ import annotations

import logging
from typing import Any

from airflow.sdk import dag, task

from airflow_connections_provider.operators.ibm import IBMSyncConnectionsOperator

log = logging.getLogger(__name__)

# The spec file, relative to this DAG file's folder (Airflow's template search path). The operator
# renders it as a Jinja template, so it may use {{ conn.x.password }} and {{ var.value.y }}.
SPEC = "connections/analytics.yaml"
# The sync owns the connections with this prefix, and only those: prune never deletes anything else.
MANAGED_PREFIX = "analytics-"
MAX_DELETES = 5


@dag(
    dag_id="sync_connections_from_spec",
    schedule="@daily",  # or trigger it from CI when the spec changes
    catchup=False,
    max_active_runs=1,
    tags=["ibm", "connections", "sync", "example"],
    doc_md=__doc__,
    default_args={"ibm_conn_id": "ibm_data_platform_default"},
)
def sync_connections_from_spec() -> None:
    plan = IBMSyncConnectionsOperator(
        task_id="plan", spec=SPEC, managed_prefix=MANAGED_PREFIX, prune=True, dry_run=True
    )
    # apply plans again from the current state (so it never acts on a stale plan), then writes.
    apply = IBMSyncConnectionsOperator(task_id="apply", spec=SPEC, managed_prefix=MANAGED_PREFIX, prune=True)
    review_plan(plan.output) >> apply


@task
def review_plan(summary: dict[str, Any]) -> dict[str, int]:
    """Log the dry-run plan as a table; refuse to go on when it deletes too much."""
    from airflow.providers.common.compat.sdk import AirflowFailException  # every Airflow version

    rows = [
        *(("create", name, "") for name in summary["created"]),
        *(("update", name, ", ".join(fields)) for name, fields in summary["updated"].items()),
        *(("delete", name, f"not in the spec, prefix {MANAGED_PREFIX!r}") for name in summary["deleted"]),
        *(("unchanged", name, "") for name in summary["unchanged"]),
    ]
    log.info("Sync plan for %s (dry run, nothing written):\n%s", SPEC, format_table(rows))
    counts = {kind: len(summary[key]) for kind, key in (("create", "created"), ("update", "updated"))}
    counts["delete"] = len(summary["deleted"])
    if counts["delete"] > MAX_DELETES:
        raise AirflowFailException(
            f"the plan deletes {counts['delete']} connections (more than MAX_DELETES={MAX_DELETES}); "
            "check the spec, or raise MAX_DELETES if this is intended"
        )
    return counts


def format_table(rows: list[tuple[str, str, str]]) -> str:
    header = ("ACTION", "CONNECTION", "CHANGES")
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(3)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)) for row in [header, *rows]]
    lines = [line.rstrip() for line in lines]
    return "\n".join(lines) if rows else "(no connections declared or managed)"


sync_connections_from_spec()
