"""Certificates for the TLS tests, made with trustme: a throw-away CA, a server certificate it signs for
127.0.0.1 and localhost, and an unrelated CA (what a container image's ``REQUESTS_CA_BUNDLE`` might name).
The emulator serves HTTPS with them (``EmulatorSettings(tls_cert=..., tls_key=...)``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import trustme


@dataclass(frozen=True)
class Certificates:
    ca_bundle: Path  # the CA that signed the server certificate
    other_ca: Path  # a CA that did not (what a container image's REQUESTS_CA_BUNDLE might name)
    cert: Path
    key: Path


def make_certificates(directory: Path) -> Certificates:
    ca = trustme.CA(organization_name="reliability-test-ca")
    other = trustme.CA(organization_name="some-other-ca")
    server = ca.issue_cert("127.0.0.1", "localhost")
    paths = Certificates(
        ca_bundle=directory / "ca.pem",
        other_ca=directory / "other-ca.pem",
        cert=directory / "server.pem",
        key=directory / "server-key.pem",
    )
    ca.cert_pem.write_to_path(str(paths.ca_bundle))
    other.cert_pem.write_to_path(str(paths.other_ca))
    server.cert_chain_pems[0].write_to_path(str(paths.cert))
    server.private_key_pem.write_to_path(str(paths.key))
    return paths
