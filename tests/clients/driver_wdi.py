"""IBM's watsonx.data integration SDK (`ibm-watsonx-data-integration`) through the connection flow
of its documentation, written as a new user would, against our emulator. Runs inside the SDK's own
venv (see run.py); every answer of the SDK is checked, and where it matters, against the emulator's
inspection API.

Usage: python driver_wdi.py --url http://127.0.0.1:PORT --project NAME --user NAME --password PW --api-key KEY
"""

from __future__ import annotations

import argparse
import time
from typing import Any

from ibm_watsonx_data_integration import Platform
from ibm_watsonx_data_integration.common.auth import IAMAuthenticator, ICP4DAuthenticator
from ibm_watsonx_data_integration.common.exceptions import IbmCloudApiException, InvalidApiKeyError
from ibm_watsonx_data_integration.cpd_models.connections_model import DatasourceTypeAction
from ibm_watsonx_data_integration.services.datastage.codegen.datasource_mappings import DATASOURCE_MAPPINGS
from local import Inspector, LocalDataSource, RefusingPort
from steps import Steps, check, main_guard, raises, short

POSTGRESQL_ID = "e1c23729-99d8-4407-b3df-336e33ffdc82"
DB_USER = "etl"
DB_PASSWORD = "Right-Pass-1"  # a throwaway credential of the local data source
CONN_NAME = "sales-postgres"
UNTESTED_NAME = "sales-postgres-untested"

# Step names that later steps depend on.
AUTH_CP4D = "authorize with a Cloud Pak for Data user and password"
PROJECT = "find the project by name"
DSTYPE = "find the postgresql datasource type by name"
CREATE = "create a connection validated against a live data source (test=True)"
GET = "get the connection by name"
UPDATE = "update the connection (description and a property)"
UNTESTED = "create without a test (test=False) against a port that refuses"
# The SDK lists 100 connections a page: this many more make a second page.
PAGE_FILL = 100

# Known discrepancies between the emulator and IBM's service as this SDK sees them are marked on their
# step with `expect_fail=` (what the real service does); none is left: the emulator answers 409 to a
# duplicate name and replies to a PATCH with the bare entity, as IBM's service does.


def status_and_codes(exc: BaseException) -> tuple[int | None, list[str]]:
    response = getattr(exc, "response", None)
    if response is None:
        return None, []
    try:
        codes = [e.get("code", "") for e in response.json().get("errors", [])]
    except ValueError:
        codes = []
    return response.status_code, codes


def run(args: argparse.Namespace) -> int:
    steps = Steps("watsonx.data integration SDK")
    emu = Inspector(args.url)
    port = args.url.rsplit(":", 1)[1].rstrip("/")
    source = LocalDataSource()
    refusing = RefusingPort()  # where no data source answers
    emu.register_credentials(source.host, source.port, DB_USER, DB_PASSWORD)
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

    # --- authorize ------------------------------------------------------------------------------
    def authorize_cp4d() -> None:
        auth = ICP4DAuthenticator(url=args.url, username=args.user, password=args.password)
        token = auth.get_token()
        check(token.count(".") == 2, f"a JWT from /icp4d-api/v1/authorize, got {short(token, 40)}")
        # Platform() calls GET /v2/connections/version to check the URL (validate()).
        platform = Platform(auth=auth, base_url=args.url)
        info = platform.connections_service_info
        check(info.version, f"the connections service version, got {short(info)}")
        check(emu.requests_count("POST /icp4d-api/v1/authorize") >= 1, "the emulator saw no CP4D authorize call")
        ctx["platform"] = platform

    steps.run(AUTH_CP4D, authorize_cp4d)

    # The SDK derives its token URL as iam.<host of base_auth_url>/identity/token and has no option to
    # set it; nothing resolves iam.localhost here, so the request goes through the SDK's own `proxies`
    # option to the emulator (a plain-HTTP forward proxy request: absolute URL in the request line).
    iam_base = f"http://localhost:{port}"
    iam_proxies = {"http": args.url}

    def authorize_iam() -> None:
        auth = IAMAuthenticator(api_key=args.api_key, base_auth_url=iam_base, proxies=iam_proxies)
        check(auth.token_url == f"http://iam.localhost:{port}/identity/token", f"token URL {auth.token_url}")
        check(auth.iam_token, "no access_token from the IAM exchange")
        check(auth.token_expiry_time and auth.token_expiry_time > time.time(), "expiration not in the future")
        platform = Platform(auth=auth, base_url=args.url)  # GET /v2/connections/version with the IAM token
        check(platform.connections_service_info.version, "the version call with the IAM token gave nothing")
        check(emu.requests_count("POST /identity/token") >= 1, "the emulator saw no IAM token exchange")

    steps.run("authorize with an IAM API key", authorize_iam)

    def iam_wrong_key() -> None:
        exc = raises(
            InvalidApiKeyError, lambda: IAMAuthenticator("not-a-key", base_auth_url=iam_base, proxies=iam_proxies)
        )
        check("not valid" in str(exc), f"InvalidApiKeyError saying so, got {exc}")

    steps.run("IAM refuses a wrong API key", iam_wrong_key)

    # --- project and datasource type ------------------------------------------------------------
    def project_by_name() -> None:
        project = ctx["platform"].projects.get(name=args.project)
        check(project.name == args.project, f"project named {args.project!r}, got {project.name!r}")
        expected = emu.project_guid(args.project)
        check(project.project_id == expected, f"project id {expected}, got {project.project_id}")
        ctx["project"] = project

    steps.run(PROJECT, project_by_name, needs=(AUTH_CP4D,))

    def datasource_type() -> None:
        ds = ctx["platform"].datasources.get(name="postgresql")
        check(ds.metadata.asset_id == POSTGRESQL_ID, f"postgresql id {POSTGRESQL_ID}, got {ds.metadata.asset_id}")
        names = {p.name: p for p in ds.properties.connection}
        check({"host", "port", "database", "username", "password"} <= names.keys(), f"properties {sorted(names)}")
        check(names["password"].masked is True, "password is not marked masked")
        ctx["ds"] = ds

    steps.run(DSTYPE, datasource_type, needs=(PROJECT,))

    def every_type_known_to_the_sdk() -> None:
        # The SDK's own table of IBM's datasource type ids (its code generator's mapping) is the
        # oracle: the emulator must invent no id, and where the SDK names a type plainly (not a
        # DataStage "…PX" operator name), the names must agree.
        listed = list(ctx["platform"].datasources)
        ids = [t.metadata.asset_id for t in listed]
        check(len(ids) == len(set(ids)), f"no type listed twice ({len(ids)} listed)")
        total = len(ctx["platform"].datasources)
        check(len(ids) == total, f"every page: total_count {total}, listed {len(ids)}")
        unknown = [f"{t.name} {t.metadata.asset_id}" for t in listed if t.metadata.asset_id not in DATASOURCE_MAPPINGS]
        check(not unknown, f"type ids IBM's SDK does not know: {unknown}")
        renamed = [
            f"{t.name} (SDK: {DATASOURCE_MAPPINGS[t.metadata.asset_id]})"
            for t in listed
            if not DATASOURCE_MAPPINGS[t.metadata.asset_id].endswith("PX")
            and DATASOURCE_MAPPINGS[t.metadata.asset_id] != t.name
        ]
        check(not renamed, f"types named differently from IBM's SDK: {renamed}")

    steps.run("every datasource type listed is one IBM's SDK knows", every_type_known_to_the_sdk, needs=(AUTH_CP4D,))

    # --- create, read, filter ----------------------------------------------------------------------
    def create_validated() -> None:
        before = source.accepted
        conn = ctx["project"].create_connection(
            name=CONN_NAME, datasource_type=ctx["ds"], description="Sales warehouse", properties=props()
        )  # test=True is the SDK's default: the service tries the data source first
        check(conn.name == CONN_NAME and conn.connection_id, f"a named connection with an id, got {short(conn)}")
        check(conn.datasource_type == POSTGRESQL_ID, f"datasource_type {POSTGRESQL_ID}, got {conn.datasource_type}")
        shown = {k: conn.properties.get(k) for k in ("host", "port", "database", "username")}
        check(shown == {k: props()[k] for k in shown}, f"properties as sent, got {shown}")
        check(source.connected_since(before), "the emulator never connected to the data source (test=True)")
        stored = emu.stored(conn.connection_id)
        check(stored is not None, "the emulator does not hold the new connection")
        check(stored["entity"]["properties"]["password"] == DB_PASSWORD, "stored password differs from the one sent")
        ctx["conn_id"] = conn.connection_id

    steps.run(CREATE, create_validated, needs=(DSTYPE,))

    def create_unreachable() -> None:
        exc = raises(
            IbmCloudApiException,
            lambda: ctx["project"].create_connection(
                name="unreachable-postgres", datasource_type=ctx["ds"], properties=props(port=str(refusing.port))
            ),
        )
        status, codes = status_and_codes(exc)
        check(status == 400, f"400 for a failed connection test, got {status} {codes}")
        check(not emu.stored_named("unreachable-postgres"), "a connection that failed its test was saved")

    steps.run("create refused when the data source is unreachable (400)", create_unreachable, needs=(DSTYPE,))

    def create_duplicate() -> None:
        try:
            exc = raises(
                IbmCloudApiException,
                lambda: ctx["project"].create_connection(
                    name=CONN_NAME, datasource_type=ctx["ds"], properties=props(), test=False
                ),
            )
            status, codes = status_and_codes(exc)
            check(status == 409, f"409 Conflict for a duplicate name, got {status} {codes}")
        finally:
            # Where the emulator stored a duplicate, remove it so the next steps see one connection.
            for extra in emu.stored_named(CONN_NAME):
                if extra["metadata"]["asset_id"] != ctx["conn_id"]:
                    dup = ctx["project"].connections.get(connection_id=extra["metadata"]["asset_id"])
                    ctx["project"].delete_connection(dup)

    steps.run("create with an existing name refused (409)", create_duplicate, needs=(CREATE,))

    def get_by_name() -> None:
        conn = ctx["project"].connections.get(name=CONN_NAME)
        check(conn.connection_id == ctx["conn_id"], f"id {ctx['conn_id']}, got {conn.connection_id}")
        check(conn.description == "Sales warehouse", f"description, got {conn.description!r}")
        check(conn.properties.get("database") == "sales", f"database 'sales', got {conn.properties.get('database')!r}")

    steps.run(GET, get_by_name, needs=(CREATE,))

    def filter_by_properties() -> None:
        found = ctx["project"].connections.get_all(properties={"host": source.host, "port": str(source.port)})
        check([c.connection_id for c in found] == [ctx["conn_id"]], f"exactly the new connection, got {short(found)}")
        none = ctx["project"].connections.get_all(properties={"database": "no-such-database"})
        check(len(none) == 0, f"nothing for a non-matching property, got {short(none)}")

    steps.run("filter connections by properties", filter_by_properties, needs=(CREATE,))

    # --- update, refused update ------------------------------------------------------------------
    def update() -> None:
        conn = ctx["project"].connections.get(name=CONN_NAME)
        conn.description = "Sales warehouse (EU)"
        conn.properties["database"] = "sales_eu"
        before = source.accepted
        reply = ctx["project"].update_connection(conn)  # test=True by default
        check(reply.status_code == 200, f"200, got {reply.status_code}")
        check(source.connected_since(before), "the update was not validated against the data source")
        again = ctx["project"].connections.get(name=CONN_NAME)
        check(again.description == "Sales warehouse (EU)", f"new description, got {again.description!r}")
        check(again.properties.get("database") == "sales_eu", f"new database, got {again.properties.get('database')!r}")
        ctx["update_reply"] = reply.json()

    steps.run(UPDATE, update, needs=(GET,))

    def bare_entity_reply() -> None:
        body = ctx["update_reply"]
        check("metadata" not in body, f"no metadata in the PATCH reply, got keys {sorted(body)}")
        check(
            body.get("description") == "Sales warehouse (EU)", f"the entity's new description, got keys {sorted(body)}"
        )

    steps.run("update reply is the bare entity", bare_entity_reply, needs=(UPDATE,))

    def refused_update() -> None:
        conn = ctx["project"].connections.get(name=CONN_NAME)
        conn.description = "must not be saved"
        conn.properties["password"] = "Wrong-Pass-2"
        exc = raises(IbmCloudApiException, lambda: ctx["project"].update_connection(conn))
        status, codes = status_and_codes(exc)
        check(status == 400, f"400 for a failed connection test, got {status} {codes}")
        check("Wrong-Pass-2" not in str(exc), "the refused password appears in the error")
        stored = emu.stored(ctx["conn_id"])
        check(stored is not None, "the connection disappeared")
        check(stored["entity"]["properties"]["password"] == DB_PASSWORD, "the refused password was saved")
        check(stored["entity"]["description"] == "Sales warehouse (EU)", "the refused description was saved")

    steps.run("update refused: wrong password against a data source that checks it (400)", refused_update, needs=(GET,))

    # --- test=False, delete -----------------------------------------------------------------------
    def create_untested() -> None:
        nowhere = refusing.port
        conn = ctx["project"].create_connection(
            name=UNTESTED_NAME, datasource_type=ctx["ds"], properties=props(port=str(nowhere)), test=False
        )
        check(conn.connection_id and conn.name == UNTESTED_NAME, f"a saved connection, got {short(conn)}")
        stored = emu.stored(conn.connection_id)
        check(stored is not None and str(stored["entity"]["properties"]["port"]) == str(nowhere), "not stored as sent")
        ctx["untested_id"] = conn.connection_id

    steps.run(UNTESTED, create_untested, needs=(DSTYPE,))

    # --- re-test a stored connection: the `test` action (PUT /v2/connections/{id}/actions/test) -------
    def test_action(name: str) -> Any:
        conn = ctx["project"].connections.get(name=name)
        # The service lists what IBM's recorded listing shows (get_record_count for a database), not `test`,
        # which every connection runs (IBM's OpenAPI document): the SDK's own action object runs it.
        listed = {a.name for a in conn.actions}
        check(listed == {"get_record_count"}, f"the recorded listing (get_record_count), got {sorted(listed)}")
        action = DatasourceTypeAction(platform=ctx["platform"], project=ctx["project"], connection=conn, name="test")
        return action.execute()

    def retest_ok() -> None:
        before = source.accepted
        reply = test_action(CONN_NAME)
        check(reply.status_code == 200, f"200, got {reply.status_code}")
        check(source.connected_since(before), "the test action never connected to the data source")

    steps.run("re-test the stored connection (test action)", retest_ok, needs=(CREATE,))

    def retest_down() -> None:
        # The real service's way of reporting a failed test action is unverified: a 400 error, or a
        # 200 whose output reports the failure. Either is a pass; a 200 that reads as success is not.
        try:
            reply = test_action(UNTESTED_NAME)
        except IbmCloudApiException as exc:
            status, codes = status_and_codes(exc)
            check(status == 400, f"400 for a failed test, got {status} {codes}")
            return
        body = reply.text.lower()
        check(reply.status_code == 200 and "fail" in body, f"a failure reported, got {reply.status_code} {body[:200]}")

    steps.run("test action on a connection whose data source is down reports failure", retest_down, needs=(UNTESTED,))

    # --- paging: the SDK asks 100 a page and follows next.href -----------------------------------
    def every_page() -> None:
        made = [
            ctx["project"].create_connection(
                name=f"bulk-{i:03d}", datasource_type=ctx["ds"], properties=props(port=str(refusing.port)), test=False
            )
            for i in range(PAGE_FILL)
        ]
        try:
            lists_before = emu.requests_count("GET /v2/connections")
            listed = [c.connection_id for c in ctx["project"].connections.get_all()]
            pages = emu.requests_count("GET /v2/connections") - lists_before
            expected = {ctx["conn_id"], ctx["untested_id"], *(c.connection_id for c in made)}
            check(len(listed) == len(set(listed)), f"no connection listed twice ({len(listed)} listed)")
            check(set(listed) == expected, f"{len(expected)} connections over two pages, got {len(listed)}")
            total = len(ctx["project"].connections)
            check(total == len(expected), f"len() (total_count) {len(expected)}, got {total}")
            check(pages == 2, f"two pages of 100, the SDK asked {pages}")
        finally:
            for conn in made:
                ctx["project"].delete_connection(conn)

    steps.run(f"list every page ({PAGE_FILL} more connections, 100 a page)", every_page, needs=(CREATE, UNTESTED))

    def delete() -> None:
        for key, name in (("conn_id", CONN_NAME), ("untested_id", UNTESTED_NAME)):
            if key not in ctx:
                continue
            conn = ctx["project"].connections.get(name=name)
            reply = ctx["project"].delete_connection(conn)
            check(reply.status_code == 204, f"204 on delete, got {reply.status_code}")
            check(emu.stored(ctx[key]) is None, f"{name} is still stored")
            gone = raises(ValueError, lambda name=name: ctx["project"].connections.get(name=name))
            check("not in list" in str(gone), f"the SDK's not-found error, got {gone}")

    steps.run("delete the connections", delete, needs=(CREATE,))

    source.close()
    refusing.close()
    return steps.finish()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", required=True)
    parser.add_argument("--project", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--api-key", required=True)
    args = parser.parse_args()
    main_guard(lambda: run(args))


if __name__ == "__main__":
    main()
