"""IBM's watsonx.ai SDK (`ibm-watsonx-ai`), its `connections` module, used as its documentation
shows, against our emulator. The SDK only talks HTTPS, so the emulator serves TLS here and the SDK
verifies it with the certificate the emulator uses (`--ca`). Runs inside the SDK's own venv (see
run.py).

Usage: python driver_wxai.py --url https://127.0.0.1:PORT --ca CERT.pem --project NAME --user NAME
       --password PW --api-key KEY
"""

from __future__ import annotations

import argparse
import asyncio
import warnings
from typing import Any

from ibm_watsonx_ai import APIClient, Credentials
from ibm_watsonx_ai.connections import Connections
from ibm_watsonx_ai.wml_client_error import ApiRequestFailure
from local import Inspector, LocalDataSource, RefusingPort
from steps import Steps, check, main_guard, raises, short

POSTGRESQL_ID = "e1c23729-99d8-4407-b3df-336e33ffdc82"
BIGQUERY_ID = "933152db-99e1-453a-8ce5-ae0e6714d1a9"
# The emulator serves no /ml/wml_services/v2/version (not part of the connections service), so the
# SDK needs the Cloud Pak for Data version named, as its docs show for CP4D.
CPD_VERSION = "5.2"
DB_USER = "etl"
DB_PASSWORD = "Right-Pass-1"  # a throwaway credential of the local data source
CONN_NAME = "wx-sales-postgres"

# Step names that later steps depend on.
CLIENT = "APIClient for a project (CP4D user and API key, TLS verified)"
CREATE = "create a connection (validated by the service)"
DELETE = "delete the connection"

# Known discrepancies between the emulator and IBM's service as this SDK sees them are marked on their
# step with `expect_fail=` (what the real service does); none is left: the emulator serves `bigquery`,
# `entity.type`, replies without `metadata.href`, and the asset search this SDK lists with.


def run(args: argparse.Namespace) -> int:
    steps = Steps("watsonx.ai SDK")
    emu = Inspector(args.url, cafile=args.ca)
    source = LocalDataSource()
    refusing = RefusingPort()  # where no data source answers
    emu.register_credentials(source.host, source.port, DB_USER, DB_PASSWORD)
    project_id = emu.project_guid(args.project)
    ctx: dict[str, Any] = {}

    def props(**overrides: Any) -> dict[str, Any]:
        base = {
            "host": source.host,
            "port": str(source.port),
            "database": "sales",
            "username": DB_USER,
            "password": DB_PASSWORD,
        }
        return {**base, **overrides}

    def credentials(**auth: str) -> Credentials:
        return Credentials(url=args.url, version=CPD_VERSION, verify=args.ca, **auth)

    # --- authorize and open the project ---------------------------------------------------------
    def client_with_api_key() -> None:
        before = emu.requests_count("POST /icp4d-api/v1/authorize")
        client = APIClient(credentials=credentials(username=args.user, api_key=args.api_key), project_id=project_id)
        check(client.default_project_id == project_id, f"default project {project_id}, got {client.default_project_id}")
        check(emu.requests_count("POST /icp4d-api/v1/authorize") > before, "the emulator saw no CP4D authorize call")
        check(emu.requests_count("GET /v2/projects/{project_id}") >= 1, "the SDK did not read the project")
        ctx["client"] = client

    steps.run(CLIENT, client_with_api_key)

    def client_with_password() -> None:
        client = APIClient(credentials=credentials(username=args.user, password=args.password), project_id=project_id)
        check(client.default_project_id == project_id, f"default project {project_id}, got {client.default_project_id}")

    steps.run("APIClient for a project (CP4D user and password)", client_with_password)

    # --- datasource types -------------------------------------------------------------------------
    def type_id_by_name() -> None:
        found = ctx["client"].connections.get_datasource_type_id_by_name("postgresql")
        check(found == POSTGRESQL_ID, f"{POSTGRESQL_ID}, got {found}")

    steps.run("datasource type id by name (postgresql)", type_id_by_name, needs=(CLIENT,))

    def type_details() -> None:
        details = ctx["client"].connections.get_datasource_type_details_by_name(
            "postgresql", connection_properties=True
        )
        props_by_name = {p["name"]: p for p in details["entity"]["properties"]["connection"]}
        check({"host", "port", "database", "username", "password"} <= props_by_name.keys(), f"{sorted(props_by_name)}")
        check(props_by_name["password"].get("masked") is True, "password is not marked masked")

    steps.run("datasource type details with connection properties", type_details, needs=(CLIENT,))

    def bigquery_known() -> None:
        found = ctx["client"].connections.get_datasource_type_id_by_name("bigquery")
        check(found == BIGQUERY_ID, f"{BIGQUERY_ID}, got {found}")

    steps.run("datasource type id by name (bigquery)", bigquery_known, needs=(CLIENT,))

    def list_types() -> None:
        table = ctx["client"].connections.list_datasource_types()
        rows = {row["NAME"]: row for row in table.to_dict("records")}
        check(
            "postgresql" in rows and rows["postgresql"]["DATASOURCE_ID"] == POSTGRESQL_ID,
            f"postgresql row, got {short(rows.get('postgresql'))}",
        )
        check(rows["postgresql"]["TYPE"] == "database", f"TYPE 'database', got {rows['postgresql']['TYPE']!r}")
        check(rows["postgresql"]["STATUS"] == "active", f"STATUS 'active', got {rows['postgresql']['STATUS']!r}")

    steps.run("list datasource types (every page)", list_types, needs=(CLIENT,))

    # --- create, read, list, delete ---------------------------------------------------------------
    def create() -> None:
        names = ctx["client"].connections.ConfigurationMetaNames
        before = source.accepted
        details = ctx["client"].connections.create(
            {
                names.NAME: CONN_NAME,
                names.DESCRIPTION: "Sales warehouse",
                names.DATASOURCE_TYPE: POSTGRESQL_ID,
                names.PROPERTIES: props(),
            }
        )
        conn_id = Connections.get_id(details)
        check(details["entity"]["name"] == CONN_NAME, f"name {CONN_NAME}, got {short(details['entity'])}")
        check(details["entity"]["datasource_type"] == POSTGRESQL_ID, "datasource_type differs")
        check(
            source.connected_since(before),
            "the emulator never connected to the data source (the service tests by default)",
        )
        stored = emu.stored(conn_id)
        check(stored is not None, "the emulator does not hold the new connection")
        check(stored["entity"].get("origin_country", "").lower() == "us", "origin_country the SDK sends was not kept")
        ctx["conn_id"] = conn_id

    steps.run(CREATE, create, needs=(CLIENT,))

    def create_unreachable() -> None:
        names = ctx["client"].connections.ConfigurationMetaNames
        exc = raises(
            ApiRequestFailure,
            lambda: ctx["client"].connections.create(
                {
                    names.NAME: "wx-unreachable",
                    names.DATASOURCE_TYPE: POSTGRESQL_ID,
                    names.PROPERTIES: props(port=str(refusing.port)),
                }
            ),
        )
        check("Status code: 400" in str(exc), f"a 400 from the failed test, got {short(str(exc))}")
        check(DB_PASSWORD not in str(exc), "the password appears in the SDK's error")
        check(not emu.stored_named("wx-unreachable"), "a connection that failed its test was saved")

    steps.run(
        "create refused when the data source is unreachable (400)",
        create_unreachable,
        needs=(CLIENT,),
    )

    def get_details() -> None:
        details = ctx["client"].connections.get_details(ctx["conn_id"])
        check(details["metadata"]["id"] == ctx["conn_id"], f"id {ctx['conn_id']}, got {short(details['metadata'])}")
        check(details["metadata"]["project_id"] == project_id, "project_id differs")
        check(details["entity"]["name"] == CONN_NAME, f"name, got {details['entity'].get('name')!r}")
        check(details["entity"]["properties"].get("database") == "sales", "database property differs")
        # The SDK copies metadata.usage.last_access_time (IBM's field name) into its details.
        check(details["metadata"].get("last_access_time"), f"last_access_time, got {short(details['metadata'])}")

    steps.run("get_details of the connection", get_details, needs=(CREATE,))

    def aget_details() -> None:
        # The async variant goes through the SDK's own httpx.AsyncClient (its TLS set-up included).
        details = asyncio.run(ctx["client"].connections.aget_details(ctx["conn_id"]))
        check(details["metadata"]["id"] == ctx["conn_id"], f"id {ctx['conn_id']}, got {short(details['metadata'])}")
        check(details["entity"]["name"] == CONN_NAME, f"name, got {details['entity'].get('name')!r}")

    steps.run("aget_details of the connection (async)", aget_details, needs=(CREATE,))

    def list_all() -> None:
        table = ctx["client"].connections.list()
        ids = list(table["ID"])
        check(ctx["conn_id"] in ids, f"the new connection in the list, got {short(ids)}")

    steps.run("list connections", list_all, needs=(CREATE,))

    def delete() -> None:
        result = ctx["client"].connections.delete(ctx["conn_id"])
        check(result == "SUCCESS", f"'SUCCESS', got {result!r}")
        check(emu.stored(ctx["conn_id"]) is None, "still stored after delete")

    steps.run(DELETE, delete, needs=(CREATE,))

    def get_deleted() -> None:
        exc = raises(ApiRequestFailure, lambda: ctx["client"].connections.get_details(ctx["conn_id"]))
        check("Status code: 404" in str(exc), f"a 404, got {short(str(exc))}")

    steps.run("get_details of a deleted connection fails (404)", get_deleted, needs=(DELETE,))

    source.close()
    refusing.close()
    return steps.finish()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True)
    parser.add_argument("--ca", required=True, help="PEM file the emulator's TLS certificate verifies against")
    parser.add_argument("--project", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--api-key", required=True)
    args = parser.parse_args()
    # The SDK warns about its own deprecations on import and use; they are not the emulator's business.
    warnings.simplefilter("ignore")
    main_guard(lambda: run(args))


if __name__ == "__main__":
    main()
