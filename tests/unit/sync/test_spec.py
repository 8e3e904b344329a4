"""Reading and checking a sync spec: every problem of every entry in one error, nothing written."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from airflow_connections_provider.client import DatasourceType, InvalidInputError, UnknownDatasourceTypeError
from airflow_connections_provider.sync.spec import parse_spec, resolve_spec
from tests.support import payloads


class FakeTypes:
    """Answers get_datasource_type like the client, from two known types."""

    def __init__(self) -> None:
        self.types = {t.name: t for t in map(DatasourceType.from_api, [payloads.postgres_type(), payloads.http_type()])}

    def get_datasource_type(self, ref: str) -> DatasourceType:
        for t in self.types.values():
            if ref in (t.name, t.id):
                return t
        raise UnknownDatasourceTypeError(ref, [n for n in self.types if n.startswith(ref[:4])])


PG = {"host": "db", "port": 5432, "database": "orders", "username": "etl", "password": "pw-1"}


def resolve(spec, **kwargs):
    return resolve_spec(FakeTypes(), spec, **kwargs)


@pytest.mark.parametrize(
    "spec",
    [
        pytest.param([{"name": "a", "datasource_type": "http", "properties": {"url": "https://x"}}], id="list"),
        pytest.param(
            {"connections": [{"name": "a", "datasource_type": "http", "properties": {"url": "https://x"}}]},
            id="wrapped",
        ),
        pytest.param({"a": {"datasource_type": "http", "properties": {"url": "https://x"}}}, id="mapping-by-name"),
        pytest.param(
            "connections:\n  - name: a\n    datasource_type: http\n    properties: {url: 'https://x'}\n", id="yaml-text"
        ),
        pytest.param(
            json.dumps([{"name": "a", "datasource_type": "http", "properties": {"url": "https://x"}}]), id="json-text"
        ),
    ],
)
def test_spec_shapes(spec):
    (entry,) = resolve(spec)
    assert entry.name == "a"
    assert entry.datasource_type.name == "http"
    assert entry.properties == {"url": "https://x"}


def test_spec_from_a_file_path(tmp_path):
    path = tmp_path / "conns.yaml"
    path.write_text("- {name: a, datasource_type: http, properties: {url: 'https://x'}}\n")
    assert [e.name for e in resolve(str(path))] == ["a"]


def test_every_problem_is_listed_at_once():
    spec = [
        {"name": "a", "datasource_type": "http", "properties": {"url": "https://x"}},
        {"name": "a", "datasource_type": "http", "properties": {"url": "https://y"}},
        {"name": "b", "datasource_type": "postgres", "properties": {}},
        {"name": "c", "datasource_type": "postgresql", "properties": {**PG, "port": "x", "colour": "red"}},
        {"name": "d", "datasource_type": "postgresql", "propertes": {}},
        {"datasource_type": "http"},
        "not a mapping",
    ]
    with pytest.raises(InvalidInputError) as caught:
        resolve(spec)
    text = "\n".join(caught.value.problems)
    for fragment in [
        "entry 2 ('a'): duplicate name, also entry 1",
        "entry 3 ('b'): unknown datasource type 'postgres'; did you mean 'postgresql'?",
        "entry 4 ('c'): property 'port' must be an integer",
        "entry 4 ('c'): unknown property 'colour'",
        "entry 5 ('d'): unknown key 'propertes'; did you mean 'properties'?",
        "entry 5 ('d'): required property 'host' is missing",
        "entry 6: 'name' is missing",
        "entry 7: must be a mapping",
    ]:
        assert fragment in text
    assert "pw-1" not in str(caught.value)


def test_names_must_carry_the_managed_prefix():
    with pytest.raises(InvalidInputError, match="must start with managed_prefix 'app-'"):
        resolve([{"name": "orders", "datasource_type": "http", "properties": {"url": "u"}}], managed_prefix="app-")


def test_properties_filled_from_an_airflow_connection_explicit_ones_win():
    airflow_conns = {
        "orders_pg": SimpleNamespace(
            host="pg.internal", port=6432, login="svc", password="from-airflow", schema="orders"
        )
    }
    (entry,) = resolve(
        [
            {
                "name": "a",
                "datasource_type": "postgresql",
                "from_airflow_connection": "orders_pg",
                "properties": {"host": "override"},
            }
        ],
        lookup=airflow_conns.__getitem__,
    )
    assert entry.properties == {
        "host": "override",
        "port": 6432,
        "username": "svc",
        "password": "from-airflow",
        "database": "orders",
    }
    assert entry.secret_names == frozenset({"password"})


def test_property_map_redirects_fields_and_is_checked():
    conns = {"c": SimpleNamespace(host="h", port=1, login="u", password="p-12345", schema="svc")}
    with pytest.raises(InvalidInputError) as caught:
        resolve(
            [
                {
                    "name": "a",
                    "datasource_type": "postgresql",
                    "from_airflow_connection": "c",
                    "property_map": {"schema": "service_name", "extra": "x"},
                }
            ],
            lookup=conns.__getitem__,
        )
    text = " ".join(caught.value.problems)
    assert "unknown property 'service_name'" in text
    assert "property_map key 'extra'" in text


def test_a_missing_airflow_connection_is_reported():
    def lookup(conn_id):
        raise KeyError(conn_id)

    with pytest.raises(InvalidInputError, match="Airflow connection 'nope' cannot be read"):
        resolve(
            [{"name": "a", "datasource_type": "http", "from_airflow_connection": "nope", "properties": {"url": "u"}}],
            lookup=lookup,
        )


def test_bad_yaml_is_a_clear_error():
    with pytest.raises(InvalidInputError, match="not valid YAML or JSON"):
        parse_spec("connections: [unclosed")


def test_empty_spec_is_an_empty_list():
    assert parse_spec("") == []
    assert parse_spec({"connections": []}) == []
