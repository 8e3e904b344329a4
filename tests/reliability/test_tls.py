"""TLS for real: the emulator serves HTTPS on loopback with a certificate made here, and the blocking
path (an operator) and the async path (the trigger) must agree on every setting, with the CA-bundle
environment variables of requests set and unset. The Airflow connection's own setting wins; a TLS
failure is a configuration error (no retry, no request reaches the service)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.emulator import EmulatorHandle, run_emulator
from airflow_connections_provider.operators.ibm import IBMCreateConnectionOperator
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger, ValidationEvent
from tests.integration.conftest import pg_properties
from tests.reliability.tls import Certificates, make_certificates
from tests.support.task_fixtures import FakeTI

ENV_VARS = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE")


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    return make_certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="module")
def https(certs: Certificates) -> Iterator[EmulatorHandle]:
    with run_emulator(projects=["sales"], tls_cert=str(certs.cert), tls_key=str(certs.key)) as handle:
        assert handle.url.startswith("https://127.0.0.1:")
        yield handle


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)


def airflow_conn(monkeypatch: pytest.MonkeyPatch, https: EmulatorHandle, extra: dict[str, Any]) -> str:
    conn = {
        "conn_type": "ibmdataplatform",
        "host": https.url,
        "password": https.api_key,
        "extra": {
            "auth_type": "iam_api_key",
            "iam_url": https.url,
            "project": "sales",
            "retry_limit": 4,
            "retry_delay": 0.01,
            **extra,
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_IBM_TLS", json.dumps(conn))
    return "ibm_tls"


def blocking_path(pg_source: Any, name: str) -> str:
    op = IBMCreateConnectionOperator(
        task_id="c",
        ibm_conn_id="ibm_tls",
        name=name,
        datasource_type="postgresql",
        properties=pg_properties(pg_source),
        test=False,
    )
    try:
        op.execute({"ti": FakeTI()})
    except AirflowFailException as exc:
        return f"failed: {exc}"
    return "ok"


def async_path(https: EmulatorHandle, connection_id: str) -> str:
    trigger = IBMConnectionValidationTrigger(
        ibm_conn_id="ibm_tls",
        scope_kind="project_id",
        scope_id=https.project_id("sales"),
        connection_id=connection_id,
        poll_interval=0.01,
        hook_params={"retry_limit": 4, "retry_delay": 0.01},
    )

    async def collect() -> list[Any]:
        return [e async for e in trigger.run()]

    (event,) = asyncio.run(collect())
    result = ValidationEvent.from_payload(event.payload)
    return "ok" if result.status == "success" else f"failed: {result.message}"


ROWS = [
    # (connection extra, environment, expected)
    pytest.param({"ca_bundle": "ours"}, {}, "ok", id="ca_bundle"),
    pytest.param({"ca_bundle": "ours"}, {"REQUESTS_CA_BUNDLE": "other"}, "ok", id="ca_bundle-beats-REQUESTS_CA_BUNDLE"),
    pytest.param({"ca_bundle": "ours"}, {"CURL_CA_BUNDLE": "other"}, "ok", id="ca_bundle-beats-CURL_CA_BUNDLE"),
    pytest.param({"verify_tls": False}, {"REQUESTS_CA_BUNDLE": "other"}, "ok", id="verify_tls-false-beats-env"),
    pytest.param({}, {"REQUESTS_CA_BUNDLE": "ours"}, "ok", id="env-is-the-default"),
    pytest.param({}, {}, "TLS", id="unknown-ca-fails"),
    pytest.param({}, {"REQUESTS_CA_BUNDLE": "other"}, "TLS", id="wrong-env-ca-fails"),
    pytest.param({"ca_bundle": "other"}, {"REQUESTS_CA_BUNDLE": "ours"}, "TLS", id="wrong-ca_bundle-fails"),
]


@pytest.mark.filterwarnings("ignore::urllib3.exceptions.InsecureRequestWarning")  # verify_tls=False, on purpose
@pytest.mark.parametrize(("extra", "environ", "expected"), ROWS)
def test_both_paths_agree_on_tls(https, certs, pg_source, monkeypatch, scenario, request, extra, environ, expected):
    paths = {"ours": str(certs.ca_bundle), "other": str(certs.other_ca)}
    described = {k: f"<{v} CA>" if v in paths else v for k, v in extra.items()}
    extra = {k: paths.get(v, v) if isinstance(v, str) else v for k, v in extra.items()}
    for name, which in environ.items():
        monkeypatch.setenv(name, paths[which])
    airflow_conn(monkeypatch, https, extra)
    name = request.node.callspec.id
    seeded = https.create_connection(f"seed-{name}", "postgresql", pg_properties(pg_source), project="sales")
    before = https.requests_count()

    blocking = blocking_path(pg_source, name)
    deferred = async_path(https, seeded)

    if expected == "ok":
        assert (blocking, deferred) == ("ok", "ok")
    else:
        assert blocking.startswith("failed:") and "TLS verification failed" in blocking
        assert deferred.startswith("failed:") and "TLS" in deferred
        assert https.requests_count() == before  # nothing got through
        assert "attempts" not in blocking  # not retried: a certificate does not fix itself

    def short(outcome: str) -> str:
        return "ok" if outcome == "ok" else "TLS verification failed, not retried, nothing sent"

    scenario(
        area="TLS",
        injected=f"connection extra {described or '{}'}, environment {environ or '{}'} (ours = the CA that "
        "signed the server's certificate)",
        outcome=f"operator: {short(blocking)}; trigger: {short(deferred)}",
    )


def test_a_missing_ca_bundle_path_is_a_configuration_error(https, monkeypatch, pg_source, tmp_path, scenario):
    missing = tmp_path / "no-such-ca.pem"
    airflow_conn(monkeypatch, https, {"ca_bundle": str(missing)})
    blocking = blocking_path(pg_source, "missing-ca")
    deferred = async_path(https, "0d5e0f0a-0000-4000-8000-000000000000")
    assert str(missing) in blocking and "TLS verification failed" not in blocking
    assert str(missing) in deferred
    scenario(
        area="TLS",
        injected="ca_bundle names a file that does not exist",
        outcome="operator: AirflowFailException naming the ca_bundle path (a configuration error, not a TLS "
        "failure); trigger: one permanent error event naming the path",
    )
