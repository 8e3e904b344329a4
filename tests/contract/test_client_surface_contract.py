"""The client fed IBM's reply shapes beyond a connection's own paths (``ibm_surface_replies``: recorded
projects without ``storage.properties``, the projects error shape, catalogs, spaces, a connection's
actions) through a fake transport (``responses``: a real requests Session), checking what it sends and
what it parses."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from responses import matchers

from airflow_connections_provider.client import (
    AuthenticationError,
    AuthType,
    BadRequestError,
    ClientConfig,
    ConnectionsClient,
    Credentials,
    NotFoundError,
    RetryPolicy,
    Scope,
)
from tests.contract import ibm_surface_replies as surface
from tests.contract import real_replies as real

API = "https://api.contract.test"


@pytest.fixture
def mocked() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def client() -> Iterator[ConnectionsClient]:
    config = ClientConfig(
        Credentials(AuthType.BEARER_TOKEN, token="contract-token"), base_url=API, retry=RetryPolicy(retry_limit=1)
    )
    with ConnectionsClient(config, sleep=lambda _: None) as made:
        yield made


def reply(mocked: responses.RequestsMock, path: str, body: Any, *, status: int = 200, **query: str) -> None:
    match = [matchers.query_param_matcher(query, strict_match=False)] if query else []
    mocked.add("GET", API + path, json=body, status=status, match=match)


def queries(mocked: responses.RequestsMock) -> list[tuple[str, dict[str, str]]]:
    out = []
    for call in mocked.calls:
        url = urlsplit(call.request.url)
        out.append((url.path, {k: v[0] for k, v in parse_qs(url.query).items()}))
    return out


def test_a_recorded_project_without_storage_properties_parses(client, mocked):
    body = surface.project()
    assert "properties" not in body["entity"]["storage"]
    reply(mocked, f"/v2/projects/{real.PROJECT_ID}", body)
    project = client.get_project(real.PROJECT_ID)
    assert (project.id, project.name) == (real.PROJECT_ID, body["entity"]["name"])


@pytest.mark.parametrize(
    ("status", "error"), [(404, NotFoundError), (400, BadRequestError), (401, AuthenticationError)]
)
def test_the_projects_error_shape_gives_its_reason(client, mocked, status, error):
    body = surface.projects_error(status)
    reply(mocked, f"/v2/projects/{real.PROJECT_ID}", body, status=status)
    with pytest.raises(error) as caught:
        client.get_project(real.PROJECT_ID)
    message = str(caught.value)
    assert caught.value.status == status
    assert body["reason"] in message and body["message"] in message  # what went wrong, not only "Not Found"


def test_catalogs_page_by_bookmark_and_resolve_by_exact_name(client, mocked):
    first = surface.catalogs_page()
    other = json.loads(json.dumps(surface.catalog()).replace(surface.CATALOG_ID, "c2").replace("Test Catalog", "Other"))
    reply(
        mocked,
        "/v2/catalogs",
        {"catalogs": [other], "nextBookmark": "b2", "nextSkip": 0},
        bookmark=first["nextBookmark"],
    )
    reply(mocked, "/v2/catalogs", {"catalogs": [], "nextBookmark": "b3", "nextSkip": 0}, bookmark="b2")
    reply(mocked, "/v2/catalogs", first, limit="25")
    assert [c.id for c in client.iter_catalogs()] == [surface.CATALOG_ID, "c2"]
    sent = queries(mocked)
    assert sent[0] == ("/v2/catalogs", {"limit": "25"})
    assert [q.get("bookmark") for _, q in sent] == [None, first["nextBookmark"], "b2"]  # an empty page ends it


def test_a_catalog_id_is_read_from_metadata_guid(client, mocked):
    reply(mocked, f"/v2/catalogs/{surface.CATALOG_ID}", surface.catalog())
    catalog = client.resolve_catalog(surface.CATALOG_ID)
    assert (catalog.id, catalog.name) == (surface.CATALOG_ID, "Test Catalog")


def test_spaces_filter_by_name_follow_a_relative_next_and_read_metadata_id(client, mocked):
    second = surface.spaces_page()
    second["resources"][0]["metadata"]["id"] = "s2"
    reply(mocked, "/v2/spaces", second, start="tok2")
    reply(mocked, "/v2/spaces", surface.spaces_page(next_start="tok2"), name="Test Space")
    with pytest.raises(Exception, match="2 spaces are named 'Test Space'"):
        client.resolve_space("Test Space")
    sent = queries(mocked)
    assert sent[0] == ("/v2/spaces", {"limit": "100", "name": "Test Space"})
    assert sent[1][1]["start"] == "tok2" and urlsplit(mocked.calls[1].request.url).netloc == "api.contract.test"


def test_a_space_by_id(client, mocked):
    reply(mocked, f"/v2/spaces/{surface.SPACE_ID}", surface.space())
    space = client.resolve_space(surface.SPACE_ID)
    assert (space.id, space.name, space.state) == (surface.SPACE_ID, "Test Space", "active")


def test_the_recorded_actions_listing_parses(client, mocked):
    reply(mocked, f"/v2/connections/{real.CONNECTION_ID}/actions", surface.connection_actions())
    (action,) = client.list_actions(Scope.space(surface.SPACE_ID), real.CONNECTION_ID)
    assert action.name == "get_record_count"
    assert [p.name for p in action.inputs] == ["schema_name", "table_name"]
    assert [p.name for p in action.outputs] == ["record_count"]
    assert queries(mocked) == [(f"/v2/connections/{real.CONNECTION_ID}/actions", {"space_id": surface.SPACE_ID})]
