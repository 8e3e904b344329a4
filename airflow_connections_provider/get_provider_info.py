"""Provider metadata read by Airflow's provider discovery (the ``apache_airflow_provider`` entry point).

Discovery validates this dict against ``airflow/provider_info.schema.json``; ``package-name`` must be
the normalised distribution name or every Airflow command fails. The connection form is declared here
(``conn-fields``/``ui-field-behaviour``) rather than on the hook, as Airflow 3.2+ expects.
"""

from __future__ import annotations

from typing import Any

from airflow_connections_provider.connection_type import CONN_TYPE, HOOK_NAME

HOOK_CLASS = "airflow_connections_provider.hooks.ibm.IBMDataPlatformHook"
INTEGRATION = "IBM data platform connections"


def _str_field(label: str, description: str, **schema: Any) -> dict[str, Any]:
    return {"label": label, "description": description, "schema": {"type": ["string", "null"], **schema}}


def get_provider_info() -> dict[str, Any]:
    return {
        "package-name": "airflow-connections-provider",
        "name": "IBM data platform connections",
        "description": (
            "Manage the connection assets of watsonx.data integration, watsonx.ai and Cloud Pak for "
            "Data projects (IBM Data and AI Common Core connections API) from Airflow tasks."
        ),
        "integrations": [
            {
                "integration-name": INTEGRATION,
                "external-doc-url": "https://cloud.ibm.com/apidocs/data-ai-common-core",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_connections_provider.hooks.ibm"],
            }
        ],
        "operators": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_connections_provider.operators.ibm"],
            }
        ],
        "sensors": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_connections_provider.sensors.ibm"],
            }
        ],
        "triggers": [
            {
                "integration-name": INTEGRATION,
                "python-modules": ["airflow_connections_provider.triggers.ibm"],
            }
        ],
        "extra-links": ["airflow_connections_provider.links.IBMConnectionLink"],
        "connection-types": [
            {
                "connection-type": CONN_TYPE,
                "hook-class-name": HOOK_CLASS,
                "hook-name": HOOK_NAME,
                "conn-fields": {
                    "auth_type": {
                        "label": "Auth type",
                        "description": (
                            "iam_api_key (IBM Cloud), aws_api_key (watsonx.data integration on AWS: "
                            "api.<env>.aws.data.ibm.com), cp4d_password or cp4d_api_key (Cloud Pak for Data "
                            "/icp4d-api/v1/authorize), zen_api_key (Cloud Pak for Data, no exchange), "
                            "bearer_token (a static token in the password field)."
                        ),
                        "schema": {
                            "type": ["string", "null"],
                            "default": "iam_api_key",
                            "enum": [
                                "iam_api_key",
                                "aws_api_key",
                                "cp4d_password",
                                "cp4d_api_key",
                                "zen_api_key",
                                "bearer_token",
                            ],
                        },
                    },
                    "iam_url": _str_field(
                        "IAM URL",
                        "IBM Cloud IAM endpoint used to exchange the API key for a token (with or without "
                        "/identity/token). For aws_api_key: the full token URL, derived from the host when unset.",
                        default="https://iam.cloud.ibm.com",
                    ),
                    "project": _str_field(
                        "Default project",
                        "Project id or exact project name used when a task names none.",
                    ),
                    "verify_tls": {
                        "label": "Verify TLS",
                        "description": "Verify the server's TLS certificate (keep on; use a CA bundle instead).",
                        "schema": {"type": ["boolean", "null"], "default": True},
                    },
                    "ca_bundle": _str_field(
                        "CA bundle path",
                        "Path to a PEM bundle trusted for the API (self-signed Cloud Pak for Data clusters).",
                    ),
                    "timeout": {
                        "label": "Request timeout (seconds)",
                        "description": "Read timeout of every request; the connect timeout is 10 s at most.",
                        "schema": {"type": ["number", "null"], "default": 60},
                    },
                    "retry_limit": {
                        "label": "Retry limit",
                        "description": "Retries after the first attempt of each request (0 = never retry).",
                        "schema": {"type": ["integer", "null"], "default": 5},
                    },
                    "retry_delay": {
                        "label": "Retry delay (seconds)",
                        "description": "First backoff delay; it doubles per attempt, with jitter.",
                        "schema": {"type": ["number", "null"], "default": 1},
                    },
                    "max_retry_wait": {
                        "label": "Maximum retry wait (seconds)",
                        "description": "Cap on one backoff wait, Retry-After included.",
                        "schema": {"type": ["number", "null"], "default": 60},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "extra"],
                    "relabeling": {
                        "host": "API base URL or region",
                        "login": "Username (Cloud Pak for Data)",
                        "password": "API key / password / token",
                    },
                    "placeholders": {
                        "host": "us-south | eu-de | https://api.dataplatform.cloud.ibm.com | https://cpd.example.com",
                        "login": "admin",
                        "password": "IBM Cloud API key, CP4D password or API key, or bearer token",
                    },
                },
            }
        ],
    }
