"""The spec reader: plain values stay the text written, every key once, bounded nesting and aliases."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import DatasourceType, InvalidInputError
from airflow_connections_provider.sync.spec import mask_spec_secrets, parse_spec, typed_plain_values
from airflow_connections_provider.sync.spec_text import load_text, secrets_in_text
from airflow_connections_provider.sync.spec_yaml import MAX_DEPTH, PlainText
from tests.support import payloads

PG = DatasourceType.from_api(payloads.postgres_type())


@pytest.mark.parametrize(
    ("written", "read"),
    [
        pytest.param("2024_01", "2024_01", id="underscores"),
        pytest.param("0755", "0755", id="leading-zero"),
        pytest.param("12:30", "12:30", id="sexagesimal"),
        pytest.param("yes", "yes", id="yes"),
        pytest.param("off", "off", id="off"),
        pytest.param("1.0e+3", "1.0e+3", id="exponent"),
        pytest.param("2024-01-02", "2024-01-02", id="date"),
        pytest.param(".inf", ".inf", id="infinity"),
        pytest.param("~", None, id="tilde-is-null"),
        pytest.param("null", None, id="null"),
        pytest.param("", None, id="empty"),
        pytest.param("'0755'", "0755", id="quoted"),
    ],
)
def test_plain_values_are_the_text_written(written, read):
    value = load_text(f"a: {written}\n")["a"]
    assert value == read
    assert type(value) in (PlainText, str, type(None))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        pytest.param("a: 1\na: 2\n", "repeats the key 'a' at line 2, column 1 (first at line 1)", id="top-level"),
        pytest.param("x:\n  - {p: 1, p: 2}\n", "repeats the key 'p' at line 2", id="in-a-flow-mapping"),
        pytest.param('{"a": 1, "a": 1}', "repeats the key 'a'", id="json-same-value"),
        pytest.param("a: 1\n'a': 2\n", "repeats the key 'a'", id="plain-and-quoted-spelling"),
        pytest.param("b: &x {k: 1}\nc: {<<: *x}\n", "merge key (<<)", id="merge-key"),
        pytest.param("a: !!int 5\n", "explicit tag", id="explicit-tag"),
        pytest.param("a: !!python/object:os.system x\n", "explicit tag", id="python-tag"),
        pytest.param("a: &a [*a]\n", "names a node that contains it", id="recursive-alias"),
        pytest.param(
            "[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1), "depth limit of 32 levels", id="one-level-too-deep"
        ),
        pytest.param("? [a, b]\n: 1\n", "keys are names", id="list-key"),
    ],
)
def test_refusals_name_the_place_and_the_fix_never_a_value(text, fragment):
    with pytest.raises(InvalidInputError) as caught:
        load_text(text)
    assert fragment in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_nesting_at_the_limit_is_read():
    """MAX_DEPTH levels, the scalar included: 31 lists around one value."""
    text = "[" * (MAX_DEPTH - 1) + "x" + "]" * (MAX_DEPTH - 1)
    value = load_text(text)
    for _ in range(MAX_DEPTH - 2):
        value = value[0]
    assert value == ["x"]


def test_aliases_within_the_bound_are_expanded():
    data = load_text("pg: &pg {host: db, port: 5432}\nentries: [*pg, *pg]\n")
    assert data["entries"] == [{"host": "db", "port": "5432"}] * 2


@pytest.mark.parametrize(
    ("prop", "value", "typed", "problem"),
    [
        pytest.param("port", PlainText("5432"), 5432, None, id="integer-plain"),
        pytest.param("port", PlainText("-1"), -1, None, id="integer-negative"),
        pytest.param("port", PlainText("05432"), None, "quote it", id="integer-leading-zero"),
        pytest.param("port", PlainText("+5432"), None, "quote it", id="integer-plus"),
        pytest.param("port", PlainText("5_432"), None, "quote it", id="integer-underscore"),
        pytest.param("port", "05432", "05432", None, id="quoted-is-left-to-the-checks"),
        pytest.param("database", PlainText("0755"), "0755", None, id="string-keeps-text"),
        pytest.param("ssl", PlainText("yes"), "yes", None, id="boolean-gets-text-for-the-checks"),
        pytest.param("unknown", PlainText("1e3"), "1e3", None, id="unknown-property-text"),
    ],
)
def test_a_plain_value_takes_its_property_s_declared_type(prop, value, typed, problem):
    result, problems = typed_plain_values(PG, {prop: value})
    if problem is None:
        assert problems == [] and result[prop] == typed and type(result[prop]) is type(typed)
    else:
        assert len(problems) == 1 and problem in problems[0] and prop in problems[0]
        assert str(value) not in problems[0]


def test_parse_spec_keeps_names_as_typed():
    (entry,) = parse_spec("- name: 0755\n  datasource_type: postgresql\n")
    assert entry["name"] == "0755"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param('{"password": "s3cret-one", "x": [', id="json-unclosed"),
        pytest.param('[{"name": "a", "password": "s3cret-one"', id="json-in-a-list"),
        pytest.param("{password: s3cret-one, x: [}", id="flow-yaml"),
        pytest.param('{"a": 1, "password": "s3cret-one', id="unterminated-string"),
        pytest.param("{'password': 's3cret-one', x: ]", id="single-quoted"),
    ],
)
def test_a_one_line_spec_that_does_not_parse_yields_its_secrets(text):
    assert "s3cret-one" in set(secrets_in_text(text))


def test_a_json_escaped_secret_is_found_in_both_spellings():
    found = set(secrets_in_text('{"password": "p\\u00e4ss\\"word", oops'))
    assert {'p\\u00e4ss\\"word', 'päss"word'} <= found


def test_masking_deep_data_never_raises():
    deep: list = []
    node = deep
    for _ in range(5000):
        child: list = []
        node.append(child)
        node = child
    mask_spec_secrets([{"name": "a", "properties": {"password": "deep-secret-1"}, "x": deep}])
    mask_spec_secrets("x: " + "[" * 5000)
