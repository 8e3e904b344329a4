"""HTTPS: a certificate the emulator is given, or a self-signed one it makes, verified for real."""

from __future__ import annotations

import os
import ssl
import subprocess
import sys
from collections.abc import Callable

import httpx
import pytest
import requests
from cryptography import x509

from airflow_connections_provider.emulator import EmulatorHandle
from airflow_connections_provider.emulator.run.server import make_self_signed

from .helpers import Api

MODULE = "airflow_connections_provider.emulator"


def _version(emu: EmulatorHandle, verify: str | bool) -> requests.Response:
    with requests.Session() as session:
        session.trust_env = False
        return session.get(f"{emu.url}/v2/connections/version", headers=emu.auth_headers(), verify=verify, timeout=10)


def test_self_signed_serves_https_that_verifies_against_its_ca_bundle(
    make_emulator: Callable[..., EmulatorHandle],
) -> None:
    emu = make_emulator(tls="self-signed")
    assert emu.url.startswith("https://127.0.0.1:") and emu.ca_bundle and os.path.isfile(emu.ca_bundle)
    assert _version(emu, emu.ca_bundle).status_code == 200
    # Not trusted by default: a client that does not name the bundle refuses the certificate.
    with pytest.raises(requests.exceptions.SSLError):
        _version(emu, True)
    # httpx and the standard library verify it the same way, also for the name localhost.
    context = ssl.create_default_context(cafile=emu.ca_bundle)
    with httpx.Client(verify=context, trust_env=False) as client:
        localhost = emu.url.replace("127.0.0.1", "localhost")
        assert client.get(f"{localhost}/v2/connections/version", headers=emu.auth_headers()).status_code == 200


def test_the_served_certificate_is_signed_by_the_ca_bundle_it_names(
    make_emulator: Callable[..., EmulatorHandle],
) -> None:
    """A CA and a server certificate it signs (trustme), not one certificate that is its own CA."""
    emu = make_emulator(tls="self-signed")
    assert emu.ca_bundle is not None
    served = x509.load_pem_x509_certificate(ssl.get_server_certificate((emu.host, emu.port)).encode())
    with open(emu.ca_bundle, "rb") as f:
        ca = x509.load_pem_x509_certificate(f.read())
    assert served.issuer == ca.subject and served.subject != ca.subject
    assert not served.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    served.verify_directly_issued_by(ca)
    names = served.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "localhost" in names.get_values_for_type(x509.DNSName)


def test_the_self_signed_key_is_removed_when_the_server_stops(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(tls="self-signed")
    bundle = emu.ca_bundle
    assert bundle is not None
    emu.stop()
    assert not os.path.exists(os.path.dirname(bundle))


def test_a_given_certificate_and_key_are_served(make_emulator: Callable[..., EmulatorHandle]) -> None:
    files = make_self_signed()
    try:
        emu = make_emulator(tls_cert=files.cert, tls_key=files.key)
        assert emu.ca_bundle == files.cert and emu.url.startswith("https://")
        assert _version(emu, files.cert).status_code == 200
        # Paging links name the scheme the client used.
        api = Api(emu.url, emu.issue_token())
        api.session.verify = files.cert
        body = api.get("/v2/connections", params={"project_id": emu.project_id("default")}).json()
        assert body["first"]["href"].startswith(emu.url + "/v2/connections?")
        emu.stop()
    finally:
        files.remove()


def test_plain_http_has_no_ca_bundle(emu: EmulatorHandle) -> None:
    assert emu.url.startswith("http://") and emu.ca_bundle is None


def test_the_cli_serves_https_with_a_self_signed_certificate() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, "--port", "0", "--tls", "self-signed", "--static-token", "t0k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        second = process.stdout.readline().strip()
        assert first.startswith("emulator listening on https://127.0.0.1:"), first
        bundle = second.rsplit(": ", 1)[1]
        url = first.rsplit(" ", 1)[1]
        reply = requests.get(
            f"{url}/v2/connections/version", headers={"Authorization": "Bearer t0k"}, verify=bundle, timeout=10
        )
        assert reply.status_code == 200
    finally:
        process.terminate()
        process.communicate(timeout=10)
    assert process.returncode == 0
