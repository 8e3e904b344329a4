"""Parsing DAG files as Airflow's DAG processor does, on every Airflow version."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def dag_bag(path: Path) -> Any:
    """A ``DagBag`` of ``path`` (a file or a folder); the caller checks its ``import_errors``."""
    try:
        from airflow.dag_processing.dagbag import DagBag
    except ImportError:  # Airflow 2.x, 3.0, 3.1
        from airflow.models.dagbag import DagBag  # type: ignore[no-redef,attr-defined,unused-ignore]

    return DagBag(dag_folder=str(path))
