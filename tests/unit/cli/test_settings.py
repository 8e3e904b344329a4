"""The console script's IBM connection: AIRFLOW_CONN_<ID>, then IBM_DATA_PLATFORM_* variables, then
flags, field by field, through the hook's own conversion; the password never from a flag."""

from __future__ import annotations

import argparse
import io
import json

import pytest

from airflow_connections_provider.cli.main import main
from airflow_connections_provider.cli.settings import add_connection_arguments, settings
from airflow_connections_provider.client import AuthType, ConfigurationError

KEY = "Settings-Api-Key-3141"
DEFAULT = {
    "AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT": json.dumps(
        {"conn_type": "ibmdataplatform", "host": "eu-de", "password": KEY, "extra": {"project": "sales", "timeout": 30}}
    )
}


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_connection_arguments(parser)
    return parser.parse_args(argv)


def test_the_airflow_connection_alone():
    got = settings(parse(), DEFAULT)
    assert got.client_config.base_url == "https://api.eu-de.dataplatform.cloud.ibm.com"
    assert got.client_config.credentials.api_key == KEY
    assert got.client_config.timeout == 30 and got.default_project == "sales"


def test_variables_then_flags_override_field_by_field():
    env = {**DEFAULT, "IBM_DATA_PLATFORM_HOST": "https://cpd.example.com", "IBM_DATA_PLATFORM_PROJECT": "env-p"}
    got = settings(parse("--project", "flag-p", "--auth-type", "zen_api_key", "--login", "admin"), env)
    assert got.client_config.base_url == "https://cpd.example.com"
    assert got.default_project == "flag-p"
    assert got.client_config.credentials.auth_type is AuthType.ZEN_API_KEY
    assert got.client_config.credentials.username == "admin" and got.client_config.timeout == 30


def test_variables_alone_without_an_airflow_connection():
    env = {
        "IBM_DATA_PLATFORM_HOST": "us-south",
        "IBM_DATA_PLATFORM_PASSWORD": KEY,
        "IBM_DATA_PLATFORM_VERIFY_TLS": "false",
    }
    got = settings(parse(), env)
    assert got.client_config.credentials.api_key == KEY and got.client_config.verify is False


def test_another_conn_id():
    env = {"AIRFLOW_CONN_IBM_CPD": "ibmdataplatform://admin:" + KEY + "@cpd.example.com:8443?auth_type=cp4d_password"}
    got = settings(parse("--conn-id", "ibm_cpd"), env)
    assert got.client_config.base_url == "https://cpd.example.com:8443"
    assert got.client_config.credentials.password == KEY


@pytest.mark.parametrize(
    ("argv", "env", "fragments"),
    [
        pytest.param(
            (), {}, ["no IBM connection settings", "AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT", "--conn-id"], id="none"
        ),
        pytest.param(("--conn-id", "ibm_x"), DEFAULT, ["AIRFLOW_CONN_IBM_X is not set"], id="conn-id-unset"),
        pytest.param(
            ("--timeout", "soon", "--verify-tls", "maybe"),
            DEFAULT,
            [
                "'timeout'",
                "must be a finite number",
                "'verify_tls'",
                "true or false",
                "read from: AIRFLOW_CONN_",
                "flags",
            ],
            id="every-problem-at-once",
        ),
        pytest.param(
            (),
            {"IBM_DATA_PLATFORM_PORT": "x", "IBM_DATA_PLATFORM_PASSWORD": KEY},
            ["port must be a whole number"],
            id="port",
        ),
    ],
)
def test_problems_name_the_field_and_the_fix_never_the_secret(argv, env, fragments):
    with pytest.raises(ConfigurationError) as caught:
        settings(parse(*argv), env)
    for fragment in fragments:
        assert fragment in str(caught.value)
    assert KEY not in str(caught.value)


def test_there_is_no_password_flag():
    err = io.StringIO()
    code = main(["plan", "spec.yaml", "--password", KEY], out=io.StringIO(), err=err, environ={})
    assert code == 1
    assert "unrecognized arguments: --password" in err.getvalue()
