"""The async client shares the sync client's requests, error mapping and auth; it makes one attempt per call.

Driven through httpx's MockTransport: a real httpx client, no patching.
"""

from __future__ import annotations

import json

import httpx
import pytest

from airflow_connections_provider.client import (
    AsyncConnectionsClient,
    AuthType,
    BadRequestError,
    NotFoundError,
    RateLimitedError,
    Scope,
    ServerError,
    TransportError,
    ValidationRefusedError,
    async_transport,
    is_temporary,
)
from airflow_connections_provider.client.async_transport import AsyncTransport
from tests.contract import real_replies
from tests.support import payloads
from tests.unit.client.conftest import IAM, make_config

SCOPE = Scope.project(payloads.PROJECT_ID)


def make(handler, auth=AuthType.IAM_API_KEY, **overrides):
    config = make_config(auth, **overrides)
    transport = AsyncTransport(config, client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    return AsyncConnectionsClient(config, transport=transport)


def reply(real: real_replies.RealReply) -> httpx.Response:
    return httpx.Response(real.status, json=real.json(), headers=dict(real.headers))


async def test_test_connection_runs_the_test_action_with_a_bearer_token():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/identity/token":
            return httpx.Response(200, json=payloads.iam_token("async-tok"))
        return reply(real_replies.action_test_passed())

    client = make(handler)
    async with client:
        assert await client.test_connection(SCOPE, "c1") is None

    token_req, test_req = seen
    assert str(token_req.url) == f"{IAM}/identity/token"
    assert test_req.method == "PUT" and test_req.url.path == "/v2/connections/c1/actions/test"
    assert dict(test_req.url.params) == {"project_id": payloads.PROJECT_ID}
    assert json.loads(test_req.content) == {}
    assert test_req.headers["Authorization"] == "Bearer async-tok"
    assert test_req.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize(
    ("real", "error"),
    [
        pytest.param(real_replies.refused_by_data_source(), ValidationRefusedError, id="400-refused-test"),
        pytest.param(real_replies.action_test_output_failed(), ValidationRefusedError, id="200-output-failed"),
        pytest.param(real_replies.bad_parameter(), BadRequestError, id="400-rejected-parameter"),
        pytest.param(real_replies.not_found(), NotFoundError, id="404"),
    ],
)
async def test_test_action_outcomes_map_like_the_sync_client(real, error):
    client = make(lambda request: reply(real), auth=AuthType.BEARER_TOKEN)
    async with client:
        with pytest.raises(error) as caught:
            await client.test_connection(SCOPE, "c1")
    assert type(caught.value) is error  # a rejected request is not "refused by the data source"


@pytest.mark.parametrize(
    ("failure", "error"),
    [
        pytest.param(httpx.ConnectError("refused"), TransportError, id="connection-refused"),
        pytest.param(httpx.Response(503, json=payloads.error("unavailable", "down")), ServerError, id="503"),
        pytest.param(
            httpx.Response(429, headers={"Retry-After": "7"}, json=payloads.error("too_many_requests", "slow")),
            RateLimitedError,
            id="429",
        ),
    ],
)
async def test_a_transient_failure_is_one_attempt_raised_as_is(failure, error):
    """No retry loop inside: the trigger's poll loop is the retry loop (it tests again at its next poll,
    after the Retry-After it was given), so a waiting trigger keeps no retry state."""
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if isinstance(failure, Exception):
            raise failure
        return failure

    client = make(handler, auth=AuthType.BEARER_TOKEN)
    async with client:
        with pytest.raises(error) as caught:
            await client.get_connection(SCOPE, "c1")
    assert calls == 1
    assert is_temporary(caught.value)
    if isinstance(caught.value, RateLimitedError):
        assert caught.value.retry_after == 7.0


async def test_a_401_renews_the_token_once():
    tokens = iter(["old", "new"])
    auths: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/identity/token":
            return httpx.Response(200, json=payloads.iam_token(next(tokens)))
        auths.append(request.headers["Authorization"])
        if request.headers["Authorization"] == "Bearer old":
            return httpx.Response(401, json=payloads.error("invalid_token", "expired"))
        return httpx.Response(200, json={"service_name": "connections", "version": "2"})

    client = make(handler)
    async with client:
        assert (await client.version()).version == "2"
    assert auths == ["Bearer old", "Bearer new"]


async def test_async_on_secret_is_awaited():
    masked: list[str] = []

    async def amask(value: str) -> None:
        masked.append(value)

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/identity/token":
            return httpx.Response(200, json=payloads.iam_token("mask-me-please"))
        return httpx.Response(200, json={"service_name": "connections", "version": "2"})

    client = make(handler, on_secret=amask)
    async with client:
        await client.version()
    assert masked == ["mask-me-please"]


@pytest.mark.parametrize("pool_size", [1, 6, async_transport.POOL_SIZE])
async def test_the_in_flight_cap_is_the_pool_size(monkeypatch, pool_size):
    """A request holding the semaphore always finds a free connection: none ever queues inside httpx's
    pool, whose bookkeeping grows quadratic with the requests waiting there (the triggerer's collapse)."""
    monkeypatch.setattr(async_transport, "POOL_SIZE", pool_size)
    transport = AsyncTransport(make_config(AuthType.IAM_API_KEY))
    try:
        pool = transport._client._transport._pool  # httpx -> httpcore: the limits actually in force
        assert pool._max_connections == pool_size
        assert pool._max_keepalive_connections <= pool_size
        assert transport._in_flight._value == pool_size
    finally:
        await transport.aclose()


def test_the_cap_keeps_a_crowd_of_triggers_on_its_cadence():
    """2,000 triggers polling every 20 s send 100 tests a second; with replies slowed to 1 s they need
    100 requests in flight, or their polls queue for tens of seconds."""
    assert async_transport.POOL_SIZE >= 2000 / 20 * 1.0
    assert async_transport.in_flight_cap(async_transport.pool_limits()) == async_transport.POOL_SIZE


def test_a_pool_without_a_limit_is_refused_for_the_cap():
    with pytest.raises(ValueError, match="connection limit"):
        async_transport.in_flight_cap(httpx.Limits(max_connections=None))
