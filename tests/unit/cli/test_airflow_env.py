"""AIRFLOW_CONN_* values read without Airflow, exactly as Airflow's own Connection reads them."""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest

from airflow_connections_provider.cli.airflow_env import read_connection, read_variable
from airflow_connections_provider.client import ConfigurationError

SECRET = "Uri-Secret-p@ss/w:rd"

VALUES = [
    pytest.param("ibmdataplatform://admin:key-1@cpd.example.com:8443/", id="uri-host-port"),
    pytest.param("ibmdataplatform://admin:p%40ss%2Fw%3Ard@cpd.example.com", id="uri-encoded-password"),
    pytest.param("ibmdataplatform://:key@https%3A%2F%2Fcpd.example.com%2Fbase", id="uri-encoded-url-host"),
    pytest.param("ibmdataplatform://https://cpd.example.com:9443/base", id="uri-host-with-scheme"),
    pytest.param("ibmdataplatform://:key@eu-de?auth_type=iam_api_key&project=sales&verify_tls=false", id="uri-extras"),
    pytest.param("ibmdataplatform://:key@h?__extra__=%7B%22project%22%3A+%22p%22%7D", id="uri-extra-json"),
    pytest.param("postgres://etl:pw@db.internal:5432/orders", id="uri-schema"),
    pytest.param("some-type://Host.Example.com", id="uri-dash-type-and-case"),
    pytest.param(
        json.dumps(
            {
                "conn_type": "ibmdataplatform",
                "host": "https://x",
                "password": "k",
                "port": "8443",
                "extra": {"project": "p", "timeout": 5},
            }
        ),
        id="json-extra-dict",
    ),
    pytest.param(json.dumps({"conn_type": "generic", "login": "crn:v1", "extra": '{"a": 1}'}), id="json-extra-text"),
]


@pytest.mark.parametrize("value", VALUES)
def test_read_as_airflow_reads_it(value):
    from airflow.models.connection import Connection

    theirs = Connection.from_json(value, conn_id="x") if value.startswith("{") else Connection(conn_id="x", uri=value)
    ours = read_connection("x", {"AIRFLOW_CONN_X": value})
    assert ours is not None
    for name in ("conn_type", "host", "login", "password", "schema", "port"):
        assert getattr(ours, name) == (getattr(theirs, name) or None), name
    # Airflow 3 reads a URI's query values as JSON when they parse; 2.x keeps them as text (the hook's
    # settings read "false" and false alike): compare as Airflow 3 reads them.
    assert ours.extra_dejson == {k: as_json(v) for k, v in theirs.extra_dejson.items()}


def as_json(value: object) -> object:
    try:
        return json.loads(value) if isinstance(value, str) and value else value
    except ValueError:
        return value


def test_variables_and_absent_values():
    env = {"AIRFLOW_VAR_EVENTS_URL": "https://e"}
    assert read_variable("events_url", env) == "https://e"
    assert read_variable("other", env) is None
    assert read_connection("other", env) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        pytest.param('{"host": "x", "password": "' + SECRET, "AIRFLOW_CONN_X is not valid JSON", id="broken-json"),
        pytest.param('["' + SECRET + '"]', "must look like <conn_type>://", id="json-list-is-no-uri"),
        pytest.param(f"t://u:{quote(SECRET)}@https://h", "is not a valid connection URI", id="uri-login-before-scheme"),
        pytest.param('{"hots": "x", "password": "' + SECRET + '"}', "unknown field(s) 'hots'", id="json-typo"),
        pytest.param('{"port": "eighty", "password": "' + SECRET + '"}', "port of AIRFLOW_CONN_X", id="json-port"),
        pytest.param(SECRET, "must look like <conn_type>://", id="not-a-uri"),
        pytest.param(f"t://u:{quote(SECRET)}@h:99999", "invalid port", id="uri-port"),
    ],
)
def test_a_value_that_cannot_be_read_is_named_never_quoted(value, message):
    with pytest.raises(ConfigurationError) as caught:
        read_connection("x", {"AIRFLOW_CONN_X": value})
    assert message in str(caught.value)
    assert (
        SECRET not in str(caught.value) and quote(SECRET) not in str(caught.value) and "p@ss" not in repr(caught.value)
    )
