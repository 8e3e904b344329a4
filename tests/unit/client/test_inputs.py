"""Bad input is refused before any request, with the field and the expected type named (issue 9: 4, 7)."""

from __future__ import annotations

import datetime
import math

import pytest

from airflow_connections_provider.client import (
    AuthType,
    ClientConfig,
    ConfigurationError,
    ConnectionChanges,
    Credentials,
    InvalidInputError,
    RetryPolicy,
    Scope,
)
from tests.contract import real_replies as real
from tests.unit.client.conftest import API

SCOPE = Scope.project(real.PROJECT_ID)
GOOD = {"host": "db", "port": 5432, "database": "d", "username": "u", "password": "p"}


@pytest.fixture
def types(mocked):
    for key in ("postgresql", real.POSTGRES_TYPE_ID):
        body = real.postgres_type()
        mocked.get(f"{API}/v2/datasource_types/{key}", json=body.json())


def writes(mocked) -> list[str]:
    return [c.request.method for c in mocked.calls if c.request.method in ("POST", "PATCH", "PUT", "DELETE")]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param(
            {"properties": {**GOOD, "port": datetime.date(2026, 1, 1)}},
            "'port' must be an integer",
            id="date-for-integer",
        ),
        pytest.param(
            {"properties": {**GOOD, "host": datetime.datetime(2026, 1, 1)}},
            "'host' must be a string, got datetime",
            id="datetime",
        ),
        pytest.param({"properties": {**GOOD, "host": b"db"}}, "'host' must be a string, got bytes", id="bytes"),
        pytest.param({"properties": {**GOOD, "host": {"db"}}}, "'host' must be a string, got set", id="set"),
        pytest.param({"properties": {**GOOD, "port": "54x2"}}, "'port' must be an integer", id="malformed-number"),
        pytest.param({"properties": {**GOOD, "port": "5432.5"}}, "'port' must be an integer", id="fraction-string"),
        pytest.param({"properties": {**GOOD, "port": math.nan}}, "'port' must be a finite", id="nan"),
        pytest.param({"properties": {**GOOD, "port": 0}}, "between 1 and 65535", id="port-zero"),
        pytest.param({"properties": {**GOOD, "port": "70000"}}, "between 1 and 65535", id="port-too-high"),
        pytest.param({"properties": {**GOOD, "ssl": "maybe"}}, "'ssl' must be a boolean", id="bad-boolean"),
        pytest.param({"properties": list(GOOD.items())}, "properties must be a mapping", id="properties-as-list"),
        pytest.param({"properties": {**GOOD, 7: "x"}}, "property names must be strings", id="non-string-key"),
        pytest.param({"name": 42}, "the connection name must be a string, got int", id="name-not-string"),
        pytest.param({"name": "  "}, "the connection name is empty", id="name-blank"),
        pytest.param({"name": "n" * 256}, "the limit is 255", id="name-too-long"),
        pytest.param(
            {"name": "orders\u200b"}, "contains an invisible format character, U+200B", id="name-zero-width-space"
        ),
        pytest.param({"name": "orders\nrow"}, "contains a control character, U+000A", id="name-line-break"),
        pytest.param({"name": " orders"}, "starts with whitespace", id="name-leading-space"),
        pytest.param({"description": {"a": 1}}, "the description must be a string, got dict", id="description-dict"),
        pytest.param({"properties": {**GOOD, "port": "9" * 5000}}, "'port' is a port", id="port-5000-digit-text"),
        pytest.param({"properties": {**GOOD, "port": "0" * 5000 + "5"}}, None, id="port-5000-leading-zeros"),
        pytest.param(
            {"properties": {**GOOD, "database": 10**4999}}, "got a 5000-digit number; write it as text", id="huge-int"
        ),
        pytest.param({"properties": {**GOOD, "host": ["a", "b"]}}, "got list (2 item(s))", id="list-value"),
        pytest.param({"properties": {**GOOD, 7: "x"}}, "got int 7", id="non-string-key-named"),
    ],
)
def test_bad_create_input_is_refused_before_any_write(mocked, client, types, overrides, expected):
    args = {"name": "db", "datasource_type": "postgresql", "properties": dict(GOOD)}
    args.update(overrides)
    if expected is None:  # fine after all (5,000 leading zeros are the port 5): the write goes out
        mocked.post(f"{API}/v2/connections", status=201, json=real.created().json())
        client.create_connection(SCOPE, **args)
        return
    with pytest.raises(InvalidInputError) as caught:
        client.create_connection(SCOPE, **args)
    assert expected in str(caught.value)
    assert writes(mocked) == []


def test_a_null_required_property_is_named_once(mocked, client, types):
    with pytest.raises(InvalidInputError) as caught:
        client.create_connection(SCOPE, name="db", datasource_type="postgresql", properties={**GOOD, "username": None})
    assert str(caught.value).count("'username'") == 1 and "is null" in str(caught.value)


def test_good_values_are_normalised_before_sending(mocked, client, types):
    mocked.post(f"{API}/v2/connections", status=201, json=real.created().json())
    client.create_connection(
        SCOPE, name="db", datasource_type="postgresql", properties={**GOOD, "port": " 5432 ", "ssl": "TRUE"}
    )
    import json

    sent = json.loads(mocked.calls[-1].request.body)["properties"]
    assert sent["port"] == 5432 and sent["ssl"] is True


@pytest.mark.parametrize(
    "connection_id",
    [
        pytest.param(".", id="dot"),
        pytest.param("..", id="dotdot"),
        pytest.param("", id="empty"),
        pytest.param(" ", id="blank"),
        pytest.param("a/b", id="slash"),
        pytest.param("x?y=1", id="query"),
        pytest.param("%2e", id="encoded-dot"),
        pytest.param(None, id="none"),
        pytest.param(12, id="int"),
    ],
)
@pytest.mark.parametrize("operation", ["get", "delete", "test", "validate", "actions", "update"])
def test_unusable_connection_ids_are_refused_before_any_request(mocked, client, connection_id, operation):
    call = {
        "get": lambda: client.get_connection(SCOPE, connection_id),
        "delete": lambda: client.delete_connection(SCOPE, connection_id),
        "test": lambda: client.test_connection(SCOPE, connection_id),
        "validate": lambda: client.validate_connection(SCOPE, connection_id),
        "actions": lambda: client.list_actions(SCOPE, connection_id),
        "update": lambda: client.update_connection(SCOPE, connection_id, ConnectionChanges(description="x")),
    }[operation]
    with pytest.raises(InvalidInputError, match="connection id"):
        call()
    assert len(mocked.calls) == 0


def test_changes_given_as_something_else_are_refused(mocked, client, types):
    with pytest.raises(InvalidInputError, match="set_properties must be a mapping"):
        ConnectionChanges(set_properties=[("port", 1)])  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="remove_properties must be a list of property names"):
        ConnectionChanges(remove_properties="port")


@pytest.mark.parametrize(
    ("build", "expected"),
    [
        pytest.param(lambda: RetryPolicy(retry_delay=math.nan), "retry_delay must be a finite", id="delay-nan"),
        pytest.param(lambda: RetryPolicy(max_retry_wait=math.inf), "max_retry_wait must be a finite", id="wait-inf"),
        pytest.param(lambda: RetryPolicy(retry_limit=True), "retry_limit must be an integer", id="limit-bool"),
        pytest.param(
            lambda: ClientConfig(Credentials(AuthType.BEARER_TOKEN, token="t"), timeout=math.inf),
            "timeout must be a positive, finite",
            id="timeout-inf",
        ),
        pytest.param(
            lambda: ClientConfig(Credentials(AuthType.BEARER_TOKEN, token="t"), connect_timeout=math.nan),
            "connect_timeout must be",
            id="connect-nan",
        ),
        pytest.param(
            lambda: ClientConfig(Credentials(AuthType.BEARER_TOKEN, token="t"), verify="/no/such/ca.pem"),
            "'/no/such/ca.pem' does not exist",
            id="ca-bundle-missing",
        ),
        pytest.param(
            lambda: Credentials(AuthType.IAM_API_KEY, api_key="k", iam_url="iam.cloud.ibm.com"),
            "iam_url 'iam.cloud.ibm.com' must be a URL starting with http:// or https://",
            id="iam-url-without-scheme",
        ),
    ],
)
def test_bad_settings_are_configuration_errors(build, expected):
    with pytest.raises(ConfigurationError, match=expected.replace("(", r"\(").replace(")", r"\)")):
        build()


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        pytest.param("project-1", "expected a Scope", id="string"),
        pytest.param(Scope.project(""), "project_id is empty", id="empty-id"),
        pytest.param(Scope.space("  "), "space_id is empty", id="blank-id"),
    ],
)
def test_a_scope_without_an_id_is_refused_before_any_request(mocked, client, scope, expected):
    with pytest.raises(InvalidInputError, match=expected):
        client.list_connections(scope)
    with pytest.raises(InvalidInputError, match=expected):
        client.delete_connection(scope, real.CONNECTION_ID)
    assert len(mocked.calls) == 0


@pytest.mark.parametrize("name", [None, 42, ""])
def test_find_needs_a_name(mocked, client, name):
    with pytest.raises(InvalidInputError, match="non-empty string"):
        client.find_connection(SCOPE, name)
    assert len(mocked.calls) == 0
