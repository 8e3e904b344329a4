"""The exported spec, without a service: what an entry holds, placeholders, and text the sync's reader (and
Jinja) reads back exactly."""

from __future__ import annotations

import jinja2.sandbox
import pytest

from airflow_connections_provider.client import Connection, DatasourceType, Scope
from airflow_connections_provider.sync.export import (
    ExportedConnection,
    Placeholder,
    conn_id_for,
    exported_connection,
)
from airflow_connections_provider.sync.export_yaml import export_yaml, quoted
from airflow_connections_provider.sync.spec_text import load_text as load
from tests.support import payloads

SCOPE = Scope.project("9718645b-89cb-4a2a-98c3-cd9f81831479")
#: Texts YAML 1.1 retypes, that YAML or Jinja read as syntax, or that a YAML reader refuses raw.
AWKWARD = [
    *("yes", "No", "on", "~", "null", "0755", "12:30", "2024_01", "1e3", "0x1F", ".inf", "-", ""),
    *(" lead", "trail ", 'q"uote', "back\\slash", "tab\there", "two\nlines", "cr\r", "nul\0", "bell\x07"),
    *("{{ ds }}", "{% if x %}", "{# note #}", "{x}", "{", "a{{", "}}", "# hash", "a: b", "- item", "[1]"),
    *("&anchor", "*alias", "!tag", "%TAG", "@at", "`tick", "'single'", "|", ">"),
    *("é ünï", "日本", "🎉", "\x85", "\u2028", "\u2029", "\ufeff", "\u00a0", "\ud83d", "\U000e0001"),
]


def test_every_awkward_text_reads_back_exactly_whether_or_not_jinja_rendered_it_first():
    entries = [
        ExportedConnection(
            f"n{i}", "postgresql", text, ("restricted",), {"host": text, "weird-key": text, "yes": text, "port": 1}
        )
        for i, text in enumerate(AWKWARD)
    ]
    text = export_yaml(entries, source=str(SCOPE))
    rendered = jinja2.sandbox.SandboxedEnvironment().from_string(text).render()
    for source in (text, rendered):
        read = load(source)["connections"]
        assert [(e["description"], e["properties"]["host"]) for e in read] == [(t, t) for t in AWKWARD]
        assert all(e["properties"]["weird-key"] == e["properties"]["yes"] == e["description"] for e in read)
        assert all(e["flags"] == ["restricted"] and e["properties"]["port"] == "1" for e in read)


@pytest.mark.parametrize(
    "secret", ['p"w', "back\\slash", "tab\t", "{{ x }}", "é🎉", "line\nbreak"], ids=lambda s: repr(s)[1:8]
)
def test_a_placeholder_rendered_with_a_secret_reads_back_as_that_secret(secret):
    entry = ExportedConnection("db", "postgresql", "", (), {"password": Placeholder("db", "password")})
    text = export_yaml([entry], source="here")

    class Conn:
        password = secret

    rendered = jinja2.sandbox.SandboxedEnvironment().from_string(text).render(conn={"db": Conn()})
    assert load(rendered)["connections"][0]["properties"]["password"] == secret


def test_placeholders_name_an_airflow_connection_and_its_field():
    assert Placeholder("orders_db", "password").template == "{{ conn.orders_db.password | tojson }}"
    assert Placeholder("cos", "api_key").reference == "conn.cos.extra_dejson.api_key"
    assert Placeholder("cos", "odd-key").reference == "conn.cos.extra_dejson['odd-key']"


def test_airflow_connection_ids_are_identifiers_and_unique():
    taken: set[str] = set()
    ids = [conn_id_for(n, taken) for n in ("Orders-DB", "orders_db", "orders.db", "9lives", "---", "é")]
    assert ids == ["orders_db", "orders_db_2", "orders_db_3", "c_9lives", "connection", "connection_2"]


def test_an_entry_keeps_visible_values_and_flags_and_never_a_secret():
    dtype = DatasourceType.from_api(payloads.postgres_type())
    conn = Connection(
        "id1", "orders", dtype.id, SCOPE, "Orders", {"host": "h", "port": 5432, "password": "S3cret!"}, ("restricted",)
    )
    entry = exported_connection(conn, dtype, "orders")
    assert entry.to_json() == {
        "name": "orders",
        "datasource_type": "postgresql",
        "description": "Orders",
        "flags": ["restricted"],
        "properties": {"host": "h", "password": "{{ conn.orders.password | tojson }}", "port": 5432},
    }
    assert "S3cret!" not in export_yaml([entry], source="here")


def test_a_required_secret_the_reply_omits_still_gets_a_placeholder():
    dtype = DatasourceType.from_api(payloads.postgres_type())
    required = [p.name for p in dtype.properties if p.masked and p.name in dtype.required_for({})]
    assert required  # the fixture's type requires its password
    conn = Connection("id1", "orders", dtype.id, SCOPE, "", {"host": "h"})  # a deployment that hides secrets
    assert set(exported_connection(conn, dtype, "orders").properties) >= {"host", *required}


def test_an_empty_scope_exports_an_empty_spec_the_reader_accepts():
    assert load(export_yaml([], source="here")) == {"connections": []}


def test_quoting_escapes_only_what_it_must():
    assert quoted("plain text: é") == '"plain text: é"'
    assert quoted("{{a}} {b} {%") == '"\\x7b{a}} {b} \\x7b%"'
