"""The provider's Airflow-facing names the benchmarks use, in one place."""

from __future__ import annotations

from typing import Any

CONN_TYPE = "ibmdataplatform"
CONN_ARG = "ibm_conn_id"
OPERATOR_MODULES = ("airflow_connections_provider.operators.ibm", "airflow_connections_provider.sensors.ibm")


def hook_class() -> Any:
    from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook

    return IBMDataPlatformHook


def trigger_class() -> Any:
    from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger

    return IBMConnectionValidationTrigger


def validation_event() -> Any:
    from airflow_connections_provider.triggers.ibm import ValidationEvent

    return ValidationEvent


def airflow_conn_env(conn_id: str, *, url: str, api_key: str, project: str, **extra: Any) -> dict[str, str]:
    """``AIRFLOW_CONN_<ID>`` pointing at the emulator with an IAM API key (no metadata database needed)."""
    import json

    conn = {
        "conn_type": CONN_TYPE,
        "host": url,
        "password": api_key,
        "extra": {"auth_type": "iam_api_key", "iam_url": url, "project": project, **extra},
    }
    return {f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn)}
