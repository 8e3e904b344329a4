"""The connection's TLS settings win over REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, in both shells alike (issue 9.2)."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import AuthType, ClientConfig, Credentials
from airflow_connections_provider.client.async_transport import ssl_context
from tests.unit.client.conftest import API

VERSION = f"{API}/v2/connections/version"


@pytest.fixture
def bundle(tmp_path):
    path = tmp_path / "ours.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    return str(path)


@pytest.fixture(params=["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def env_bundle(request, monkeypatch, tmp_path):
    path = tmp_path / "environment.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv(request.param, str(path))
    return str(path)


def sent_verify(mocked, make_client, verify):
    mocked.get(VERSION, json={"service_name": "c", "version": "1"})
    make_client(verify=verify).version()
    return mocked.calls[-1].request.req_kwargs["verify"]  # what requests handed to the adapter


def test_a_ca_bundle_wins_over_the_environment(mocked, make_client, bundle, env_bundle):
    assert sent_verify(mocked, make_client, bundle) == bundle


def test_verify_off_wins_over_the_environment(mocked, make_client, env_bundle):
    assert sent_verify(mocked, make_client, False) is False


def test_the_default_uses_the_environment_bundle_like_requests_does(mocked, make_client, env_bundle):
    assert sent_verify(mocked, make_client, True) == env_bundle


def test_both_shells_decide_alike(bundle, env_bundle):
    creds = Credentials(AuthType.BEARER_TOKEN, token="t")
    assert ClientConfig(creds, verify=bundle).tls_verify() == bundle
    assert ClientConfig(creds, verify=False).tls_verify() is False
    assert ClientConfig(creds).tls_verify() == env_bundle
    assert ClientConfig(creds).tls_verify(environ={}) is True
    assert ssl_context(False) is False


def test_a_directory_of_certificates_is_accepted(tmp_path):
    config = ClientConfig(Credentials(AuthType.BEARER_TOKEN, token="t"), verify=str(tmp_path))
    assert config.tls_verify() == str(tmp_path)


def test_a_ca_bundle_that_is_not_pem_is_a_configuration_error(tmp_path):
    from airflow_connections_provider.client import ConfigurationError

    path = tmp_path / "broken.pem"
    path.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="could not be loaded as PEM"):
        ssl_context(str(path))
