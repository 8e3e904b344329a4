"""The dependents check fed IBM's reply shapes: what the client sends to IBM's asset search, how it pages,
and what it reads. Fixtures: ``ibm_surface_replies.data_asset_search`` ([R] ``assetTypes/findAssetsByType``
with [O] ``Catalog_Search.include`` and ``next``). Fake transport (``responses``), real requests Session."""

from __future__ import annotations

import json

import responses

from airflow_connections_provider.client import (
    AuthType,
    ClientConfig,
    ConnectionsClient,
    Credentials,
    Dependent,
    RetryPolicy,
    Scope,
)
from tests.contract import ibm_surface_replies as surface
from tests.contract import real_replies as real

API = "https://api.contract.test"
SEARCH = f"{API}/v2/asset_types/data_asset/search"


def test_the_check_walks_every_page_and_filters_attachments_on_this_side():
    first = surface.data_asset_search(include_entity=True, bookmark="g1AAAXbookmark")
    unrelated = surface.data_asset_search(include_entity=True)
    unrelated["results"][0]["attachments"][0]["connection_id"] = "another-connection"
    config = ClientConfig(
        Credentials(AuthType.BEARER_TOKEN, token="contract-token"), base_url=API, retry=RetryPolicy(retry_limit=1)
    )
    with responses.RequestsMock() as mocked:
        mocked.post(SEARCH, json=first)
        mocked.post(SEARCH, json=unrelated)
        with ConnectionsClient(config) as client:
            found = client.find_dependents(Scope.project(real.PROJECT_ID), [real.CONNECTION_ID])
        sent = [(c.request.url.split("?", 1)[1], json.loads(c.request.body)) for c in mocked.calls]

    assert found == {
        real.CONNECTION_ID: (Dependent(surface.DATA_ASSET_ID, "test_file.csv", "data_asset", real.CONNECTION_ID),)
    }
    assert sent == [
        (f"project_id={real.PROJECT_ID}", {"query": "*:*", "limit": 200, "include": "entity,attachments"}),
        (f"project_id={real.PROJECT_ID}", first["next"]),  # IBM: resend whatever `next` holds
    ]
