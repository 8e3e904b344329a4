"""The world the example DAGs run in, offline: which Airflow connections and Variables they read, what
the emulated project holds before the first run, and which credentials the local data sources accept.

Shared by ``make demo`` (real Airflow components) and the example DAG tests (``dag.test()``), so
the tests prove the very wiring the demo uses. Secrets are random per world.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

PROJECT = "orders-pipeline"
#: The project's id, pinned in the emulator: the DAG scheduled on a connection's asset names it
#: (``dags_examples/reload_orders_after_rotation.py``), as a DAG author copies it from the project's page.
PROJECT_ID = "0f7d2c58-5f3a-4b8e-9a61-3c2b1e0d4a95"
EMULATOR_API_KEY = "emulator-api-key"  # the emulator's default accepted API key
ORDERS_USER = "etl"
INVENTORY_USER = "reporting"
PARTNERS = ("acme", "globex", "initech")
COS_INSTANCE_CRN = "crn:v1:bluemix:public:cloud-object-storage:global:a/0123456789abcdef::"


def _secret(prefix: str) -> str:
    return f"{prefix}-{secrets.token_urlsafe(9)}"


@dataclass(frozen=True)
class DemoSecrets:
    """Every secret of one world: distinctive, so a leak is easy to find in any output."""

    orders_password: str = field(default_factory=lambda: _secret("orders-pw"))
    orders_new_password: str = field(default_factory=lambda: _secret("orders-pw-new"))
    inventory_password: str = field(default_factory=lambda: _secret("inventory-pw"))
    cos_api_key: str = field(default_factory=lambda: _secret("cos-key"))
    wrong_password: str = field(default_factory=lambda: _secret("wrong-pw"))

    def all(self) -> tuple[str, ...]:
        return (
            self.orders_password,
            self.orders_new_password,
            self.inventory_password,
            self.cos_api_key,
            self.wrong_password,
        )


@dataclass(frozen=True)
class DemoWorld:
    """Addresses of the emulator and the local data sources, and the secrets.

    :param emulator_url: the emulator's base URL (it also serves IAM tokens).
    :param orders_port: TCP port of the orders database (opens late in the demo).
    :param inventory_port: TCP port of the inventory database.
    :param web_url: base URL of the local HTTP server (feeds, object storage endpoint).
    """

    emulator_url: str
    orders_port: int
    inventory_port: int
    web_url: str
    secrets: DemoSecrets = field(default_factory=DemoSecrets)
    host: str = "127.0.0.1"

    def airflow_connections(self, *, retry: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
        """The Airflow connections the example DAGs read, by conn id (Airflow's connection JSON).

        :param retry: extra settings of the IBM connection (``retry_limit``, ``retry_delay`` …).
        """
        s = self.secrets
        emulator = urlsplit(self.emulator_url)
        return {
            "ibm_data_platform_default": {
                "conn_type": "ibmdataplatform",
                # The port in its own field: Airflow 3.3.2's Test button refuses a connection without one.
                "host": f"{emulator.scheme}://{emulator.hostname}",
                "port": emulator.port,
                "password": EMULATOR_API_KEY,
                "extra": {
                    "auth_type": "iam_api_key",
                    "iam_url": self.emulator_url,
                    "project": PROJECT,
                    **(retry or {}),
                },
            },
            "orders_pg": {
                "conn_type": "postgres",
                "host": self.host,
                "port": self.orders_port,
                "login": ORDERS_USER,
                "password": s.orders_password,
                "schema": "orders",
            },
            "inventory_pg": {
                "conn_type": "postgres",
                "host": self.host,
                "port": self.inventory_port,
                "login": INVENTORY_USER,
                "password": s.inventory_password,
                "schema": "inventory",
            },
            # Any conn type works for a secret holder; "generic" needs no extra provider.
            "landing_cos": {
                "conn_type": "generic",
                "host": f"{self.web_url}/cos",
                "login": COS_INSTANCE_CRN,
                "password": s.cos_api_key,
            },
        }

    def airflow_variables(self) -> dict[str, str]:
        """The Airflow Variables the example DAGs read."""
        s = self.secrets
        return {
            "events_feed_url": f"{self.web_url}/events/latest.json",
            "orders_db_password": s.orders_new_password,
            "rotation_drill_wrong_password": s.wrong_password,
            "partner_feeds": json.dumps(
                [{"partner": p, "url": f"{self.web_url}/partners/{p}/feed.csv"} for p in PARTNERS]
            ),
        }

    def airflow_env(self, *, retry: dict[str, Any] | None = None) -> dict[str, str]:
        """The connections and Variables as ``AIRFLOW_CONN_*`` (JSON) and ``AIRFLOW_VAR_*``: what the example
        DAG tests use (no database writes). ``make demo`` stores them in the metadata database instead."""
        env = {
            f"AIRFLOW_CONN_{conn_id.upper()}": json.dumps(conn)
            for conn_id, conn in self.airflow_connections(retry=retry).items()
        }
        env.update({f"AIRFLOW_VAR_{key.upper()}": value for key, value in self.airflow_variables().items()})
        return env

    def datasource_accounts(self) -> list[dict[str, Any]]:
        """What each local database accepts (``POST /_emulator/datasources`` bodies), before rotation."""
        return [
            {
                "host": self.host,
                "port": self.orders_port,
                "username": ORDERS_USER,
                "password": self.secrets.orders_password,
            },
            {
                "host": self.host,
                "port": self.inventory_port,
                "username": INVENTORY_USER,
                "password": self.secrets.inventory_password,
            },
        ]

    def rotated_orders_account(self) -> dict[str, Any]:
        """The orders database after its DBA changed the password (what the rotation DAG then pushes)."""
        return {
            "host": self.host,
            "port": self.orders_port,
            "username": ORDERS_USER,
            "password": self.secrets.orders_new_password,
        }

    def existing_connections(self) -> list[dict[str, Any]]:
        """What the project holds before the first sync: one stale managed connection (pruned), one
        managed connection with an outdated description (updated), and one made by hand (never touched)."""
        return [
            {
                "name": "analytics-legacy-ftp",
                "datasource_type": "ftp",
                "description": "Old nightly drop, replaced by the exports bucket",
                "properties": {
                    "host": self.host,
                    "port": 2121,
                    "connection_mode": "basic",
                    "username": "drop",
                    "password": "retired-ftp-pw",
                },
            },
            {
                "name": "analytics-events",
                "datasource_type": "http",
                "description": "Clickstream (old)",
                "properties": {"url": f"{self.web_url}/events/latest.json"},
            },
            {
                "name": "notebook-scratch",
                "datasource_type": "http",
                "description": "Made by hand in the UI; not managed by the sync",
                "properties": {"url": f"{self.web_url}/scratch.csv"},
            },
        ]


def seed_project(emulator_url: str, world: DemoWorld) -> None:
    """Create the project's pre-existing connections through the provider's own client (no live test)."""
    from airflow_connections_provider.client import AuthType, ClientConfig, ConnectionsClient, Credentials, Scope

    config = ClientConfig(
        Credentials(AuthType.IAM_API_KEY, api_key=EMULATOR_API_KEY, iam_url=emulator_url), base_url=emulator_url
    )
    with ConnectionsClient(config) as client:
        scope = Scope.project(client.resolve_project(PROJECT).id)
        for entry in world.existing_connections():
            client.create_connection(scope, **entry, test=False)
