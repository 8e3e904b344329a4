"""A spec rendered outside Airflow may lack a value (its AIRFLOW_CONN_*/AIRFLOW_VAR_* is not set there):
such a value is declared but not available — checked as present, never compared, never written."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from airflow_connections_provider.client import InvalidInputError
from airflow_connections_provider.sync.runner import check_complete
from tests.unit.sync.test_spec import FakeTypes

MARK = "UNAVAILABLE-5eed"


def resolve(spec, **kwargs):
    from airflow_connections_provider.sync.spec import resolve_spec

    return resolve_spec(FakeTypes(), spec, unavailable_marker=MARK, mask=lambda values: list(values), **kwargs)


def test_unavailable_values_are_left_out_and_named():
    text = f"""
connections:
  - name: app-db
    datasource_type: postgresql
    description: {MARK}-3
    properties:
      host: db
      port: {MARK}-1
      database: orders
      username: etl
      password: "{MARK}-2"
"""
    (entry,) = resolve(text)
    assert entry.unavailable == {"port", "password", "description"}
    assert dict(entry.properties) == {"host": "db", "database": "orders", "username": "etl"}
    assert entry.description is None  # not managed, so not compared


def test_a_missing_airflow_connection_marks_what_it_would_fill_and_explicit_values_win():
    marked = SimpleNamespace(
        host=f"{MARK}-1", port=f"{MARK}-1", login=f"{MARK}-1", password=f"{MARK}-1", schema=f"{MARK}-1"
    )
    spec = [
        {
            "name": "app-db",
            "datasource_type": "postgresql",
            "from_airflow_connection": "gone",
            "properties": {"database": "w"},
        }
    ]
    (entry,) = resolve(spec, lookup=lambda conn_id: marked)
    assert entry.unavailable == {"host", "port", "username", "password"}
    assert dict(entry.properties) == {"database": "w"}


def test_without_a_marker_such_text_is_an_ordinary_value():
    from airflow_connections_provider.sync.spec import resolve_spec

    spec = [{"name": "app-web", "datasource_type": "http", "properties": {"url": f"{MARK}-1"}}]
    (entry,) = resolve_spec(FakeTypes(), spec, mask=lambda values: list(values))
    assert entry.unavailable == frozenset() and entry.properties["url"] == f"{MARK}-1"


def test_other_problems_are_still_found_and_a_marked_name_is_refused():
    spec = [
        {"name": f"{MARK}-1", "datasource_type": "http", "properties": {"url": "https://x"}},
        {"name": "app-db", "datasource_type": "postgresql", "properties": {"host": f"{MARK}-2", "prot": 1}},
    ]
    with pytest.raises(InvalidInputError) as caught:
        resolve(spec)
    problems = caught.value.problems
    assert "entry 1: 'name' comes from a connection or Variable that is not set here" in problems
    assert any("unknown property 'prot'" in p for p in problems)
    assert any("required property 'port' is missing" in p for p in problems)
    assert not any("'host'" in p for p in problems)  # declared, just not available


def test_a_spec_with_unavailable_values_is_never_applied():
    (entry,) = resolve([{"name": "app-web", "datasource_type": "http", "properties": {"url": f"{MARK}-1"}}])
    with pytest.raises(InvalidInputError) as caught:
        check_complete([entry])
    assert caught.value.problems[0] == "app-web: url not available here"
    assert "AIRFLOW_CONN_<ID> / AIRFLOW_VAR_<KEY>" in caught.value.problems[1]
