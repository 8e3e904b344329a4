"""What a DAG run left in Airflow's rendered-fields table, on every Airflow the suite runs.

Airflow 2.11 to 3.3 key the table (``rtif_v1``) by dag, task, run and map index; Airflow 3.4 keys it by
task-instance attempt (``rtif_v2``, ``task_instance_id``), so a run's rows are found through its task
instances there.
"""

from __future__ import annotations

from typing import Any


def rendered_fields_of_run(session: Any, run_id: str) -> list[dict[str, Any]]:
    from airflow.models.renderedtifields import RenderedTaskInstanceFields as Rtif
    from airflow.models.taskinstance import TaskInstance
    from sqlalchemy import select

    if hasattr(Rtif, "run_id"):
        query = select(Rtif).where(Rtif.run_id == run_id)
    else:
        attempts = select(TaskInstance.id).where(TaskInstance.run_id == run_id)
        query = select(Rtif).where(Rtif.task_instance_id.in_(attempts))  # type: ignore[attr-defined,unused-ignore]
    return [row.rendered_fields for row in session.scalars(query).all()]
