"""Each auth kind with token expiry, and each fault kind, against the emulator over real HTTP."""

from __future__ import annotations

import threading
import time

import pytest

from airflow_connections_provider.client import (
    AuthenticationError,
    AuthType,
    RetriesExhaustedError,
    RetryPolicy,
    Scope,
    TransportError,
)
from airflow_connections_provider.emulator import run_emulator
from tests.integration.conftest import pg_properties

AUTH_KINDS = [pytest.param(kind, id=kind.value) for kind in AuthType]


@pytest.mark.parametrize("auth", AUTH_KINDS)
def test_every_auth_kind_reaches_the_api(make_client, emu, auth):
    if auth is AuthType.AWS_API_KEY:
        import requests

        probe = requests.post(f"{emu.url}/api/rest/mcsp/apikeys/token", data={"apikey": "x"}, timeout=10)
        if probe.status_code in (404, 405):
            pytest.skip("this emulator does not serve the AWS deployment's token exchange yet")
    assert make_client(auth).version().version


@pytest.mark.parametrize("auth", [AuthType.IAM_API_KEY, AuthType.CP4D_PASSWORD, AuthType.CP4D_API_KEY])
def test_tokens_are_reused_then_renewed_ahead_of_expiry(make_client, auth):
    """Tokens live 6 s here: reused at first, renewed once less than the 5 s lead is left."""

    def exchanges(handle) -> int:
        return handle.requests_count("POST", "/identity/token") + handle.requests_count(
            "POST", "/icp4d-api/v1/authorize"
        )

    with run_emulator(projects=["p"], token_ttl=6) as short:
        client = make_client(auth, handle=short)
        client.version()
        client.version()
        assert exchanges(short) == 1
        time.sleep(1.2)
        client.version()
        assert exchanges(short) == 2


def test_a_revoked_token_triggers_one_reauthentication(make_client, emu):
    client = make_client(AuthType.IAM_API_KEY)
    client.version()
    emu.revoke_tokens()
    client.version()
    assert emu.requests_count("POST", "/identity/token") == 2
    statuses = [entry["status"] for entry in emu.request_log() if entry["path"] == "/v2/connections/version"]
    assert statuses == [200, 401, 200]


def test_wrong_credentials_fail_without_retrying(make_client, emu):
    from airflow_connections_provider.client import ClientConfig, ConnectionsClient, Credentials

    bad = Credentials(AuthType.IAM_API_KEY, api_key="not-a-key", iam_url=emu.url)
    with ConnectionsClient(ClientConfig(bad, base_url=emu.url)) as client, pytest.raises(AuthenticationError) as caught:
        client.version()
    assert "not-a-key" not in str(caught.value)
    assert emu.requests_count("POST", "/identity/token") == 1


def test_an_unknown_static_token_is_refused(emu):
    from airflow_connections_provider.client import ClientConfig, ConnectionsClient, Credentials

    creds = Credentials(AuthType.BEARER_TOKEN, token="never-issued")
    with ConnectionsClient(ClientConfig(creds, base_url=emu.url)) as client, pytest.raises(AuthenticationError):
        client.version()


@pytest.fixture
def sales(emu) -> Scope:
    return Scope.project(emu.project_id("sales"))


def create_orders(client, sales, pg_source, name="orders"):
    return client.create_connection(sales, name=name, datasource_type="postgresql", properties=pg_properties(pg_source))


@pytest.mark.parametrize(
    ("kind", "status"),
    [
        pytest.param("status", 503, id="503-after-saving"),
        pytest.param("status", 500, id="500-after-saving"),
        pytest.param("drop", 500, id="dropped-after-saving"),
    ],
)
def test_ambiguous_create_failures_leave_exactly_one_connection(client, emu, sales, pg_source, kind, status):
    emu.script_fault("POST", "/v2/connections", kind=kind, status=status, count=2, when="after")
    conn = create_orders(client, sales, pg_source)
    stored = emu.stored_connections("sales")
    assert [c["metadata"]["asset_id"] for c in stored] == [conn.id]
    assert emu.requests_count("POST", "/v2/connections") == 1  # the lookup found it: no second POST


def test_failures_before_saving_are_retried_until_the_create_lands(client, emu, sales, pg_source):
    emu.script_fault("POST", "/v2/connections", status=503, count=2, when="before")
    conn = create_orders(client, sales, pg_source)
    assert [c["metadata"]["asset_id"] for c in emu.stored_connections("sales")] == [conn.id]
    assert emu.requests_count("POST", "/v2/connections") == 3


def test_429_retry_after_is_honoured(make_client, emu):
    emu.script_fault("GET", "/v2/connections/version", status=429, retry_after=1, count=1)
    client = make_client(retry=RetryPolicy(retry_limit=3, retry_delay=0.01, max_retry_wait=5))
    started = time.monotonic()
    client.version()
    assert time.monotonic() - started >= 1.0  # waited what the service asked, not the 10 ms backoff


def test_rate_limit_is_survived(make_client, pg_source):
    with run_emulator(projects=["p"], rate_limit=5) as limited:
        client = make_client(handle=limited, retry=RetryPolicy(retry_limit=11, retry_delay=0.01, max_retry_wait=2))
        for _ in range(12):
            client.version()
        assert limited.requests_count("GET", "/v2/connections/version") > 12  # some were refused with 429


def test_a_slow_reply_hits_the_read_timeout(make_client, emu):
    emu.script_fault("GET", "/v2/connections/version", kind="delay", delay_s=2, count=5)
    client = make_client(timeout=0.5, retry=RetryPolicy(retry_limit=2, retry_delay=0.01, max_retry_wait=0.01))
    with pytest.raises(RetriesExhaustedError) as caught:
        client.version()
    assert isinstance(caught.value.last_error, TransportError)
    assert caught.value.last_error.reason == "no reply within 0.5 s"


def test_latency_is_added(make_client):
    with run_emulator(projects=["p"], latency_ms=200) as slow:
        client = make_client(handle=slow)
        client.version()
        started = time.monotonic()
        client.version()
        assert time.monotonic() - started >= 0.2


def test_random_faults_at_20_percent_lose_nothing_and_duplicate_nothing(make_client, pg_source):
    """40 creates from 4 threads while one reply in five fails (429, 5xx before or after saving,
    dropped connections): every connection lands exactly once."""
    with run_emulator(
        projects=["p"], fault_rate=0.2, fault_seed=7, fault_kinds=["500", "502", "503", "429", "drop"]
    ) as chaos:
        client = make_client(handle=chaos, retry=RetryPolicy(retry_limit=11, retry_delay=0.01, max_retry_wait=0.05))
        scope = Scope.project(chaos.project_id("p"))
        client.get_datasource_type("postgresql")
        names = [f"conn-{i:02d}" for i in range(40)]
        errors: list[BaseException] = []

        def work(chunk: list[str]) -> None:
            for name in chunk:
                try:
                    create_orders(client, scope, pg_source, name=name)
                except BaseException as exc:
                    errors.append(exc)

        threads = [threading.Thread(target=work, args=(names[i::4],)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stored = sorted(c["entity"]["name"] for c in chaos.stored_connections("p"))
        faults = [e for e in chaos.request_log() if e.get("fault")]

    assert errors == []
    assert stored == names  # none lost, none twice
    assert len(faults) >= 10  # the chaos really happened
