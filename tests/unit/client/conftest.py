from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from airflow_connections_provider.client import AuthType, ClientConfig, ConnectionsClient, Credentials, RetryPolicy

API = "https://api.test"
IAM = "https://iam.test"


class FakeClock:
    def __init__(self, now: float = 1_800_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class RecordingSleep:
    """Stands in for time.sleep: records each wait instead of spending it."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def sleeps() -> RecordingSleep:
    return RecordingSleep()


def make_config(auth: AuthType = AuthType.BEARER_TOKEN, **overrides: object) -> ClientConfig:
    creds = {
        AuthType.BEARER_TOKEN: Credentials(AuthType.BEARER_TOKEN, token="static-token"),
        AuthType.IAM_API_KEY: Credentials(AuthType.IAM_API_KEY, api_key="secret-api-key", iam_url=IAM),
        AuthType.CP4D_PASSWORD: Credentials(AuthType.CP4D_PASSWORD, username="admin", password="pa55word!"),
        AuthType.CP4D_API_KEY: Credentials(AuthType.CP4D_API_KEY, username="admin", api_key="cpd-api-key"),
        AuthType.ZEN_API_KEY: Credentials(AuthType.ZEN_API_KEY, username="admin", api_key="zen-api-key"),
    }[auth]
    kwargs: dict = {"credentials": creds, "base_url": API, "retry": RetryPolicy(retry_limit=4, retry_delay=1.0)}
    kwargs.update(overrides)
    return ClientConfig(**kwargs)


@pytest.fixture
def make_client(sleeps: RecordingSleep, clock: FakeClock):
    made: list[ConnectionsClient] = []

    def factory(
        auth: AuthType = AuthType.BEARER_TOKEN, *, retry_args: object = None, **overrides: object
    ) -> ConnectionsClient:
        config = make_config(auth, **overrides)
        client = ConnectionsClient(config, retry_args=retry_args, sleep=sleeps, clock=clock)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield factory
    for client in made:
        client.close()


@pytest.fixture
def client(make_client) -> ConnectionsClient:
    return make_client()
