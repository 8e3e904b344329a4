"""The async client shares the sync client's requests, error mapping, auth and retry decisions.

Driven through httpx's MockTransport: a real httpx client, no patching.
"""

from __future__ import annotations

import json

import httpx
import pytest

from airflow_connections_provider.client import (
    AsyncConnectionsClient,
    AuthType,
    NotFoundError,
    RetriesExhaustedError,
    Scope,
    ValidationRefusedError,
)
from airflow_connections_provider.client.async_transport import AsyncTransport
from tests.support import payloads
from tests.unit.client.conftest import API, IAM, make_config

SCOPE = Scope.project(payloads.PROJECT_ID)


def make(handler, auth=AuthType.IAM_API_KEY, **overrides):
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    config = make_config(auth, **overrides)
    transport = AsyncTransport(config, client=httpx.AsyncClient(transport=httpx.MockTransport(handler)), sleep=sleep)
    return AsyncConnectionsClient(config, transport=transport), waits


async def test_validate_sends_an_empty_patch_with_test_true_and_a_bearer_token():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/identity/token":
            return httpx.Response(200, json=payloads.iam_token("async-tok"))
        return httpx.Response(200, json=payloads.connection("db", asset_id="c1"))

    client, _ = make(handler)
    async with client:
        conn = await client.validate_connection(SCOPE, "c1")

    assert conn.id == "c1"
    token_req, patch_req = seen
    assert str(token_req.url) == f"{IAM}/identity/token"
    assert patch_req.method == "PATCH" and str(patch_req.url).startswith(f"{API}/v2/connections/c1?")
    assert patch_req.url.params["test"] == "true"
    assert json.loads(patch_req.content) == []
    assert patch_req.headers["Authorization"] == "Bearer async-tok"
    assert patch_req.headers["Content-Type"].startswith("application/json-patch+json")


async def test_refusal_and_not_found_map_like_the_sync_client():
    replies = iter(
        [
            httpx.Response(400, json=payloads.error("connection_test_failed", "refused", trace="a-1")),
            httpx.Response(404, json=payloads.error("not_found", "gone")),
        ]
    )
    client, waits = make(lambda request: next(replies), auth=AuthType.BEARER_TOKEN)
    async with client:
        with pytest.raises(ValidationRefusedError, match="a-1"):
            await client.validate_connection(SCOPE, "c1")
        with pytest.raises(NotFoundError):
            await client.validate_connection(SCOPE, "c1")
    assert waits == []


async def test_transient_errors_are_retried_with_async_sleeps_then_give_up():
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise httpx.ConnectError("refused")
        return httpx.Response(503, headers={"Retry-After": "2"}, json=payloads.error("unavailable", "down"))

    client, waits = make(handler, auth=AuthType.BEARER_TOKEN)
    async with client:
        with pytest.raises(RetriesExhaustedError):
            await client.get_connection(SCOPE, "c1")
    assert calls == 4 and len(waits) == 3


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

    client, _ = make(handler)
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

    client, _ = make(handler, on_secret=amask)
    async with client:
        await client.version()
    assert masked == ["mask-me-please"]
