"""The spec rendered outside Airflow: conn/var from the environment, a marker where a value is not set,
and a clear error for anything only a DAG run defines."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from airflow_connections_provider.cli.render import connection_lookup, described, render_spec
from airflow_connections_provider.client import InvalidInputError
from airflow_connections_provider.sync.spec import parse_spec

PASSWORD = 'Rendered-"Quote\\Back-Pw'
ENV = {
    "AIRFLOW_CONN_ORDERS_PG": json.dumps({"conn_type": "postgres", "host": "db", "port": 5432, "password": PASSWORD}),
    "AIRFLOW_VAR_FEED_URL": "https://feed.example.com/x.json",
    "AIRFLOW_VAR_FEEDS": '[{"n": "a"}]',
}
SPEC = """connections:
  - name: app-db
    datasource_type: postgresql
    properties:
      host: {{ conn.orders_pg.host }}
      port: {{ conn.orders_pg.port }}
      password: {{ conn.orders_pg.password | tojson }}
      url: "{{ var.value.feed_url }}"
      first: {{ var.json.feeds[0].n }}
      key: {{ conn.landing_cos.password | tojson }}
      crn: {{ conn.get('landing_cos').login }}
      token: {{ var.value.api_token | tojson }}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(text)
    return path


def test_values_come_from_the_environment_and_missing_ones_are_marked(tmp_path):
    rendered = render_spec(write(tmp_path, SPEC), ENV)
    (entry,) = parse_spec(rendered.text)
    props = entry["properties"]
    assert (props["host"], props["port"], props["password"]) == ("db", "5432", PASSWORD)  # tojson: exact
    assert (props["url"], props["first"]) == ("https://feed.example.com/x.json", "a")
    marker = rendered.unavailable.marker
    assert all(props[k].startswith(marker) for k in ("key", "crn", "token"))
    assert described(rendered.unavailable) == [
        "conn.landing_cos (set AIRFLOW_CONN_LANDING_COS)",
        "var.value.api_token (set AIRFLOW_VAR_API_TOKEN)",
    ]
    assert PASSWORD not in repr(rendered)


def test_from_airflow_connection_reads_the_environment_with_the_same_marker(tmp_path):
    rendered = render_spec(write(tmp_path, "connections: []\n"), ENV)
    lookup = connection_lookup(rendered, ENV)
    assert lookup("orders_pg").password == PASSWORD
    missing = lookup("inventory_pg")
    assert missing.host.startswith(rendered.unavailable.marker) and missing.port.startswith(rendered.unavailable.marker)


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("name: {{ ds }}\n", "'ds' is undefined", id="dag-run-only"),
        pytest.param("name: {{ conn.orders_pg.nope }}\n", "has no attribute 'nope'", id="unknown-field"),
        pytest.param("name: {{ conn. }}\n", "template error at line 1", id="syntax"),
    ],
)
def test_what_only_airflow_can_render_is_an_error_naming_it(tmp_path, text, fragment):
    with pytest.raises(InvalidInputError) as caught:
        render_spec(write(tmp_path, text), ENV)
    assert fragment in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_a_missing_spec_file(tmp_path):
    with pytest.raises(InvalidInputError, match="does not exist or cannot be read"):
        render_spec(tmp_path / "nope.yaml", ENV)
