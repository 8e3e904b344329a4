"""Connection operations: paging, filters, exact names, JSON Patch bodies, deletes, re-tests."""

from __future__ import annotations

import json
from urllib.parse import parse_qs, urlsplit

import pytest

from airflow_connections_provider.client import (
    AmbiguousNameError,
    ConnectionChanges,
    NotFoundError,
    Scope,
    ServerError,
    ValidationRefusedError,
)
from tests.support import payloads
from tests.support.payloads import HTTP_ID, POSTGRES_ID, PROJECT_ID
from tests.unit.client.conftest import API

SCOPE = Scope.project(PROJECT_ID)
CONNS = f"{API}/v2/connections"


def query(call) -> dict[str, list[str]]:
    return parse_qs(urlsplit(call.request.url).query)


@pytest.fixture
def types(mocked):
    mocked.get(f"{API}/v2/datasource_types/postgresql", json=payloads.postgres_type())
    mocked.get(f"{API}/v2/datasource_types/{POSTGRES_ID}", json=payloads.postgres_type())
    mocked.get(f"{API}/v2/datasource_types/http", json=payloads.http_type())
    mocked.get(f"{API}/v2/datasource_types/{HTTP_ID}", json=payloads.http_type())


def test_listing_follows_next_start_tokens_lazily(mocked, client):
    mocked.get(CONNS, json=payloads.page([payloads.connection("a", asset_id="1")], next_start="tok/2 &x"))
    mocked.get(CONNS, json=payloads.page([payloads.connection("b", asset_id="2")], next_start="tok3"))
    mocked.get(CONNS, json=payloads.page([payloads.connection("c", asset_id="3")]))

    walk = client.iter_connections(SCOPE)
    first = next(walk)
    assert first.name == "a" and len(mocked.calls) == 1  # nothing fetched beyond the first page yet

    rest = [c.name for c in walk]
    assert rest == ["b", "c"]
    starts = [query(c).get("start") for c in mocked.calls]
    assert starts == [None, ["tok/2 &x"], ["tok3"]]  # the token travels back exactly as received
    assert all(query(c)["project_id"] == [PROJECT_ID] for c in mocked.calls)


def test_a_page_token_that_repeats_stops_the_walk_instead_of_looping(mocked, client):
    mocked.get(CONNS, json=payloads.page([payloads.connection("a")], next_start="same"))
    with pytest.raises(Exception, match="repeated page token"):
        list(client.iter_connections(SCOPE))


def test_filters_are_sent_as_entity_parameters(mocked, client, types):
    mocked.get(CONNS, json=payloads.page([]))
    client.list_connections(
        SCOPE,
        name="My Conn",
        datasource_type="postgresql",
        properties={"host": "db"},
        context="source",
        flags=["parameterized", "personal_credentials"],
        creator="IBMid-1",
    )
    q = query(mocked.calls[-1])
    assert q["entity.name"] == ['"My Conn"']
    assert q["entity.datasource_type"] == [POSTGRES_ID]  # names resolved to the type id
    assert json.loads(q["entity.properties"][0]) == {"host": "db"}
    assert q["entity.context"] == ["source"]
    assert q["entity.flags"] == ["parameterized,personal_credentials"]
    assert q["metadata.creator"] == ["IBMid-1"]
    assert q["decrypt_secrets"] == ["false"]


def test_find_by_exact_name_ignores_near_names_the_service_may_return(mocked, client):
    mocked.get(
        CONNS,
        json=payloads.page(
            [payloads.connection("orders db", asset_id="1"), payloads.connection("orders", asset_id="2")]
        ),
    )
    found = client.find_connection(SCOPE, "orders")
    assert found is not None and found.id == "2"
    assert query(mocked.calls[0])["entity.name"] == ['"orders"']


def test_find_returns_none_when_absent_and_refuses_duplicates(mocked, client):
    mocked.get(CONNS, json=payloads.page([]))
    assert client.find_connection(SCOPE, "ghost") is None

    mocked.get(
        CONNS, json=payloads.page([payloads.connection("dup", asset_id="1"), payloads.connection("dup", asset_id="2")])
    )
    with pytest.raises(AmbiguousNameError) as caught:
        client.find_connection(SCOPE, "dup")
    assert caught.value.ids == ("1", "2")


def test_update_sends_one_json_patch_of_add_and_remove(mocked, client, types):
    conn = payloads.connection("db", properties={"host": "old", "port": 5432, "ssl_certificate": "PEM"})
    mocked.get(f"{CONNS}/c1", json=conn)
    mocked.patch(f"{CONNS}/c1", json=conn)

    client.update_connection(
        SCOPE,
        "c1",
        ConnectionChanges(
            name="db2",
            description="rotated",
            set_properties={"password": "n3w", "port": "6543", "host": "new"},
            remove_properties=["ssl_certificate"],
        ),
    )

    patch_call = mocked.calls[-1]
    assert patch_call.request.headers["Content-Type"].startswith("application/json-patch+json")
    assert query(patch_call)["test"] == ["true"]
    assert json.loads(patch_call.request.body) == [
        {"op": "add", "path": "/name", "value": "db2"},
        {"op": "add", "path": "/description", "value": "rotated"},
        {"op": "add", "path": "/properties/password", "value": "n3w"},
        {"op": "add", "path": "/properties/port", "value": 6543},  # templated "6543" sent as an integer
        {"op": "add", "path": "/properties/host", "value": "new"},
        {"op": "remove", "path": "/properties/ssl_certificate"},
    ]


def test_update_skips_removing_a_property_that_is_not_there(mocked, client, types):
    conn = payloads.connection("db", properties={"host": "h"})
    mocked.get(f"{CONNS}/c1", json=conn)
    mocked.patch(f"{CONNS}/c1", json=conn)
    client.update_connection(SCOPE, "c1", ConnectionChanges(remove_properties=["ssl_certificate"]), test=False)
    assert json.loads(mocked.calls[-1].request.body) == []
    assert query(mocked.calls[-1])["test"] == ["false"]


def test_property_names_are_escaped_as_json_pointers(mocked, client):
    from airflow_connections_provider.client.endpoints import build_patch

    ops = build_patch(ConnectionChanges(set_properties={"a/b~c": 1}, remove_properties=["x/y"]))
    assert [op["path"] for op in ops] == ["/properties/a~1b~0c", "/properties/x~1y"]


def test_an_update_replayed_after_an_ambiguous_failure_does_not_remove_twice(mocked, client, types):
    before = payloads.connection("db", properties={"host": "h", "ssl_certificate": "PEM"})
    after = payloads.connection("db", properties={"host": "h"})
    mocked.get(f"{CONNS}/c1", json=before)
    mocked.patch(f"{CONNS}/c1", status=503, json=payloads.error("unavailable", "saved, then failed"))
    mocked.get(f"{CONNS}/c1", json=after)  # the first PATCH did land
    mocked.patch(f"{CONNS}/c1", json=after)

    client.update_connection(SCOPE, "c1", ConnectionChanges(remove_properties=["ssl_certificate"]), test=False)

    patches = [json.loads(c.request.body) for c in mocked.calls if c.request.method == "PATCH"]
    assert patches == [[{"op": "remove", "path": "/properties/ssl_certificate"}], []]


def test_a_refused_live_test_is_a_validation_error_and_is_not_retried(mocked, client, types, sleeps):
    conn = payloads.connection("db")
    mocked.get(f"{CONNS}/c1", json=conn)
    mocked.patch(
        f"{CONNS}/c1",
        status=400,
        json=payloads.error("connection_test_failed", "password authentication failed", trace="tr-v"),
    )
    with pytest.raises(ValidationRefusedError) as caught:
        client.update_connection(SCOPE, "c1", ConnectionChanges(set_properties={"password": "wrong-pass"}))
    assert "password authentication failed" in str(caught.value) and "tr-v" in str(caught.value)
    assert "wrong-pass" not in str(caught.value)
    assert sleeps.waits == []


def test_delete_missing_ok(mocked, client):
    mocked.delete(f"{CONNS}/c1", status=204)
    mocked.delete(f"{CONNS}/c1", status=404, json=payloads.error("not_found", "gone"))
    assert client.delete_connection(SCOPE, "c1") is True
    assert client.delete_connection(SCOPE, "c1", missing_ok=True) is False
    with pytest.raises(NotFoundError):
        client.delete_connection(SCOPE, "c1")


def test_a_delete_that_landed_before_its_reply_was_lost_counts_as_done(mocked, client):
    mocked.delete(f"{CONNS}/c1", status=502)
    mocked.delete(f"{CONNS}/c1", status=404, json=payloads.error("not_found", "gone"))
    assert client.delete_connection(SCOPE, "c1") is True


def test_server_error_on_a_read_after_retries(mocked, make_client):
    from airflow_connections_provider.client import RetryPolicy

    mocked.get(f"{CONNS}/c1", status=500)
    with pytest.raises(Exception) as caught:
        make_client(retry=RetryPolicy(retry_limit=2)).get_connection(SCOPE, "c1")
    assert isinstance(caught.value.__cause__, ServerError)


def test_connection_repr_shows_property_names_never_values():
    from airflow_connections_provider.client import Connection

    conn = Connection.from_api(payloads.connection("db", properties={"host": "h", "password": "s3cr3t"}))
    assert "s3cr3t" not in repr(conn) and "password" in repr(conn)
    changes = ConnectionChanges(set_properties={"password": "s3cr3t"})
    assert "s3cr3t" not in repr(changes) and "properties.password" in repr(changes)
