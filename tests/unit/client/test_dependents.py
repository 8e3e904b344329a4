"""Reading IBM's asset search into dependents, and the decisions around them (pure: no HTTP)."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import Dependent, Scope
from airflow_connections_provider.client.dependents import (
    accept_hint,
    accepted_problems,
    dependents_in,
    describe,
    not_accepted,
)
from airflow_connections_provider.client.endpoints import next_search_page, search_assets
from airflow_connections_provider.client.errors import ListingError
from tests.contract import ibm_surface_replies as recorded
from tests.contract import real_replies as real

SCOPE = Scope.project(real.PROJECT_ID)


def dep(name: str, asset_id: str | None = None, connection_id: str = "c1") -> Dependent:
    return Dependent(asset_id or f"id-{name}", name, "data_asset", connection_id)


def test_a_recorded_search_result_reads_as_one_dependent_per_connection():
    (result,) = recorded.data_asset_search(include_entity=True)["results"]
    assert dependents_in(result) == [
        Dependent(recorded.DATA_ASSET_ID, "test_file.csv", "data_asset", real.CONNECTION_ID)
    ]


@pytest.mark.parametrize(
    ("attachments", "connections"),
    [
        pytest.param(None, [], id="no-attachments-key"),
        pytest.param([], [], id="no-attachment"),
        pytest.param([{"asset_type": "data_asset", "object_key": "x"}], [], id="a-local-attachment"),
        pytest.param([{"connection_id": "a"}, {"connection_id": "a"}], ["a"], id="two-attachments-one-connection"),
        pytest.param([{"connection_id": "a"}, {"connection_id": "b"}], ["a", "b"], id="two-connections"),
        pytest.param([{"connection_id": ""}, {"connection_id": 5}, "junk"], [], id="garbage-ignored"),
    ],
)
def test_attachments_name_the_connections_used(attachments, connections):
    result = {"metadata": {"asset_id": "x", "name": "n"}, "attachments": attachments}
    assert [d.connection_id for d in dependents_in(result)] == connections


def test_the_first_page_asks_for_every_data_asset_with_its_attachments():
    spec = search_assets(SCOPE, "data_asset", include="entity,attachments")
    assert (spec.method, spec.path, dict(spec.params)) == (
        "POST",
        "/v2/asset_types/data_asset/search",
        {"project_id": real.PROJECT_ID},
    )
    assert spec.json_body == {"query": "*:*", "limit": 200, "include": "entity,attachments"}
    assert spec.idempotent  # a search writes nothing: retried like a read


def test_the_next_page_posts_the_replys_next_as_its_body():
    reply = recorded.data_asset_search(include_entity=True, bookmark="g1AAAX")
    spec = next_search_page(SCOPE, "data_asset", reply)
    assert spec is not None and spec.json_body == reply["next"]
    assert next_search_page(SCOPE, "data_asset", recorded.data_asset_search(include_entity=True)) is None


@pytest.mark.parametrize("nxt", [{"query": "*:*"}, {"bookmark": ""}, "g1AAAX", []], ids=str)
def test_a_next_without_a_bookmark_stops_the_walk(nxt):
    with pytest.raises(ListingError, match="without a bookmark"):
        next_search_page(SCOPE, "data_asset", {"results": [], "next": nxt})


def test_accepted_names_or_ids_and_nothing_else():
    deps = [dep("a.csv"), dep("b.csv"), dep("c.csv", asset_id="c-id")]
    assert not_accepted(deps, {"a.csv", "c-id"}) == [deps[1]]
    assert not_accepted(deps, {"A.csv"}) == deps  # exact, as the service names them
    assert not_accepted(deps, ()) == deps


def test_descriptions_are_bounded_and_escape_unprintable_names():
    many = [dep(f"f{i:02d}.csv") for i in range(13)]
    text = describe(many)
    assert text.endswith(" and 3 more") and "f09.csv" in text and "f10.csv" not in text
    assert describe([dep("evil\nname", asset_id="a1")]) == "'evil\\nname' (data_asset a1)"


def test_the_hint_lists_ids_once_and_only_when_few():
    same = dep("a.csv", asset_id="a1", connection_id="c1")
    again = dep("a.csv", asset_id="a1", connection_id="c2")  # one asset using two deleted connections
    assert accept_hint([same, again]) == "accepted_dependents=['a1']"
    assert "naming each of the 11" in accept_hint([dep(f"f{i}") for i in range(11)])


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param("orders.csv", "got text", id="a-bare-string"),
        pytest.param({"orders.csv": 1}, "got dict", id="a-mapping"),
        pytest.param(["orders.csv", ""], "item(s) [1]", id="an-empty-name"),
        pytest.param([None], "item(s) [0]", id="a-null"),
    ],
)
def test_bad_accepted_lists_are_named(value, fragment):
    (problem,) = accepted_problems(value)
    assert fragment in problem and "data asset names or ids" in problem


@pytest.mark.parametrize("value", [None, [], ["a.csv", "5d0e-id"], ("a",)])
def test_good_accepted_lists_pass(value):
    assert accepted_problems(value) == []
