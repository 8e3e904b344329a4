"""The floor of the triggerer benchmark: the same re-tests with no provider code at all.

A trigger written the shortest way: one shared ``httpx.AsyncClient`` and one token for the process,
``asyncio.sleep`` between tests, the event on the first 200. No retries, no error mapping, no masking,
no client pool. Run beside the provider's trigger in the same session, it shows what the event loop
and Python's collector cost whatever the trigger's code: late laps that the floor has too are not the
provider's to remove.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
from collections.abc import AsyncIterator
from typing import Any

import httpx
from airflow.triggers.base import BaseTrigger, TriggerEvent

_shared: dict[int, tuple[httpx.AsyncClient, asyncio.Future[str]]] = {}


def _settings(conn_id: str) -> dict[str, Any]:
    conn: dict[str, Any] = json.loads(os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"])
    return conn


async def _token(client: httpx.AsyncClient, settings: dict[str, Any]) -> str:
    reply = await client.post(
        settings["extra"]["iam_url"].rstrip("/") + "/identity/token",
        data={"grant_type": "urn:ibm:params:oauth:grant-type:apikey", "apikey": settings["password"]},
    )
    reply.raise_for_status()
    return str(reply.json()["access_token"])


def _client(conn_id: str) -> tuple[httpx.AsyncClient, asyncio.Future[str], str]:
    settings = _settings(conn_id)
    key = id(asyncio.get_running_loop())
    if key not in _shared:
        client = httpx.AsyncClient(limits=httpx.Limits(max_connections=128, max_keepalive_connections=32))
        _shared[key] = (client, asyncio.ensure_future(_token(client, settings)))
    client, token = _shared[key]
    return client, token, settings["host"].rstrip("/")


class FloorValidationTrigger(BaseTrigger):
    """Takes the provider trigger's arguments; uses only what a re-test needs."""

    def __init__(
        self,
        *,
        ibm_conn_id: str,
        scope_kind: str,
        scope_id: str,
        connection_id: str,
        poll_interval: float,
        **_: Any,
    ) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.ibm_conn_id = ibm_conn_id
        self.scope_kind = scope_kind
        self.scope_id = scope_id
        self.connection_id = connection_id
        self.poll_interval = poll_interval

    def serialize(self) -> tuple[str, dict[str, Any]]:
        return f"{__name__}.FloorValidationTrigger", {}

    async def run(self) -> AsyncIterator[TriggerEvent]:
        client, token, base = _client(self.ibm_conn_id)
        url = f"{base}/v2/connections/{self.connection_id}/actions/test"
        params = {self.scope_kind: self.scope_id}
        await asyncio.sleep(self.poll_interval * (1.0 - random.random()))  # the same spread as the provider
        while True:
            headers = {"Authorization": f"Bearer {await token}"}
            reply = await client.put(url, params=params, json={}, headers=headers)
            if reply.status_code == 200:
                yield TriggerEvent({"status": "success", "connection_id": self.connection_id})  # type: ignore[no-untyped-call]
                return
            await asyncio.sleep(self.poll_interval)
