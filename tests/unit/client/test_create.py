"""Creates: checked before anything is sent, and never duplicated by a retry."""

from __future__ import annotations

import json

import pytest
import requests

from airflow_connections_provider.client import (
    InvalidInputError,
    RetriesExhaustedError,
    Scope,
    UnknownDatasourceTypeError,
    ValidationRefusedError,
    check_new_connection,
)
from tests.support import payloads
from tests.support.payloads import POSTGRES_ID, PROJECT_ID
from tests.unit.client.conftest import API

SCOPE = Scope.project(PROJECT_ID)
CONNS = f"{API}/v2/connections"
GOOD = {"host": "db.example.com", "port": 5432, "database": "orders", "username": "etl", "password": "pw-123456"}
VISIBLE = {k: v for k, v in GOOD.items() if k != "password"}  # what a read shows: never the secret


@pytest.fixture(autouse=True)
def postgres(mocked):
    mocked.get(f"{API}/v2/datasource_types/postgresql", json=payloads.postgres_type())


def posts(mocked) -> list:
    return [c for c in mocked.calls if c.request.method == "POST"]


def create(client, **overrides):
    kwargs = {"name": "orders", "datasource_type": "postgresql", "properties": GOOD}
    kwargs.update(overrides)
    return client.create_connection(SCOPE, **kwargs)


def test_create_sends_the_type_id_and_normalised_properties(mocked, client):
    mocked.post(CONNS, status=201, json=payloads.connection("orders", asset_id="new-1"))
    conn = create(client, properties={**GOOD, "port": "5432", "ssl": "true"}, description="d")

    assert conn.id == "new-1"
    body = json.loads(posts(mocked)[0].request.body)
    assert body == {
        "name": "orders",
        "datasource_type": POSTGRES_ID,
        "description": "d",
        "properties": {**GOOD, "port": 5432, "ssl": True},
    }
    assert "test=true" in posts(mocked)[0].request.url


def test_a_checked_connection_is_sent_as_checked_without_a_second_check(mocked, client):
    """What check_new_connection made (the sync checks a whole spec before writing) is not checked again:
    its values go out exactly as the check normalised them, the datasource type is not looked up again."""
    dtype = client.get_datasource_type("postgresql")
    new, problems = check_new_connection(dtype, name="orders", properties={**GOOD, "port": "5432"}, description="d")
    assert new is not None and problems == [] and new.properties["port"] == 5432
    mocked.post(CONNS, status=201, json=payloads.connection("orders", asset_id="new-1"))
    lookups = len(mocked.calls)

    assert client.create_checked_connection(SCOPE, new).id == "new-1"

    assert len(mocked.calls) == lookups + 1  # the POST alone
    body = json.loads(posts(mocked)[0].request.body)
    assert body["properties"] == {**GOOD, "port": 5432} and body["description"] == "d"


def test_ambiguous_5xx_after_saving_adopts_the_saved_connection(mocked, client):
    mocked.post(CONNS, status=503, json=payloads.error("unavailable", "saved then failed"))
    saved = payloads.connection("orders", asset_id="saved-1", properties=VISIBLE)
    mocked.get(CONNS, json=payloads.page([saved]))

    conn = create(client)

    assert conn.id == "saved-1"
    assert len(posts(mocked)) == 1  # no second POST: no duplicate


def test_dropped_connection_with_nothing_saved_creates_again(mocked, client):
    mocked.post(CONNS, body=requests.ConnectionError("connection reset by peer"))
    mocked.get(CONNS, json=payloads.page([]))
    mocked.post(CONNS, status=201, json=payloads.connection("orders", asset_id="new-2"))

    assert create(client).id == "new-2"
    assert len(posts(mocked)) == 2


def test_read_timeout_then_lookup_finds_it(mocked, client):
    mocked.post(CONNS, body=requests.ReadTimeout("no reply"))
    mocked.get(CONNS, json=payloads.page([payloads.connection("orders", asset_id="late-1", properties=VISIBLE)]))
    assert create(client).id == "late-1"
    assert len(posts(mocked)) == 1


def test_a_same_named_connection_with_other_properties_is_not_mistaken_for_ours(mocked, client):
    mocked.post(CONNS, status=500)
    other = payloads.connection("orders", asset_id="someone-elses", properties={"host": "elsewhere", "port": 5432})
    mocked.get(CONNS, json=payloads.page([other]))
    mocked.post(CONNS, status=201, json=payloads.connection("orders", asset_id="ours"))
    assert create(client).id == "ours"


def test_429_is_retried_directly_because_nothing_was_saved(mocked, client, sleeps):
    mocked.post(CONNS, status=429, headers={"Retry-After": "1"})
    mocked.post(CONNS, status=201, json=payloads.connection("orders", asset_id="n"))
    assert create(client).id == "n"
    assert [c.request.method for c in mocked.calls if "/v2/connections" in c.request.url] == ["POST", "POST"]
    assert sleeps.waits == [1.0]


def test_connection_refused_is_retried_directly(mocked, client):
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    refused = requests.ConnectionError(MaxRetryError(None, CONNS, NewConnectionError(None, "refused")))
    mocked.post(CONNS, body=refused)
    mocked.post(CONNS, status=201, json=payloads.connection("orders", asset_id="n"))
    assert create(client).id == "n"
    assert not [c for c in mocked.calls if c.request.method == "GET" and c.request.url.startswith(CONNS)]


def test_persistent_5xx_gives_up_without_duplicates(mocked, client):
    mocked.post(CONNS, status=503)
    mocked.get(CONNS, json=payloads.page([]))
    with pytest.raises(RetriesExhaustedError):
        create(client)
    assert len(posts(mocked)) == 4  # each POST preceded by a lookup that found nothing


def test_a_refused_live_test_fails_at_once(mocked, client):
    mocked.post(CONNS, status=460, json=payloads.error("connection_test_failed", "could not connect"))
    with pytest.raises(ValidationRefusedError, match="could not connect"):
        create(client)
    assert len(posts(mocked)) == 1


BAD_INPUTS = [
    pytest.param({"properties": {**GOOD, "port": "five"}}, ["'port' must be an integer"], id="wrong-integer"),
    pytest.param({"properties": {**GOOD, "ssl": "maybe"}}, ["'ssl' must be a boolean"], id="wrong-boolean"),
    pytest.param({"properties": {**GOOD, "hots": "x"}}, ["unknown property 'hots'", "did you mean 'host'"], id="typo"),
    pytest.param(
        {"properties": {"host": "h"}},
        ["'port' is missing", "'database' is missing", "'username' is missing", "'password' is missing"],
        id="missing-required-all-listed",
    ),
    pytest.param({"properties": {**GOOD, "host": ["a"]}}, ["'host' must be a string"], id="list-for-string"),
    pytest.param({"name": "  "}, ["name is empty"], id="empty-name"),
    pytest.param(
        {"name": "", "properties": {**GOOD, "port": "x", "extra": 1}},
        ["name is empty", "'port' must be an integer", "unknown property 'extra'"],
        id="three-problems-one-error",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), BAD_INPUTS)
def test_bad_input_is_refused_before_anything_is_sent(mocked, client, overrides, expected):
    with pytest.raises(InvalidInputError) as caught:
        create(client, **overrides)
    for fragment in expected:
        assert fragment in str(caught.value)
    assert len(caught.value.problems) == len(expected) - sum("did you mean" in e for e in expected)
    assert posts(mocked) == []
    assert "pw-123456" not in str(caught.value)


def test_unknown_type_names_close_matches(mocked, client):
    mocked.get(f"{API}/v2/datasource_types/postgres", status=404, json=payloads.error("not_found", "no type"))
    mocked.get(
        f"{API}/v2/datasource_types",
        json={"total_count": 2, "resources": [payloads.postgres_type(), payloads.http_type()]},
    )
    with pytest.raises(UnknownDatasourceTypeError) as caught:
        create(client, datasource_type="postgres")
    assert caught.value.suggestions == ("postgresql",)
    assert "did you mean 'postgresql'" in str(caught.value)
    assert posts(mocked) == []


def test_datasource_types_are_cached_per_client(mocked, client):
    mocked.post(CONNS, status=201, json=payloads.connection("orders"))
    create(client)
    create(client)
    create(client, datasource_type=POSTGRES_ID)  # by id: served from the same cache entry
    type_reads = [c for c in mocked.calls if "/v2/datasource_types" in c.request.url]
    assert len(type_reads) == 1
