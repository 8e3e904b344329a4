"""Secrets in a templated spec: masked before anything can fail, never echoed by an error, intact with tojson.

Airflow's masker is process-wide, so every case uses secrets of its own (a uuid suffix): a secret
masked by an earlier test cannot make a later one pass.
"""

from __future__ import annotations

import json
import uuid

import pytest
from airflow.providers.common.compat.sdk import redact

from airflow_connections_provider.client import InvalidInputError
from airflow_connections_provider.masking import spellings
from airflow_connections_provider.operators.ibm import IBMSyncConnectionsOperator
from airflow_connections_provider.sync.runner import SyncRequest
from airflow_connections_provider.sync.spec import mask_spec_secrets, parse_spec, resolve_spec

NASTY = [
    pytest.param('q"uote', id="double-quote"),
    pytest.param("single'quote", id="single-quote"),
    pytest.param("back\\slash\\", id="backslashes"),
    pytest.param("esc\\tape\\n", id="backslash-t-and-n-as-text"),
    pytest.param("real\ttab", id="real-tab"),
    pytest.param("hash # not a comment", id="hash"),
    pytest.param("colon: space", id="colon-space"),
    pytest.param("- dash first", id="leading-dash"),
    pytest.param("ümlaut 😀 emoji", id="non-ascii-and-emoji"),
    pytest.param("<html&amp>", id="html-characters"),
    pytest.param("new\nline", id="newline"),
    pytest.param("{{ braces }}", id="jinja-braces"),
    pytest.param("  padded  ", id="surrounding-spaces"),
]

TOJSON_SPEC = """connections:
  - name: app-db
    datasource_type: postgresql
    properties:
      host: db.example.com
      password: {{ params.pw | tojson }}
"""

QUOTED_SPEC = """connections:
  - name: app-db
    datasource_type: postgresql
    properties:
      host: db.example.com
      password: "{{ params.pw }}"
  - name: app-api
    datasource_type: http
    properties:
      url: https://api.example.com
      api_token: {{ params.other | tojson }}
"""


def unique(value: str) -> str:
    return f"{value}-{uuid.uuid4().hex[:8]}"


def render(template: str, **params: str) -> IBMSyncConnectionsOperator:
    op = IBMSyncConnectionsOperator(task_id="sync", spec=template, managed_prefix="app-")
    op.render_template_fields({"params": params})
    op.pre_execute({})  # as Airflow's task runner does before execute (3.0: the values come back here)
    return op


def leaked(secret: str, text: str) -> list[str]:
    """The spellings of ``secret`` still readable in ``text``."""
    return [s for s in set(spellings(secret)) if len(s) >= 5 and s in text]


@pytest.mark.parametrize("password", NASTY)
def test_tojson_puts_any_password_into_a_yaml_spec_intact(password):
    secret = unique(password)
    op = render(TOJSON_SPEC, pw=secret)
    (entry,) = parse_spec(op.spec)
    assert entry["properties"]["password"] == secret


@pytest.mark.parametrize("password", NASTY)
def test_rendered_spec_is_masked_in_every_spelling(password):
    secret = unique(password)
    op = render(TOJSON_SPEC, pw=secret)
    assert leaked(secret, str(redact(op.spec, "spec"))) == []


def test_the_masking_test_can_fail():
    """Control: a value nobody registered stays readable, so the checks above are not vacuous."""
    assert leaked("never-registered-value-123", str(redact("x never-registered-value-123 x"))) != []


@pytest.mark.parametrize(
    "password",
    [pytest.param('br"oken', id="quote-breaks-the-line"), pytest.param("un\\known-escape", id="unknown-escape")],
)
def test_a_spec_that_does_not_parse_is_masked_and_its_error_quotes_nothing(password):
    secret, other = unique(password), unique("valid-token")
    op = render(QUOTED_SPEC, pw=secret, other=other)
    stored = str(redact(op.spec, "spec"))
    assert leaked(secret, stored) == []  # the secret on the broken line
    assert leaked(other, stored) == []  # and the valid one on another line
    with pytest.raises(InvalidInputError) as caught:
        parse_spec(op.spec)
    message = str(caught.value)
    assert "line 6, column" in message
    assert "tojson" in message  # names the fix
    assert leaked(secret, message) == []
    assert "db.example.com" not in message  # no spec text at all, not even the harmless lines


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("a: [1, 2\nb: SECRET-LINE-1", "line 2", id="unclosed-flow"),
        pytest.param("a: 'SECRET-LINE-2\n", "line 2", id="unclosed-quote"),
        pytest.param("- a\n b: SECRET-LINE-3", "line 2", id="bad-indent"),
        pytest.param('a: "SECRET\\qLINE-4"', "line 1", id="unknown-escape"),
        pytest.param("a: b: SECRET-LINE-5", "line 1", id="nested-colon"),
        pytest.param("a: *SECRET-LINE-6", "line 1", id="unknown-alias"),
        pytest.param("a: 1\n\tb: SECRET-LINE-7", "line 2", id="tab-indent"),
    ],
)
def test_yaml_errors_name_line_and_column_only(text, where):
    with pytest.raises(InvalidInputError) as caught:
        parse_spec(text)
    message = str(caught.value)
    assert where in message
    assert "SECRET" not in message
    # PyYAML's own error quotes the line: it must not even hide in the exception chain.
    assert caught.value.__cause__ is None and caught.value.__context__ is None


def test_a_sync_request_repr_shows_no_spec():
    secret = unique("repr-secret")
    request = SyncRequest(spec=[{"name": "a", "properties": {"password": secret}}], managed_prefix="app-")
    assert secret not in repr(request)
    assert "managed_prefix='app-'" in repr(request)


def test_a_spec_given_as_data_keeps_values_intact_and_masks_them():
    """Python data: each string is rendered on its own, so no YAML escaping can touch the secret."""
    secret = unique('da"ta\\pass\tword')
    spec = [{"name": "app-a", "datasource_type": "postgresql", "properties": {"password": "{{ params.pw }}"}}]
    op = IBMSyncConnectionsOperator(task_id="sync", spec=spec, managed_prefix="app-")
    op.render_template_fields({"params": {"pw": secret}})
    op.pre_execute({})
    assert op.spec[0]["properties"]["password"] == secret
    assert leaked(secret, str(redact(op.spec, "spec"))) == []


def test_every_password_of_a_large_spec_is_masked_by_both_nets():
    """The first net (secret-looking keys, at render) and the second (type-marked, at resolve) in batches."""
    from tests.unit.sync.test_spec import PG, FakeTypes

    first = [unique(f"first-{i}") for i in range(500)]
    text = "connections:\n" + "".join(
        f"  - name: app-{i}\n    datasource_type: postgresql\n    properties: {{password: {json.dumps(s)}}}\n"
        for i, s in enumerate(first)
    )
    mask_spec_secrets(text)
    stored = str(redact(text))
    assert [s for s in first if s in stored] == []

    second = [unique(f"second-{i}") for i in range(500)]
    spec = [
        {"name": f"app-{i}", "datasource_type": "postgresql", "properties": {**PG, "password": s}}
        for i, s in enumerate(second)
    ]
    assert len(resolve_spec(FakeTypes(), spec)) == 500
    logged = str(redact(" ".join(second)))
    assert [s for s in second if s in logged] == []
