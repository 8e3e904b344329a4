"""Reading the Airflow connection: each form field lands where it should, bad values are named."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import certifi
import pytest

from airflow_connections_provider.client import AuthType, ConfigurationError
from airflow_connections_provider.hooks.settings import settings_from_connection


@dataclass
class Conn:
    conn_id: str = "ibm"
    host: str | None = None
    login: str | None = None
    password: str | None = None
    schema: str | None = None
    port: int | None = None
    extra: str | None = None


def settings(**kwargs):
    extra = kwargs.pop("extra", None)
    return settings_from_connection(Conn(extra=json.dumps(extra) if isinstance(extra, dict) else extra, **kwargs))


def test_iam_defaults():
    s = settings(password="api-key-1")
    cfg = s.client_config
    assert cfg.base_url == "https://api.dataplatform.cloud.ibm.com"
    assert cfg.credentials.auth_type is AuthType.IAM_API_KEY
    assert cfg.credentials.api_key == "api-key-1"
    assert cfg.credentials.iam_url == "https://iam.cloud.ibm.com"
    assert (cfg.timeout, cfg.verify, cfg.retry.retry_limit) == (60.0, True, 6)  # attempts: one and five retries
    assert s.default_project is None


@pytest.mark.parametrize(
    ("auth_type", "fields", "expected"),
    [
        pytest.param(
            "cp4d_password",
            {"login": "admin", "password": "pw-1"},
            {"username": "admin", "password": "pw-1"},
            id="cp4d-password",
        ),
        pytest.param(
            "cp4d_api_key",
            {"login": "admin", "password": "k-1"},
            {"username": "admin", "api_key": "k-1"},
            id="cp4d-api-key",
        ),
        pytest.param(
            "zen_api_key", {"login": "admin", "password": "z-1"}, {"username": "admin", "api_key": "z-1"}, id="zen"
        ),
        pytest.param("bearer_token", {"password": "tok-1"}, {"token": "tok-1"}, id="bearer"),
    ],
)
def test_password_field_means_what_the_auth_type_says(auth_type, fields, expected):
    creds = settings(host="cpd.example.com", extra={"auth_type": auth_type}, **fields).client_config.credentials
    assert creds.auth_type.value == auth_type
    for key, value in expected.items():
        assert getattr(creds, key) == value


def test_aws_api_key_is_the_password_and_its_exchange_lives_beside_the_api():
    cfg = settings(host="api.dev.aws.data.ibm.com", password="aws-1", extra={"auth_type": "aws_api_key"}).client_config
    assert (cfg.credentials.auth_type.value, cfg.credentials.api_key) == ("aws_api_key", "aws-1")
    with pytest.raises(ConfigurationError, match="set iam_url to the full token URL"):
        settings(host="cpd.example.com", password="aws-1", extra={"auth_type": "aws_api_key"})


def test_every_extra_is_read_and_prefixed_keys_work_too(tmp_path):
    bundle = tmp_path / "cpd.pem"
    bundle.write_text(Path(certifi.where()).read_text())  # a real PEM bundle
    s = settings(
        host="eu-de",
        password="k",
        extra={
            "iam_url": "https://iam.test.cloud.ibm.com",
            "extra__ibmdataplatform__project": "sales",
            "verify_tls": True,
            "ca_bundle": str(bundle),
            "timeout": "30",
            "retry_limit": 2,
            "retry_delay": 0.5,
            "max_retry_wait": 10,
        },
    )
    cfg = s.client_config
    assert cfg.base_url == "https://api.eu-de.dataplatform.cloud.ibm.com"
    assert cfg.credentials.iam_url == "https://iam.test.cloud.ibm.com"
    assert s.default_project == "sales"
    assert cfg.verify == str(bundle)
    assert cfg.timeout == 30.0
    assert cfg.retry.to_dict() == {"retry_limit": 2, "retry_delay": 0.5, "max_retry_wait": 10.0}


def test_arguments_override_the_connection():
    s = settings_from_connection(
        Conn(password="k", extra=json.dumps({"retry_limit": 9, "timeout": 99})), retry_limit=1, timeout=5
    )
    assert s.client_config.retry.retry_limit == 1 and s.client_config.timeout == 5


def test_verify_off_ignores_the_ca_bundle():
    assert settings(password="k", extra={"verify_tls": "false", "ca_bundle": "/x.pem"}).client_config.verify is False


def test_a_ticked_checkbox_as_airflow_2s_test_button_sends_it_means_true():
    # The 2.x connection form's Test button posts the raw form values: a ticked BooleanField is "y".
    assert settings(password="k", extra={"verify_tls": "y"}).client_config.verify is True


def test_host_and_port_make_a_cluster_url():
    assert (
        settings(host="cpd.example.com", port=8443, password="k").client_config.base_url
        == "https://cpd.example.com:8443"
    )
    assert settings(host="http://127.0.0.1", port=9000, password="k").client_config.base_url == "http://127.0.0.1:9000"


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        pytest.param("{not json", "not valid JSON", id="bad-json"),
        pytest.param("[1]", "must be a JSON object", id="not-an-object"),
        pytest.param({"retry_limit": "lots"}, "'retry_limit' .* must be an integer", id="bad-int"),
        pytest.param({"timeout": "soon"}, "'timeout' .* must be a finite number", id="bad-number"),
        pytest.param({"verify_tls": "maybe"}, "must be true or false", id="bad-flag"),
        pytest.param({"auth_type": "kerberos"}, "unknown auth type", id="bad-auth-type"),
        pytest.param({"auth_type": "cp4d_password"}, "needs username and password", id="cp4d-without-login"),
    ],
)
def test_bad_connection_settings_are_named(extra, message):
    with pytest.raises(ConfigurationError, match=message):
        settings(extra=extra)


def test_no_secret_in_configuration_errors():
    with pytest.raises(ConfigurationError) as caught:
        settings(password="super-secret-key", extra={"retry_limit": "x"})
    assert "super-secret-key" not in str(caught.value)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        pytest.param({"host": "https://api.example.com?region=x"}, "host .* query string", id="host-query"),
        pytest.param({"host": "https://api.example.com/#frag"}, "host .* query string or fragment", id="host-fragment"),
        pytest.param({"host": "https://api.example.com:99999"}, "host .* invalid port; use 1 to 65535", id="host-port"),
        pytest.param({"host": "https://api.example.com:0"}, "host .* invalid port", id="host-port-zero"),
        pytest.param({"host": "api.example.com", "port": 70000}, "port field .* between 1 and 65535", id="port-field"),
        pytest.param({"extra": {"iam_url": "iam.cloud.ibm.com"}}, "'iam_url' .* must be a URL", id="iam-no-scheme"),
        pytest.param({"extra": {"iam_url": "ftp://iam"}}, "'iam_url' .* must be a URL", id="iam-bad-scheme"),
        pytest.param({"extra": {"timeout": "nan"}}, "'timeout' .* finite number", id="timeout-nan"),
        pytest.param({"extra": {"retry_delay": "inf"}}, "'retry_delay' .* finite number", id="delay-inf"),
        pytest.param({"extra": {"retry_limit": True}}, "'retry_limit' .* integer", id="limit-bool"),
        pytest.param(
            {"extra": {"retry_limit": 101}}, "'retry_limit' .* between 1 and 100 \\(attempts", id="limit-past-cap"
        ),
        pytest.param({"extra": {"retry_limit": 0}}, "'retry_limit' .* 1 = no retry", id="zero-attempts"),
        pytest.param({"extra": {"timeout": -1}}, "'timeout' .* > 0", id="timeout-negative"),
        pytest.param({"extra": {"total_timeout": 0}}, "'total_timeout' .* > 0", id="total-timeout-zero"),
        pytest.param({"host": "us-east"}, "host field .* not an IBM Cloud region", id="not-a-region"),
        pytest.param({"host": "http://[::1"}, "host field .* both brackets", id="host-ipv6-unclosed"),
        pytest.param({"host": "https://u:p@cpd.example.com"}, "host field .* holds credentials", id="host-credentials"),
        pytest.param({"extra": {"iam_url": "https://u:p@iam"}}, "'iam_url' .* holds credentials", id="iam-credentials"),
        pytest.param({"extra": {"iam_url": "http://[::1"}}, "'iam_url' .* both brackets", id="iam-ipv6-unclosed"),
        pytest.param({"host": "cpd.example.com", "port": 10**4999}, "port field .* 5000-digit", id="port-5000-digits"),
    ],
)
def test_configuration_mistakes_name_the_setting(fields, message):
    with pytest.raises(ConfigurationError, match=message):
        settings(password="api-key-1", **fields)


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        pytest.param({"password": "tok-1\n", "extra": {"auth_type": "bearer_token"}}, "the password field", id="pw"),
        pytest.param({"extra": {"auth_type": "bearer_token", "token": "tok-1\n"}}, "extra 'token'", id="extra-token"),
        pytest.param({"extra": {"api_key": "\u201ckey-1\u201d"}}, "extra 'api_key'", id="extra-api-key"),
        pytest.param(
            {"login": "admin\n", "password": "pw", "extra": {"auth_type": "cp4d_password"}},
            "the login field",
            id="login",
        ),
    ],
)
def test_a_credential_http_cannot_carry_is_named_by_its_field(fields, where):
    with pytest.raises(ConfigurationError) as caught:
        settings(**fields)
    message = str(caught.value)
    assert f"{where} of Airflow connection 'ibm'" in message
    assert "tok-1" not in message and "key-1" not in message and "admin" not in message


def test_every_problem_is_listed_at_once_and_the_config_knows_its_origin():
    with pytest.raises(ConfigurationError) as caught:
        settings(host="us-east", password="k\n", extra={"retry_limit": 1000})
    message = str(caught.value)
    assert "host field" in message and "password field" in message and "'retry_limit'" in message
    assert settings(password="k").client_config.origin == "Airflow connection 'ibm'"


def test_the_secrets_of_a_connection_are_found_for_masking_even_when_it_is_broken():
    from airflow_connections_provider.hooks.settings import credential_values

    conn = Conn(password="pw-1", extra=json.dumps({"api_key": "k-1", "token": "t-1"}))
    assert credential_values(conn) == ["pw-1", "k-1", "t-1"]
    assert credential_values(Conn(password="pw-1", extra="{broken")) == ["pw-1"]
