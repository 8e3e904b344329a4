"""TLS for the emulator: a certificate it is given, or a self-signed one it makes for loopback.

The self-signed certificate is its own CA (basic constraints CA=true), valid for `localhost`,
`127.0.0.1` and `::1`, so a client verifies the emulator by trusting that one file
(`EmulatorHandle.ca_bundle`). The key never leaves the emulator's temporary directory, which is
removed when the server stops. `cryptography` comes with Airflow.
"""

from __future__ import annotations

import dataclasses
import datetime
import ipaddress
import shutil
import tempfile
from pathlib import Path

_LOOPBACK_NAMES = ("localhost",)
_LOOPBACK_ADDRESSES = ("127.0.0.1", "::1")
_VALID_DAYS = 7


@dataclasses.dataclass(frozen=True, slots=True)
class TlsFiles:
    """Where the certificate chain and key are; `cleanup` holds a directory to delete on stop."""

    cert: str
    key: str
    cleanup: str | None = None

    def remove(self) -> None:
        if self.cleanup is not None:
            shutil.rmtree(self.cleanup, ignore_errors=True)


def make_self_signed(extra_host: str | None = None) -> TlsFiles:
    """A fresh key and self-signed certificate for loopback (plus `extra_host` when given)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "airflow-connections-emulator")])
    dns: list[x509.GeneralName] = [x509.DNSName(n) for n in _LOOPBACK_NAMES]
    ips: list[x509.GeneralName] = [x509.IPAddress(ipaddress.ip_address(a)) for a in _LOOPBACK_ADDRESSES]
    if extra_host and extra_host not in (*_LOOPBACK_NAMES, *_LOOPBACK_ADDRESSES, "0.0.0.0", "::"):  # noqa: S104
        try:
            ips.append(x509.IPAddress(ipaddress.ip_address(extra_host)))
        except ValueError:
            dns.append(x509.DNSName(extra_host))
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=_VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName([*dns, *ips]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    directory = tempfile.mkdtemp(prefix="emulator-tls-")
    cert_path = Path(directory, "cert.pem")
    key_path = Path(directory, "key.pem")
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.touch(mode=0o600)
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return TlsFiles(str(cert_path), str(key_path), cleanup=directory)
