"""The client against replies shaped as IBM's real service sends them (tests/contract/real_replies.py)."""

from __future__ import annotations

import json
import logging
from urllib.parse import parse_qs, urlsplit

import pytest
import responses

from airflow_connections_provider.client import (
    BadRequestError,
    Connection,
    ConnectionChanges,
    ConnectionNameExistsError,
    ConnectionsClientError,
    ProjectNotFoundError,
    Scope,
    UnexpectedRedirectError,
    ValidationRefusedError,
)
from tests.contract import real_replies as real
from tests.unit.client.conftest import API

CONNS = f"{API}/v2/connections"
ONE = f"{CONNS}/{real.CONNECTION_ID}"
SCOPE = Scope.project(real.PROJECT_ID)
EVERY_FLAG = ",".join(real.KNOWN_FLAGS)


def serve(mocked: responses.RequestsMock, method: str, url: str, reply: real.RealReply) -> None:
    mocked.add(method, url, status=reply.status, body=reply.content, headers=dict(reply.headers))


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@pytest.fixture
def types(mocked):
    for key in ("postgresql", real.POSTGRES_TYPE_ID):
        serve(mocked, "GET", f"{API}/v2/datasource_types/{key}", real.postgres_type())
    for key in ("bluemixcloudobjectstorage", real.BLUEMIX_COS_TYPE_ID):
        serve(mocked, "GET", f"{API}/v2/datasource_types/{key}", real.cos_type())


# -- the PATCH reply is the bare entity ----------------------------------------------------------------


@pytest.mark.parametrize(
    "scope",
    [
        pytest.param(Scope.project(real.PROJECT_ID), id="project"),
        pytest.param(Scope.catalog(real.CATALOG_ID), id="catalog"),
        pytest.param(Scope.space(real.SPACE_ID), id="space"),
    ],
)
def test_update_keeps_the_id_and_scope_it_patched(mocked, client, types, scope):
    serve(mocked, "GET", ONE, real.got(scope_kind=scope.kind, scope_id=scope.id))
    serve(mocked, "PATCH", ONE, real.patched(description="nightly"))

    updated = client.update_connection(scope, real.CONNECTION_ID, ConnectionChanges(description="nightly"))

    assert updated.id == real.CONNECTION_ID and updated.scope == scope
    assert updated.name == "Sales DB" and updated.description == "nightly"
    assert updated.create_time == "2026-11-28T09:53:29.000Z"  # kept from the connection patched


def test_a_rename_that_hits_a_taken_name_is_name_exists(mocked, client, types):
    serve(mocked, "GET", ONE, real.got())
    serve(mocked, "PATCH", ONE, real.duplicate_name("Orders"))
    with pytest.raises(ConnectionNameExistsError):
        client.update_connection(SCOPE, real.CONNECTION_ID, ConnectionChanges(name="Orders"))


# -- re-test is the test action ------------------------------------------------------------------------


def test_validate_runs_the_test_action(mocked, client):
    serve(mocked, "PUT", f"{ONE}/actions/test", real.action_test_passed())
    assert client.test_connection(SCOPE, real.CONNECTION_ID) is None
    (call,) = mocked.calls
    assert call.request.method == "PUT" and urlsplit(call.request.url).path.endswith("/actions/test")
    assert query(call) == {"project_id": [real.PROJECT_ID]}
    assert json.loads(call.request.body) == {}
    assert call.request.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("reply", "error", "target_type"),
    [
        pytest.param(real.refused_by_data_source(), ValidationRefusedError, None, id="400-refused-test"),
        pytest.param(real.action_test_output_failed(), ValidationRefusedError, None, id="200-output-reports-failure"),
        pytest.param(real.bad_property_value(), BadRequestError, "field", id="400-field-is-rejected-request"),
        pytest.param(real.bad_parameter(), BadRequestError, "parameter", id="400-parameter-is-rejected-request"),
        pytest.param(real.bad_header(), BadRequestError, "header", id="400-header-is-rejected-request"),
    ],
)
def test_a_refused_test_is_told_from_a_rejected_request(mocked, client, sleeps, reply, error, target_type):
    serve(mocked, "PUT", f"{ONE}/actions/test", reply)
    with pytest.raises(error) as caught:
        client.test_connection(SCOPE, real.CONNECTION_ID)
    assert type(caught.value) is error
    assert caught.value.target_type == target_type
    if target_type:
        assert f"({target_type} " in str(caught.value)
    assert sleeps.waits == [] and len(mocked.calls) == 1  # neither is retried by the client


# -- create: 409 means the name exists -------------------------------------------------------------------


def new_connection(client, **overrides):
    args = {
        "name": "Sales DB",
        "datasource_type": "postgresql",
        "properties": {
            "host": "db.example.com",
            "port": 5432,
            "database": "sales",
            "username": "etl",
            "password": real.CLEAR_PASSWORD,
            "ssl": True,
        },
    }
    args.update(overrides)
    return client.create_connection(SCOPE, **args)


def test_409_on_create_means_the_name_exists_never_did_not_validate(mocked, client, types, sleeps):
    serve(mocked, "POST", CONNS, real.duplicate_name())
    with pytest.raises(ConnectionNameExistsError) as caught:
        new_connection(client)
    assert not isinstance(caught.value, ValidationRefusedError)
    assert [c.request.method for c in mocked.calls if c.request.url.startswith(CONNS)] == ["POST"]


@pytest.mark.parametrize(
    ("reply", "error"),
    [
        pytest.param(real.refused_by_data_source(), ValidationRefusedError, id="refused-test"),
        pytest.param(real.bad_property_value("port"), BadRequestError, id="rejected-field"),
    ],
)
def test_a_400_on_a_tested_create_is_classified(mocked, client, types, reply, error):
    serve(mocked, "POST", CONNS, reply)
    with pytest.raises(error) as caught:
        new_connection(client)
    assert type(caught.value) is error


def test_after_an_ambiguous_failure_a_409_adopts_what_the_first_attempt_saved(mocked, client, types, caplog):
    serve(mocked, "POST", CONNS, real.RealReply(503, real.error_container("unavailable", "saved, then failed")))
    serve(mocked, "GET", CONNS, real.list_page([]))  # the list has not caught up yet
    serve(mocked, "POST", CONNS, real.duplicate_name())
    serve(mocked, "GET", CONNS, real.list_page([real.connection_body()]))

    conn = new_connection(client)

    assert conn.id == real.CONNECTION_ID
    lookups = [
        c for c in mocked.calls if c.request.method == "GET" and urlsplit(c.request.url).path == "/v2/connections"
    ]
    assert lookups and all(query(c)["entity.flags"] == [EVERY_FLAG] for c in lookups)
    assert real.CLEAR_PASSWORD not in caplog.text


def test_after_an_ambiguous_failure_a_409_for_someone_elses_connection_is_raised(mocked, client, types):
    serve(mocked, "POST", CONNS, real.RealReply(503, real.error_container("unavailable", "down")))
    serve(mocked, "GET", CONNS, real.list_page([]))
    serve(mocked, "POST", CONNS, real.duplicate_name())
    other = real.connection_body(properties={**real.postgres_properties(), "host": "elsewhere.example.com"})
    serve(mocked, "GET", CONNS, real.list_page([other]))
    with pytest.raises(ConnectionNameExistsError):
        new_connection(client)


def test_string_values_from_the_service_match_native_ones_in_the_duplicate_check(mocked, client, types):
    # The service returns "5432" and "true"; the caller gave 5432 and True: the same connection.
    serve(mocked, "POST", CONNS, real.RealReply(502, None))
    serve(mocked, "GET", CONNS, real.list_page([real.connection_body()]))
    assert new_connection(client).id == real.CONNECTION_ID
    assert [c.request.method for c in mocked.calls if c.request.url.startswith(CONNS)] == ["POST", "GET"]


# -- flags --------------------------------------------------------------------------------------------------


def test_exact_name_lookup_names_every_known_flag(mocked, client):
    serve(mocked, "GET", CONNS, real.list_page([real.connection_body(flags=["restricted"])]))
    assert client.find_connection(SCOPE, "Sales DB").flags == ("restricted",)
    assert query(mocked.calls[0])["entity.flags"] == [EVERY_FLAG]
    assert query(mocked.calls[0])["entity.name"] == ['"Sales DB"']


# -- conditional required properties ----------------------------------------------------------------------


COS = {"url": "https://s3.us.cloud-object-storage.appdomain.cloud", "bucket": "b"}


@pytest.mark.parametrize(
    ("given", "missing"),
    [
        pytest.param({}, ["api_key", "resource_instance_id"], id="credentials-needed"),
        pytest.param({"defer_credentials": "yes"}, [], id="deferred-yes"),
        pytest.param({"defer_credentials": True}, [], id="deferred-true"),
        pytest.param({"defer_credentials": False}, ["api_key", "resource_instance_id"], id="not-deferred"),
        pytest.param({"api_key": "k", "resource_instance_id": "r"}, [], id="api-key"),
        pytest.param({"api_key": "k", "resource_instance_id": "r", "access_key": "a"}, ["secret_key"], id="hmac-pair"),
        pytest.param(
            {"api_key": "k", "resource_instance_id": "r", "access_key": "a", "secret_key": "s"}, [], id="hmac-complete"
        ),
    ],
)
def test_conditional_requirements_of_cloud_object_storage(client, mocked, types, given, missing):
    serve(mocked, "POST", CONNS, real.created(datasource_type=real.BLUEMIX_COS_TYPE_ID, properties={}))
    if missing:
        with pytest.raises(ConnectionsClientError) as caught:
            client.create_connection(
                SCOPE, name="cos", datasource_type="bluemixcloudobjectstorage", properties={**COS, **given}
            )
        for name in missing:
            assert f"required property {name!r} is missing" in str(caught.value)
        assert not [c for c in mocked.calls if c.request.method == "POST"]
    else:
        client.create_connection(
            SCOPE, name="cos", datasource_type="bluemixcloudobjectstorage", properties={**COS, **given}
        )
        assert [c.request.method for c in mocked.calls][-1] == "POST"


# -- projects 204, redirects, paging, secrets ------------------------------------------------------------------


def test_projects_204_is_not_found(mocked, client):
    serve(mocked, "GET", f"{API}/v2/projects", real.no_projects())
    with pytest.raises(ProjectNotFoundError):
        client.resolve_project("Sales analytics")


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_never_success(mocked, client, status):
    serve(mocked, "DELETE", ONE, real.RealReply(status, None, {"Location": "/v2/connections?x=secret"}))
    with pytest.raises(UnexpectedRedirectError) as caught:
        client.delete_connection(SCOPE, real.CONNECTION_ID)
    assert caught.value.status == status and "redirect to /v2/connections" in str(caught.value)
    assert "secret" not in str(caught.value)


def test_absolute_internal_next_links_are_followed_on_our_own_base_url(mocked, client):
    serve(mocked, "GET", CONNS, real.list_page([real.connection_body()], next_start="g1/a b"))
    serve(mocked, "GET", CONNS, real.list_page([real.connection_body(asset_id=real.SECOND_CONNECTION_ID)]))
    assert [c.id for c in client.iter_connections(SCOPE)] == [real.CONNECTION_ID, real.SECOND_CONNECTION_ID]
    second = mocked.calls[1].request.url
    assert second.startswith(f"{CONNS}?") and query(mocked.calls[1])["start"] == ["g1/a b"]


def test_a_clear_password_in_replies_never_reaches_repr_str_errors_or_logs(mocked, client, types, caplog):
    caplog.set_level(logging.DEBUG)
    serve(mocked, "GET", ONE, real.got())
    serve(mocked, "PATCH", ONE, real.refused_by_data_source())
    conn = client.get_connection(SCOPE, real.CONNECTION_ID)
    assert conn.properties["password"] == real.CLEAR_PASSWORD  # parsed, and kept out of sight:
    assert real.CLEAR_PASSWORD not in repr(conn) and real.CLEAR_PASSWORD not in str(conn)
    with pytest.raises(ValidationRefusedError) as caught:
        client.update_connection(
            SCOPE, real.CONNECTION_ID, ConnectionChanges(set_properties={"port": 5433}), current=conn
        )
    assert real.CLEAR_PASSWORD not in str(caught.value) and real.CLEAR_PASSWORD not in repr(caught.value)
    assert real.CLEAR_PASSWORD not in caplog.text


def test_unknown_entity_keys_are_ignored():
    body = real.connection_body()
    body["entity"]["something_new"] = {"nested": [1, 2]}
    conn = Connection.from_api(body)
    assert (conn.id, conn.name, conn.datasource_type) == (real.CONNECTION_ID, "Sales DB", real.POSTGRES_TYPE_ID)


def test_a_no_op_update_without_test_sends_nothing(mocked, client, types):
    conn = Connection.from_api(real.connection_body())
    assert client.update_connection(SCOPE, real.CONNECTION_ID, ConnectionChanges(), test=False, current=conn) is conn
    assert [c.request.method for c in mocked.calls if c.request.url.startswith(CONNS)] == []


def test_a_no_op_update_with_test_re_tests_instead_of_sending_an_empty_patch(mocked, client, types):
    conn = Connection.from_api(real.connection_body())
    serve(mocked, "PUT", f"{ONE}/actions/test", real.action_test_passed())
    assert client.update_connection(SCOPE, real.CONNECTION_ID, ConnectionChanges(), current=conn) is conn
    assert [c.request.method for c in mocked.calls if c.request.url.startswith(CONNS)] == ["PUT"]
