"""Client settings: regions, credentials, retry policy, and secrets kept out of reprs."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import AuthType, ClientConfig, ConfigurationError, Credentials, RetryPolicy
from airflow_connections_provider.client.config import resolve_base_url


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        pytest.param("us-south", "https://api.dataplatform.cloud.ibm.com", id="dallas"),
        pytest.param("EU-DE", "https://api.eu-de.dataplatform.cloud.ibm.com", id="frankfurt-any-case"),
        pytest.param("eu-gb", "https://api.eu-gb.dataplatform.cloud.ibm.com", id="london"),
        pytest.param("jp-tok", "https://api.jp-tok.dataplatform.cloud.ibm.com", id="tokyo"),
        pytest.param("au-syd", "https://api.au-syd.dai.cloud.ibm.com", id="sydney-dai"),
        pytest.param("ca-tor", "https://api.ca-tor.dai.cloud.ibm.com", id="toronto-dai"),
        pytest.param("cpd.example.com", "https://cpd.example.com", id="bare-host-gets-https"),
        pytest.param("https://cpd.example.com:8443/", "https://cpd.example.com:8443", id="url-trailing-slash"),
        pytest.param("http://127.0.0.1:8080", "http://127.0.0.1:8080", id="loopback-emulator"),
        pytest.param(None, "https://api.dataplatform.cloud.ibm.com", id="default"),
    ],
)
def test_base_url_from_region_or_url(host, expected):
    assert resolve_base_url(host) == expected


def test_a_bad_base_url_names_the_fix():
    with pytest.raises(ConfigurationError, match="us-south"):
        resolve_base_url("ftp://x")


@pytest.mark.parametrize(
    ("auth", "fields", "missing"),
    [
        pytest.param(AuthType.IAM_API_KEY, {}, "api_key", id="iam-needs-key"),
        pytest.param(AuthType.CP4D_PASSWORD, {"username": "u"}, "password", id="cp4d-needs-password"),
        pytest.param(AuthType.CP4D_API_KEY, {"api_key": "k"}, "username", id="cp4d-key-needs-user"),
        pytest.param(AuthType.ZEN_API_KEY, {"username": "u"}, "api_key", id="zen-needs-key"),
        pytest.param(AuthType.BEARER_TOKEN, {}, "token", id="bearer-needs-token"),
    ],
)
def test_missing_credentials_are_named(auth, fields, missing):
    with pytest.raises(ConfigurationError, match=missing):
        Credentials(auth, **fields)


def test_unknown_auth_type_lists_the_choices():
    with pytest.raises(ConfigurationError, match="iam_api_key, cp4d_password"):
        AuthType.parse("oauth")


def test_secrets_stay_out_of_reprs():
    creds = Credentials(AuthType.CP4D_PASSWORD, username="admin", password="hunter2-pass")
    config = ClientConfig(creds)
    assert "hunter2-pass" not in repr(creds) and "hunter2-pass" not in repr(config)
    assert "admin" in repr(creds)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"retry_limit": -1}, id="negative-limit"),
        pytest.param({"retry_limit": 0}, id="zero-attempts"),
        pytest.param({"retry_limit": 1.5}, id="fractional-limit"),
        pytest.param({"retry_delay": -0.1}, id="negative-delay"),
        pytest.param({"max_retry_wait": "10"}, id="string-wait"),
    ],
)
def test_retry_policy_refuses_nonsense(kwargs):
    with pytest.raises(ConfigurationError):
        RetryPolicy(**kwargs)


def test_retry_policy_round_trips_as_plain_data():
    policy = RetryPolicy(retry_limit=2, retry_delay=0.5, max_retry_wait=9)
    assert RetryPolicy.from_dict(policy.to_dict()) == policy


def test_retry_limit_counts_attempts_and_defaults_to_six():
    """One attempt and five retries, as before the switch to the model providers' meaning."""
    assert RetryPolicy().retry_limit == 6


def test_timeouts_are_positive_and_connect_never_exceeds_read():
    creds = Credentials(AuthType.BEARER_TOKEN, token="t")
    assert ClientConfig(creds, timeout=5).timeouts == (5, 5)
    assert ClientConfig(creds, timeout=60, connect_timeout=10).timeouts == (10, 60)
    with pytest.raises(ConfigurationError, match="timeout"):
        ClientConfig(creds, timeout=0)
