"""Integration tests: the provider's client, hook, operators, sensor and trigger against the emulator
over real HTTP on loopback. The emulator fixtures come from the package's own pytest plugin, the way
users' DAG tests get them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_connections_provider.client import AuthType, ClientConfig, ConnectionsClient, Credentials, RetryPolicy
from airflow_connections_provider.emulator import EmulatorHandle, EmulatorSettings
from tests.support.datasources import TcpDataSource

#: Retries stay real but short: a test never waits seconds for a backoff.
FAST_RETRY = RetryPolicy(retry_limit=6, retry_delay=0.01, max_retry_wait=0.2)
SECRET = "Int3gration-Secret!"  # distinctive: a leak is easy to find in any output


@pytest.fixture(scope="session")
def ibm_emulator_session_settings() -> EmulatorSettings:
    return EmulatorSettings(projects=("sales", "sales-eu", "marketing"), static_tokens=("static-token-abc",))


@pytest.fixture
def emu(ibm_emulator_session: EmulatorHandle) -> EmulatorHandle:
    return ibm_emulator_session


def credentials_for(emu: EmulatorHandle, auth: AuthType) -> Credentials:
    user, password = emu.user
    return {
        AuthType.IAM_API_KEY: Credentials(AuthType.IAM_API_KEY, api_key=emu.api_key, iam_url=emu.url),
        AuthType.CP4D_PASSWORD: Credentials(AuthType.CP4D_PASSWORD, username=user, password=password),
        AuthType.CP4D_API_KEY: Credentials(AuthType.CP4D_API_KEY, username=user, api_key=emu.api_key),
        AuthType.ZEN_API_KEY: Credentials(AuthType.ZEN_API_KEY, username=user, api_key=emu.api_key),
        AuthType.BEARER_TOKEN: Credentials(AuthType.BEARER_TOKEN, token="static-token-abc"),
        # The AWS deployment's exchange, at the emulator (its URL cannot be derived from a loopback host).
        AuthType.AWS_API_KEY: Credentials(
            AuthType.AWS_API_KEY, api_key=emu.api_key, iam_url=f"{emu.url}/api/rest/mcsp/apikeys/token"
        ),
    }[auth]


@pytest.fixture
def make_client(emu: EmulatorHandle) -> Iterator[Callable[..., ConnectionsClient]]:
    made: list[ConnectionsClient] = []

    def factory(
        auth: AuthType = AuthType.IAM_API_KEY, *, handle: EmulatorHandle | None = None, **config: Any
    ) -> ConnectionsClient:
        target = handle or emu
        options: dict[str, Any] = {"retry": FAST_RETRY, "timeout": 10.0}
        options.update(config)
        client = ConnectionsClient(ClientConfig(credentials_for(target, auth), base_url=target.url, **options))
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def client(make_client: Callable[..., ConnectionsClient]) -> ConnectionsClient:
    return make_client()


@pytest.fixture
def pg_source() -> Iterator[TcpDataSource]:
    with TcpDataSource() as source:
        yield source


def pg_properties(source: TcpDataSource, **overrides: Any) -> dict[str, Any]:
    return {
        "host": source.host,
        "port": source.port,
        "database": "orders",
        "username": "etl",
        "password": SECRET,
        **overrides,
    }


@pytest.fixture
def airflow_conn(emu: EmulatorHandle, monkeypatch: pytest.MonkeyPatch) -> str:
    """``ibm_data_platform_default`` pointing at the emulator (IAM API key, default project "sales")."""
    conn = {
        "conn_type": "ibmdataplatform",
        "host": emu.url,
        "password": emu.api_key,
        "extra": {
            "auth_type": "iam_api_key",
            "iam_url": emu.url,
            "project": "sales",
            "retry_limit": FAST_RETRY.retry_limit,
            "retry_delay": FAST_RETRY.retry_delay,
            "max_retry_wait": FAST_RETRY.max_retry_wait,
        },
    }
    monkeypatch.setenv("AIRFLOW_CONN_IBM_DATA_PLATFORM_DEFAULT", json.dumps(conn))
    return "ibm_data_platform_default"
