"""Project names resolve by exact match only; a miss lists near matches."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_connections_provider.client import AmbiguousNameError, ProjectNotFoundError
from tests.support import payloads
from tests.unit.client.conftest import API

PROJECTS = f"{API}/v2/projects"
ID1 = "11111111-1111-4111-8111-111111111111"
ID2 = "22222222-2222-4222-8222-222222222222"


def test_name_resolves_by_exact_match_among_partial_matches(mocked, client):
    mocked.get(PROJECTS, json={"resources": [payloads.project("sales-eu", ID1), payloads.project("sales", ID2)]})
    assert client.resolve_project("sales").id == ID2
    assert parse_qs(urlsplit(mocked.calls[0].request.url).query)["name"] == ["sales"]


def test_an_id_is_read_directly(mocked, client):
    mocked.get(f"{PROJECTS}/{ID1}", json=payloads.project("anything", ID1))
    assert client.resolve_project(ID1).name == "anything"
    assert len(mocked.calls) == 1


def test_a_miss_names_near_matches(mocked, client):
    mocked.get(PROJECTS, json={"resources": [payloads.project("Sales", ID1), payloads.project("sales-eu", ID2)]})
    with pytest.raises(ProjectNotFoundError) as caught:
        client.resolve_project("sales")
    assert caught.value.near_matches[0] == "Sales"  # same name in another case comes first
    assert "'Sales'" in str(caught.value) and "exact name or the project id" in str(caught.value)


def test_a_miss_with_no_partial_match_suggests_from_all_projects(mocked, client):
    mocked.get(PROJECTS, json={"resources": []})
    mocked.get(PROJECTS, json={"resources": [payloads.project("marketing", ID1)]})
    with pytest.raises(ProjectNotFoundError) as caught:
        client.resolve_project("marketting")
    assert caught.value.near_matches == ("marketing",)


def test_two_projects_with_the_same_name_are_ambiguous(mocked, client):
    mocked.get(PROJECTS, json={"resources": [payloads.project("x", ID1), payloads.project("x", ID2)]})
    with pytest.raises(AmbiguousNameError) as caught:
        client.resolve_project("x")
    assert set(caught.value.ids) == {ID1, ID2}


def test_project_listing_follows_bookmarks(mocked, client):
    mocked.get(PROJECTS, json={"resources": [payloads.project("a", ID1)], "bookmark": "bm-2"})
    mocked.get(PROJECTS, json={"resources": [payloads.project("b", ID2)]})
    assert [p.name for p in client.iter_projects()] == ["a", "b"]
    assert parse_qs(urlsplit(mocked.calls[1].request.url).query)["bookmark"] == ["bm-2"]


def test_datasource_types_follow_offset_pages(mocked, client):
    base = f"{API}/v2/datasource_types"
    mocked.get(
        base,
        json={"total_count": 2, "resources": [payloads.postgres_type()], "next": {"href": f"{base}?offset=1&limit=1"}},
    )
    mocked.get(base, json={"total_count": 2, "resources": [payloads.http_type()]})
    types = client.list_datasource_types()
    assert [t.name for t in types] == ["postgresql", "http"]
    assert types[0].required_properties == ("host", "port", "database", "username", "password")
    assert types[0].secret_properties == frozenset({"password"})
