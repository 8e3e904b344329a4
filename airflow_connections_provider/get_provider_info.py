"""Provider metadata read by Airflow's provider discovery (the ``apache_airflow_provider`` entry point).

Discovery validates this dict against ``airflow/provider_info.schema.json``; ``package-name`` must be
the normalised distribution name or every Airflow command fails. The connection form is declared here
(``conn-fields``/``ui-field-behaviour``), where Airflow 3.2+ reads it; older versions read the same
table through the hook (see ``connection_form``).
"""

from __future__ import annotations

from typing import Any

from airflow_connections_provider.assets import SCHEME
from airflow_connections_provider.connection_form import conn_fields, ui_field_behaviour
from airflow_connections_provider.connection_type import CONN_TYPE, HOOK_NAME

HOOK_CLASS = "airflow_connections_provider.hooks.ibm.IBMDataPlatformHook"
ASSET_URI_HANDLER = "airflow_connections_provider.assets.sanitize_uri"
INTEGRATION = "IBM data platform connections"
HOW_TO_GUIDES = (
    "docs/connections/ibmdataplatform.md",
    "docs/operators/create_connection.md",
    "docs/operators/update_connection.md",
    "docs/operators/delete_connection.md",
    "docs/operators/sync_connections.md",
    "docs/operators/export_connections.md",
    "docs/sensors/connection_validation.md",
    "docs/emulator.md",
)


def asset_uris() -> list[dict[str, Any]]:
    return [{"schemes": [SCHEME], "handler": ASSET_URI_HANDLER}]


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
                # The provider's own pages (in the source distribution and the repository), as official
                # providers list theirs: the connection, a how-to per operator and sensor, the emulator.
                "how-to-guide": list(HOW_TO_GUIDES),
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
                # operators.ibm re-exports every one; each module that defines one is named too.
                "python-modules": [
                    f"airflow_connections_provider.operators.{m}" for m in ("ibm", "update", "delete", "sync", "export")
                ],
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
        # Airflow 3 reads "asset-uris", 2.11 "dataset-uris" (deprecated since 3.0): both, identical, as
        # the official providers declare theirs. The handler refuses malformed connection asset URIs.
        "asset-uris": asset_uris(),
        "dataset-uris": asset_uris(),
        "extra-links": ["airflow_connections_provider.links.IBMConnectionLink"],
        "connection-types": [
            {
                "connection-type": CONN_TYPE,
                "hook-class-name": HOOK_CLASS,
                "hook-name": HOOK_NAME,
                "conn-fields": conn_fields(),
                "ui-field-behaviour": ui_field_behaviour(),
            }
        ],
    }
