"""The connection's TLS settings win over REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE, in both shells alike (issue 9.2)."""

from __future__ import annotations

from pathlib import Path

import certifi
import pytest

from airflow_connections_provider.client import AuthType, ClientConfig, Credentials
from airflow_connections_provider.client.async_transport import ssl_context
from tests.unit.client.conftest import API

VERSION = f"{API}/v2/connections/version"


@pytest.fixture
def bundle(tmp_path):
    path = tmp_path / "ours.pem"
    path.write_text(Path(certifi.where()).read_text())  # a real PEM bundle
    return str(path)


@pytest.fixture(params=["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def env_bundle(request, monkeypatch, tmp_path):
    path = tmp_path / "environment.pem"
    path.write_text(Path(certifi.where()).read_text())  # a real PEM bundle
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


def test_a_broken_ca_bundle_is_refused_with_the_settings(tmp_path):
    from airflow_connections_provider.client import ConfigurationError

    path = tmp_path / "broken.pem"
    path.write_text("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n")
    with pytest.raises(ConfigurationError, match="could not be loaded as PEM"):
        ClientConfig(Credentials(AuthType.BEARER_TOKEN, token="t"), verify=str(path))


# -- for real: an HTTPS server on loopback with a certificate made here -------------------------------------


@pytest.fixture
def https_server():
    """A tiny HTTPS server on 127.0.0.1 answering the version call; yields (base_url, its CA file)."""
    import http.server
    import json as _json
    import ssl
    import threading

    from airflow_connections_provider.emulator.run.server import make_self_signed

    tls = make_self_signed()  # the emulator's own loopback certificate: one copy of that code
    cert_file, key_file = tls.cert, tls.key

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = _json.dumps({"service_name": "connections", "version": "tls-1"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"https://127.0.0.1:{server.server_address[1]}", cert_file
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
        tls.remove()


def real_client(base_url: str, verify):
    from airflow_connections_provider.client import ConnectionsClient, RetryPolicy

    config = ClientConfig(
        Credentials(AuthType.BEARER_TOKEN, token="t"),
        base_url=base_url,
        verify=verify,
        retry=RetryPolicy(retry_limit=1),
    )
    return ConnectionsClient(config)


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # verify=False, on purpose
@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_over_real_tls_the_connections_bundle_wins_over_an_environment_bundle(https_server, monkeypatch, variable):
    base_url, ca_file = https_server
    monkeypatch.setenv(variable, certifi.where())  # a bundle that does not trust our server
    with real_client(base_url, ca_file) as client:
        assert client.version().version == "tls-1"
    with real_client(base_url, False) as client:
        assert client.version().version == "tls-1"


def test_over_real_tls_the_default_honours_the_environment_bundle(https_server, monkeypatch):
    from airflow_connections_provider.client import TransportError

    base_url, ca_file = https_server
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", ca_file)
    with real_client(base_url, True) as client:
        assert client.version().version == "tls-1"
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    with real_client(base_url, True) as client, pytest.raises(TransportError, match="TLS verification failed"):
        client.version()


async def test_over_real_tls_the_async_shell_agrees(https_server, monkeypatch):
    from airflow_connections_provider.client import AsyncConnectionsClient, RetryPolicy

    base_url, ca_file = https_server
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    config = ClientConfig(
        Credentials(AuthType.BEARER_TOKEN, token="t"),
        base_url=base_url,
        verify=ca_file,
        retry=RetryPolicy(retry_limit=1),
    )
    async with AsyncConnectionsClient(config) as client:
        assert (await client.version()).version == "tls-1"
