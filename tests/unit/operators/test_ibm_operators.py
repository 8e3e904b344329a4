"""Create / update / delete operators: their decisions, over mocked HTTP."""

from __future__ import annotations

import json

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.links import XCOM_CONNECTION_URL, connection_ui_url
from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMUpdateConnectionOperator,
)
from tests.support import payloads
from tests.support.task_fixtures import API, PROJECT_ID, FakeTI, stored_rendered_fields, writes

CONNS = f"{API}/v2/connections"
PROPS = {"host": "db", "port": 5432, "database": "orders", "username": "etl", "password": "pw-rotate-me"}
VISIBLE = {k: v for k, v in PROPS.items() if k != "password"}


def create_op(**kwargs) -> IBMCreateConnectionOperator:
    args = {"task_id": "create", "name": "orders", "datasource_type": "postgresql", "properties": PROPS}
    args.update(kwargs)
    return IBMCreateConnectionOperator(**args)


def test_create_when_absent_returns_the_id_pushes_the_link_and_logs_one_line(api, context, capsys):
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=201, json=payloads.connection("orders", asset_id="new-1"))
    assert create_op().execute(context) == "new-1"
    logged = capsys.readouterr().out  # task loggers are structlog: they print, caplog does not see them
    assert writes(api) == [("POST", CONNS)]
    assert (
        context["ti"].xcom[XCOM_CONNECTION_URL]
        == f"https://api.test/connections/new-1?project_id={PROJECT_ID}&context=icp4data"
    )
    assert "Created connection 'orders' (postgresql, id new-1)" in logged
    assert "pw-rotate-me" not in logged


def test_create_skip_returns_the_existing_id_without_writing(api, context):
    api.get(CONNS, json=payloads.page([payloads.connection("orders", asset_id="old-1", properties=VISIBLE)]))
    assert create_op(if_exists="skip").execute(context) == "old-1"
    assert writes(api) == []


def test_create_fail_names_the_fix(api, context):
    api.get(CONNS, json=payloads.page([payloads.connection("orders", asset_id="old-1", properties=VISIBLE)]))
    with pytest.raises(AirflowFailException, match="if_exists='skip'"):
        create_op().execute(context)
    assert writes(api) == []


def raced(api, *, properties=VISIBLE):
    """The lookup finds nothing, then someone else creates the name before our POST: 409."""
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=409, json=payloads.error("conflict", "connection name already exists"))
    api.get(CONNS, json=payloads.page([payloads.connection("orders", asset_id="theirs", properties=properties)]))


def test_a_create_that_loses_a_race_for_the_name_is_skipped_like_a_found_one(api, context):
    raced(api)
    assert create_op(if_exists="skip").execute(context) == "theirs"
    assert writes(api) == [("POST", CONNS)]


def test_a_create_that_loses_a_race_for_the_name_is_updated_like_a_found_one(api, context):
    raced(api)
    api.patch(f"{CONNS}/theirs", json=payloads.connection("orders", asset_id="theirs", properties=VISIBLE))
    assert create_op(if_exists="update").execute(context) == "theirs"
    assert writes(api) == [("POST", CONNS), ("PATCH", f"{CONNS}/theirs")]


def test_a_create_that_loses_a_race_for_the_name_fails_with_the_fix(api, context):
    raced(api)
    with pytest.raises(AirflowFailException, match=r"already exists .*id theirs.*if_exists='skip'"):
        create_op().execute(context)
    assert writes(api) == [("POST", CONNS)]


def after_a_try_that_sent_its_create(api, op: IBMCreateConnectionOperator, existing: dict) -> None:
    """Try 1: the name is free, the POST answers 503 (it may have been saved), and a lookup then finds
    the connection: the try fails for a retry, and its record of the create stays (here, in the process:
    unit tests have no Variable store). Each try is a new operator object, as in Airflow."""
    from airflow.providers.common.compat.sdk import AirflowException

    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=503, json=payloads.error("service_unavailable", "try later"))
    api.get(CONNS, json=payloads.page([existing]))  # the lookup after the failure, and try 2's
    with pytest.raises(AirflowException):
        op.execute({"ti": FakeTI(try_number=1)})


def test_create_retry_adopts_what_an_earlier_try_created_and_sends_its_secret_again(api):
    """The secret cannot be read back, so an adopted connection gets this task's secret: a connection
    with the same visible properties but another password never passes for this task's result."""
    existing = payloads.connection("orders", asset_id="mine", properties=VISIBLE)
    after_a_try_that_sent_its_create(api, create_op(), existing)
    api.patch(f"{CONNS}/mine", json=existing)
    assert create_op().execute({"ti": FakeTI(try_number=2)}) == "mine"
    assert writes(api) == [("POST", CONNS), ("PATCH", f"{CONNS}/mine")]
    body = json.loads(api.calls[-1].request.body)
    assert body == [{"op": "add", "path": "/properties/password", "value": "pw-rotate-me"}]
    assert "test=true" in api.calls[-1].request.url


def test_create_retry_does_not_adopt_what_no_earlier_try_sent(api):
    """The first try failed before its create: a same-looking connection someone else made is theirs."""
    api.get(CONNS, json=payloads.page([payloads.connection("orders", asset_id="theirs", properties=VISIBLE)]))
    with pytest.raises(AirflowFailException, match="no earlier try of this task sent a create"):
        create_op().execute({"ti": FakeTI(try_number=2)})
    assert writes(api) == []


def test_create_retry_adoption_fails_when_the_service_refuses_the_secret(api):
    from tests.support.payloads import error

    existing = payloads.connection("orders", asset_id="mine", properties=VISIBLE)
    after_a_try_that_sent_its_create(api, create_op(), existing)
    api.patch(f"{CONNS}/mine", status=400, json=error("connection_test_failed", "password authentication failed"))
    with pytest.raises(AirflowFailException, match="refused the validation"):
        create_op().execute({"ti": FakeTI(try_number=2)})


def test_create_retry_does_not_adopt_a_different_connection(api):
    api.get(
        CONNS,
        json=payloads.page([payloads.connection("orders", asset_id="theirs", properties={**VISIBLE, "host": "x"})]),
    )
    with pytest.raises(AirflowFailException, match="already exists"):
        create_op().execute({"ti": FakeTI(try_number=2)})


def test_create_update_applies_properties_to_the_existing_one(api, context):
    existing = payloads.connection("orders", asset_id="old-1", properties=VISIBLE)
    api.get(CONNS, json=payloads.page([existing]))
    api.patch(f"{CONNS}/old-1", json=existing)
    assert create_op(if_exists="update", description="d").execute(context) == "old-1"
    body = json.loads(api.calls[-1].request.body)
    assert {"op": "add", "path": "/description", "value": "d"} in body
    assert {"op": "add", "path": "/properties/password", "value": "pw-rotate-me"} in body


@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        pytest.param({"if_exists": "replace"}, AirflowFailException, "if_exists must be one of", id="bad-if-exists"),
        pytest.param({"properties": {"host": "db"}}, AirflowFailException, "'port' is missing", id="missing-props"),
        pytest.param({"datasource_type": "postgres"}, AirflowFailException, "did you mean", id="unknown-type"),
    ],
)
def test_create_refuses_bad_input_before_writing(api, context, kwargs, error, fragment):
    api.get(f"{API}/v2/datasource_types/postgres", status=404, json=payloads.error("not_found", "no"))
    api.get(f"{API}/v2/datasource_types", json={"resources": [payloads.postgres_type()]})
    api.get(CONNS, json=payloads.page([]))
    with pytest.raises(error, match=fragment):
        create_op(**kwargs).execute(context)
    assert writes(api) == []


def test_update_by_name_changes_only_given_keys_and_reports_fields(api, context, capsys):
    existing = payloads.connection("orders", asset_id="c1", properties=VISIBLE)
    api.get(CONNS, json=payloads.page([existing]))
    api.patch(f"{CONNS}/c1", json=existing)
    op = IBMUpdateConnectionOperator(
        task_id="rotate", connection_name="orders", set_properties={"password": "n3w-secret!"}
    )
    assert op.execute(context) == "c1"
    logged = capsys.readouterr().out
    assert json.loads(api.calls[-1].request.body) == [
        {"op": "add", "path": "/properties/password", "value": "n3w-secret!"}
    ]
    assert context["ti"].xcom["changed_fields"] == ["properties.password"]
    assert "Updated connection 'orders' (id c1)" in logged
    assert "n3w-secret!" not in logged


def test_update_refused_by_the_service_fails_with_its_reason(api, context):
    existing = payloads.connection("orders", asset_id="c1", properties=VISIBLE)
    api.get(f"{CONNS}/c1", json=existing)
    api.patch(
        f"{CONNS}/c1",
        status=400,
        json=payloads.error("connection_test_failed", "password authentication failed", trace="tr-r"),
    )
    op = IBMUpdateConnectionOperator(task_id="rotate", connection_id="c1", set_properties={"password": "wrong-one"})
    with pytest.raises(
        AirflowFailException, match=r"refused the validation.*password authentication failed.*tr-r"
    ) as caught:
        op.execute(context)
    # A wrong new password does not fix itself: no task retry is spent re-sending it (README: retries).
    assert "clear the task" in str(caught.value)
    assert "wrong-one" not in str(caught.value)


@pytest.mark.parametrize(
    "kwargs",
    [pytest.param({"connection_id": "c1", "connection_name": "x"}, id="both"), pytest.param({}, id="neither")],
)
def test_update_needs_exactly_one_target(api, context, kwargs):
    with pytest.raises(AirflowFailException, match="exactly one of connection_id or connection_name"):
        IBMUpdateConnectionOperator(task_id="u", **kwargs).execute(context)


def test_update_of_a_missing_name_fails_at_once(api, context):
    api.get(CONNS, json=payloads.page([]))
    with pytest.raises(AirflowFailException, match="no connection is named exactly 'ghost'"):
        IBMUpdateConnectionOperator(task_id="u", connection_name="ghost", description="x").execute(context)


def test_delete_by_name(api, context):
    api.get(CONNS, json=payloads.page([payloads.connection("orders", asset_id="c9")]))
    api.delete(f"{CONNS}/c9", status=204)
    assert IBMDeleteConnectionOperator(task_id="d", connection_name="orders").execute(context) == "c9"
    assert writes(api) == [("DELETE", f"{CONNS}/c9")]


def test_delete_missing_ok_and_not(api, context):
    api.get(CONNS, json=payloads.page([]))
    api.get(f"{CONNS}/c9", status=404, json=payloads.error("not_found", "gone"))  # by id: read before deleting
    assert IBMDeleteConnectionOperator(task_id="d", connection_name="orders").execute(context) is None
    assert IBMDeleteConnectionOperator(task_id="d", connection_id="c9").execute(context) is None
    with pytest.raises(AirflowFailException, match="does not exist"):
        IBMDeleteConnectionOperator(task_id="d", connection_name="orders", missing_ok=False).execute(context)
    with pytest.raises(AirflowFailException):
        IBMDeleteConnectionOperator(task_id="d", connection_id="c9", missing_ok=False).execute(context)


def test_project_by_name_is_resolved_exactly(api, context):
    api.get(
        f"{API}/v2/projects",
        json={"resources": [payloads.project("sales-eu", "x"), payloads.project("sales", PROJECT_ID)]},
    )
    api.get(CONNS, json=payloads.page([]))
    op = IBMDeleteConnectionOperator(task_id="d", connection_name="orders", project="sales")
    assert op.execute(context) is None
    listing = next(c for c in api.calls if c.request.url.startswith(CONNS))
    assert f"project_id={PROJECT_ID}" in listing.request.url


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        pytest.param(
            "https://api.dataplatform.cloud.ibm.com",
            "https://dataplatform.cloud.ibm.com/connections/c%2F1?project_id=p&context=cpdaas",
            id="dallas",
        ),
        pytest.param(
            "https://api.eu-de.dataplatform.cloud.ibm.com",
            "https://eu-de.dataplatform.cloud.ibm.com/connections/c%2F1?project_id=p&context=cpdaas",
            id="frankfurt",
        ),
        pytest.param(
            "https://api.au-syd.dai.cloud.ibm.com",
            "https://au-syd.dai.cloud.ibm.com/connections/c%2F1?project_id=p&context=cpdaas",
            id="sydney",
        ),
        pytest.param(
            "https://cpd.example.com:8443",
            "https://cpd.example.com:8443/connections/c%2F1?project_id=p&context=icp4data",
            id="cloud-pak",
        ),
    ],
)
def test_ui_link_forms(base, expected):
    assert connection_ui_url(base, "project_id", "p", "c/1") == expected


def test_ui_link_to_a_project_when_no_connection_is_named():
    assert (
        connection_ui_url("https://api.dataplatform.cloud.ibm.com", "project_id", "p1", None)
        == "https://dataplatform.cloud.ibm.com/projects/p1/assets?context=cpdaas"
    )


def test_the_link_reads_what_the_task_recorded(api, context):
    from airflow_connections_provider.links import IBMConnectionLink

    api.get(CONNS, json=payloads.page([payloads.connection("orders", asset_id="c9")]))
    api.delete(f"{CONNS}/c9", status=204)
    op = IBMDeleteConnectionOperator(task_id="d", connection_name="orders")
    assert IBMConnectionLink().get_link(op, ti_key=None) == ""  # nothing known yet: no link
    op.execute(context)
    assert IBMConnectionLink().get_link(op, ti_key=None) == context["ti"].xcom[XCOM_CONNECTION_URL]


def test_templated_properties_are_masked_as_soon_as_they_are_rendered():
    from airflow.providers.common.compat.sdk import redact

    op = create_op(properties={**PROPS, "password": "{{ params.pw }}", "api_token_x": "tok-abcdef-123"})
    op.render_template_fields({"params": {"pw": "rendered-secret-42"}})
    # What Airflow sends (and its 3.0 supervisor logs) right after rendering.
    assert "rendered-secret-42" not in str(stored_rendered_fields(op))
    assert "tok-abcdef-123" not in str(stored_rendered_fields(op))
    op.pre_execute({})  # as Airflow's task runner does before execute
    assert op.properties["password"] == "rendered-secret-42"
    assert "rendered-secret-42" not in str(redact("log: rendered-secret-42"))
    assert "tok-abcdef-123" not in str(redact("log: tok-abcdef-123"))


@pytest.mark.parametrize(
    ("stored", "rendered"),
    [
        pytest.param("true", True, id="stored-text-wanted-bool"),
        pytest.param(True, "true", id="stored-bool-rendered-text"),
        pytest.param("True", "yes", id="two-spellings-of-true"),
    ],
)
def test_adopt_on_retry_and_the_planner_agree_on_booleans(api, stored, rendered):
    """One normalisation (the client's): what the planner calls unchanged, adopt-on-retry calls the same."""
    from airflow_connections_provider.client import Connection, DatasourceType
    from airflow_connections_provider.sync.plan import diff
    from airflow_connections_provider.sync.spec import DesiredConnection

    existing = payloads.connection("orders", asset_id="mine", properties={**VISIBLE, "ssl": stored})
    after_a_try_that_sent_its_create(api, create_op(properties={**PROPS, "ssl": rendered}), existing)
    api.patch(f"{CONNS}/mine", json=existing)
    assert create_op(properties={**PROPS, "ssl": rendered}).execute({"ti": FakeTI(try_number=2)}) == "mine"

    pg = DatasourceType.from_api(payloads.postgres_type())
    desired = DesiredConnection("orders", pg, None, {**VISIBLE, "ssl": rendered})
    assert diff(desired, Connection.from_api(existing), fingerprints=None, rewrite_secrets=False).is_empty
