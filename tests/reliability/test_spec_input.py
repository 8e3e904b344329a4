"""The spec means what the user typed, against the emulator over real HTTP.

Each refused spec is rendered like Airflow renders it (so the masker sees it first), run by the sync
operator, and must end in an ``AirflowFailException`` that names the problem and the fix, with zero
writes (text-level refusals: zero requests at all), and with the case's secret nowhere: not in the
message, the logs, XCom, the operator's repr or the rendered field Airflow stores. Values YAML 1.1
would retype arrive at the service as typed. One-line JSON specs that do not parse are masked too.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException, redact

from airflow_connections_provider.masking import spellings
from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from tests.support.task_fixtures import FakeTI

PG_VISIBLE = "host: db.internal\n      port: 5432\n      database: orders\n      username: etl\n"


def entry(name: str = "app-a", *, properties: str = "", extra: str = "") -> str:
    """One YAML entry; the password comes from the template's ``params.pw`` through ``tojson``."""
    return (
        f"  - name: {name}\n    datasource_type: postgresql\n{extra}    properties:\n      {PG_VISIBLE}"
        f"      password: {{{{ params.pw | tojson }}}}\n{properties}"
    )


def spec(*entries: str) -> str:
    return "connections:\n" + "".join(entries or (entry(),))


def alias_bomb() -> str:
    """Nine levels of nine aliases each (9**9 = 387 million strings once expanded), in 504 bytes."""
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 9):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * 9)}]")
    return spec() + "\n".join(lines) + "\n"


def deep_aliases() -> str:
    """Each anchor nests the one before 20 levels deeper: shallow as written, 160 levels once expanded."""
    lines = ["d0: &d0 x"]
    for level in range(1, 9):
        lines.append(f"d{level}: &d{level} {'[' * 20}*d{level - 1}{']' * 20}")
    return spec() + "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Refused:
    template: str
    fragment: str
    name: str | None = None  # rendered into the template as params.name (tojson), for names YAML cannot hold
    before_any_request: bool = True


def named(name: str) -> Refused:
    body = spec(entry("{{ params.name | tojson }}"))
    return Refused(body, "", name=name, before_any_request=False)


NEWLINE_NAME = "app-a\ndelete  app-prod  -   "  # would forge a "delete" row in the dry-run plan table

REFUSED: dict[str, Refused] = {
    # --- every key once ---------------------------------------------------------------------------------
    "duplicate-connections-block": Refused(
        spec(entry("app-a")) + "connections:\n" + entry("app-b"),
        "duplicate key: the spec repeats the key 'connections' at line 10",
    ),
    "duplicate-entry-key": Refused(spec(entry("app-a", extra="    name: app-b\n")), "repeats the key 'name'"),
    "duplicate-property-key": Refused(
        spec(entry(properties="      password: second-one\n")),
        "repeats the key 'password' at line 10, column 7 (first at line 9)",
    ),
    "duplicate-key-one-line-json": Refused(
        '{"connections": [], "connections": [{"name": "app-a", "datasource_type": "postgresql", '
        '"properties": {"password": {{ params.pw | tojson }}}}]}',
        "repeats the key 'connections' at line 1",
    ),
    # --- bounded: aliases and nesting --------------------------------------------------------------------
    "alias-bomb": Refused(alias_bomb(), "expand it by more than 100,000 nodes"),
    "alias-recursive": Refused(spec() + "loop: &loop [*loop]\n", "names a node that contains it"),
    "alias-nests-deeper-once-expanded": Refused(deep_aliases(), "depth limit of 32 levels once expanded"),
    "nesting-3000-levels-flow": Refused(spec() + "deep: " + "[" * 3000 + "]" * 3000 + "\n", "depth limit of 32 levels"),
    "nesting-200-levels-block": Refused(
        spec() + "deep:\n" + "".join(" " * (i + 1) + "- \n" for i in range(200)), "depth limit of 32 levels"
    ),
    # --- no YAML 1.1 extras --------------------------------------------------------------------------------
    "merge-key": Refused(
        "shared: &pg {host: db}\n" + spec(entry(properties="      <<: *pg\n")), "merge key (<<) at line 11"
    ),
    "explicit-tag": Refused(spec(entry(properties="      key_certificate: !!binary b3JkZXJz\n")), "explicit tag"),
    # --- an integer property's unquoted value that YAML versions read differently: quote it ---------------
    "integer-leading-zero": Refused(
        spec(entry(properties="      login_timeout: 0755\n")), "quote it", before_any_request=False
    ),
    "integer-underscore": Refused(
        spec(entry(properties="      login_timeout: 2024_01\n")), "quote it", before_any_request=False
    ),
    "integer-sexagesimal": Refused(
        spec(entry(properties="      login_timeout: 12:30\n")), "quote it", before_any_request=False
    ),
    "integer-exponent": Refused(
        spec(entry(properties="      login_timeout: 1e3\n")), "quote it", before_any_request=False
    ),
    "integer-hex": Refused(spec(entry(properties="      login_timeout: 0x1F\n")), "quote it", before_any_request=False),
    # --- names are what they look like -----------------------------------------------------------------------
    "name-newline-forges-a-plan-row": named(NEWLINE_NAME),
    "name-carriage-return": named("app-a\rapp-b"),
    "name-zero-width-space": named("app-\u200ba"),
    "name-zero-width-joiner": named("app-\u200da"),
    "name-bidi-override": named("app-\u202ea"),
    "name-byte-order-mark": named("app-\ufeffa"),
    "name-leading-space": named(" app-a"),
    "name-trailing-tab": named("app-a\t"),
    "name-no-break-space": named("app-\u00a0a"),
    "name-line-separator": named("app-\u2028a"),
    "name-lone-surrogate": named("app-\ud800a"),
    "name-hangul-filler": named("app-\u3164a"),
}
NAME_FRAGMENTS = {
    "name-newline-forges-a-plan-row": "U+000A (LINE FEED)",
    "name-carriage-return": "U+000D (CARRIAGE RETURN)",
    "name-zero-width-space": "U+200B (ZERO WIDTH SPACE)",
    "name-zero-width-joiner": "U+200D (ZERO WIDTH JOINER)",
    "name-bidi-override": "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    "name-byte-order-mark": "U+FEFF (ZERO WIDTH NO-BREAK SPACE)",
    "name-leading-space": "starts with whitespace, U+0020 (SPACE)",
    "name-trailing-tab": "ends with whitespace, U+0009 (CHARACTER TABULATION)",
    "name-no-break-space": "U+00A0 (NO-BREAK SPACE)",
    "name-line-separator": "U+2028 (LINE SEPARATOR)",
    "name-lone-surrogate": "U+D800",
    "name-hangul-filler": "U+3164 (HANGUL FILLER)",
}


def unique(label: str) -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}"


def leaks(secret: str, *texts: str) -> list[str]:
    return [s for s in set(spellings(secret)) if len(s) >= 5 for text in texts if s in text]


def run_rendered(op: Any, params: dict[str, Any]) -> tuple[BaseException | None, FakeTI]:
    ti = FakeTI()
    op.render_template_fields({"params": params, "ti": ti})
    op.pre_execute({"ti": ti})
    try:
        op.execute({"ti": ti, "params": params})
    except Exception as exc:
        return exc, ti
    return None, ti


@pytest.mark.parametrize("case_id", list(REFUSED))
def test_a_spec_that_does_not_mean_what_it_looks_like_is_refused(
    case_id, airflow_conn, emu, no_writes, caplog, capsys, scenario
):
    case = REFUSED[case_id]
    fragment = case.fragment or NAME_FRAGMENTS[case_id]
    secret = unique("Spec-Input-Pw")
    caplog.set_level(logging.DEBUG)
    params = {"pw": secret, "name": case.name}
    op = IBMSyncConnectionsOperator(task_id="s", spec=case.template, managed_prefix="app-", secret_fingerprints=False)
    error, ti = run_rendered(op, params)
    assert isinstance(error, AirflowFailException), repr(error)
    message = str(error)
    assert fragment in message, message
    assert "nothing was sent" in message or "nothing was written" in message
    if case.name is not None:
        assert case.name not in message  # named by code point, never printed raw
    logged = caplog.text + capsys.readouterr().out
    stored_field = str(redact(op.spec, "spec"))
    assert leaks(secret, message, logged, json.dumps(ti.xcom), repr(op), stored_field) == []
    assert no_writes() == 0
    if case.before_any_request:
        assert emu.requests_count() == 0
    scenario(
        area="spec input",
        injected=case_id,
        outcome=f"AirflowFailException: {' '.join(message.split())[:200]}",
        writes_sent=no_writes(),
        requests_sent=emu.requests_count(),
    )


# --- values arrive as typed ---------------------------------------------------------------------------------

TYPED = [
    pytest.param("database", "2024_01", "2024_01", id="underscore-digits-stay-text"),
    pytest.param("username", "0755", "0755", id="leading-zero-stays-text"),
    pytest.param("database", "12:30", "12:30", id="sexagesimal-stays-text"),
    pytest.param("username", "yes", "yes", id="yes-stays-text"),
    pytest.param("username", "on", "on", id="on-stays-text"),
    pytest.param("database", "no", "no", id="no-stays-text"),
    pytest.param("password", "1.0e+3", "1.0e+3", id="exponent-password-stays-text"),
    pytest.param("password", "0x1F", "0x1F", id="hex-password-stays-text"),
    pytest.param("database", "1.50", "1.50", id="trailing-zero-kept"),
]


@pytest.mark.parametrize(("prop", "written", "stored"), TYPED)
def test_a_plain_value_reaches_the_service_as_typed(prop, written, stored, airflow_conn, emu, scenario):
    props = {"host": "db.internal", "port": "5432", "database": "orders", "username": "etl", "password": "Pw-12345"}
    props[prop] = written
    body = "\n".join(f"      {k}: {v}" for k, v in props.items())
    text = f"connections:\n  - name: app-a\n    datasource_type: postgresql\n    properties:\n{body}\n"
    op = IBMSyncConnectionsOperator(
        task_id="s", spec=text, managed_prefix="app-", secret_fingerprints=False, test=False
    )
    summary = op.execute({"ti": FakeTI()})
    (conn,) = emu.stored_connections("sales")
    assert conn["entity"]["properties"][prop] == stored
    assert list(summary["created"]) == ["app-a"]
    scenario(
        area="spec input",
        injected=f"unquoted {prop}: {written if prop != 'password' else '<secret>'} (YAML 1.1 would retype it)",
        outcome=f"stored as {type(stored).__name__} {stored if prop != 'password' else '<as typed>'}",
    )


# --- one-line JSON that does not parse: every secret still masked -----------------------------------------------

BROKEN_JSON = {
    "unclosed-brace": '{"connections": [{"name": "app-a", "properties": {"password": {{ params.pw | tojson }}, '
    '"api_key": {{ params.key | tojson }}}]',
    "unclosed-list": '{"connections": [{"name": "app-a", "properties": {"api_key": {{ params.key | tojson }}, '
    '"password": {{ params.pw | tojson }}}}',
    "unterminated-string": '{"connections": [{"name": "app-a", "properties": {"api_key": {{ params.key | tojson }}, '
    '"password": "{{ params.pw }}',
    "missing-colon": '{"connections": [{"name" "app-a", "properties": {"password": {{ params.pw | tojson }}, '
    '"secret_key": {{ params.key | tojson }}}}]}',
    "flow-yaml-one-line": "{connections: [{name: app-a, properties: {password: {{ params.pw }}, "
    "token: {{ params.key }}, x: [}]}",
}


@pytest.mark.parametrize("case_id", list(BROKEN_JSON))
def test_a_one_line_json_spec_that_does_not_parse_is_still_masked(case_id, airflow_conn, emu, no_writes, scenario):
    secret, key = unique('Json"Pw\\x'), unique("Json-Key")
    if case_id in ("unterminated-string", "flow-yaml-one-line"):
        secret = unique("Json-Pw")  # written bare or inside quotes without tojson: no quote in it
    op = IBMSyncConnectionsOperator(task_id="s", spec=BROKEN_JSON[case_id], managed_prefix="app-")
    error, _ti = run_rendered(op, {"pw": secret, "key": key})
    stored_field = str(redact(op.spec, "spec"))
    assert isinstance(error, AirflowFailException), repr(error)
    assert "line 1, column" in str(error) and "tojson" in str(error)
    assert leaks(secret, stored_field, str(error)) == []
    assert leaks(key, stored_field, str(error)) == []
    assert no_writes() == 0 and emu.requests_count() == 0
    scenario(
        area="spec input",
        injected=f"one-line JSON spec that does not parse ({case_id}), two secrets on the line",
        outcome="both secrets masked in the stored rendered field; error names line 1 and a column, no text",
    )


def test_the_masking_check_can_fail():
    """Control: a value nobody registered stays readable through redact, so the rows above can fail."""
    value = unique("never-registered")
    assert leaks(value, str(redact(f"x {value} x", "spec"))) != []


# --- names typed into the create and update operators -----------------------------------------------------------

OPERATOR_NAMES: dict[str, tuple[Callable[[str], Any], str, str]] = {
    "create-name-newline": (
        lambda n: IBMCreateConnectionOperator(task_id="c", name=n, datasource_type="postgresql", properties={}),
        "app-a\nb",
        "U+000A (LINE FEED)",
    ),
    "create-name-zero-width": (
        lambda n: IBMCreateConnectionOperator(task_id="c", name=n, datasource_type="postgresql", properties={}),
        "app-\u200ba",
        "U+200B (ZERO WIDTH SPACE)",
    ),
    "create-name-trailing-space": (
        lambda n: IBMCreateConnectionOperator(task_id="c", name=n, datasource_type="postgresql", properties={}),
        "app-a ",
        "ends with whitespace",
    ),
    "update-new-name-bidi": (
        lambda n: IBMUpdateConnectionOperator(task_id="u", connection_name="app-a", new_name=n),
        "app-\u202eb",
        "U+202E (RIGHT-TO-LEFT OVERRIDE)",
    ),
}


@pytest.mark.parametrize("case_id", list(OPERATOR_NAMES))
def test_a_name_typed_into_an_operator_gets_the_same_refusal(case_id, airflow_conn, emu, no_writes, scenario):
    build, name, fragment = OPERATOR_NAMES[case_id]
    with pytest.raises(AirflowFailException) as caught:
        build(name).execute({"ti": FakeTI()})
    message = str(caught.value)
    assert fragment in message and "nothing was sent" in message
    assert name not in message
    assert emu.requests_count() == 0
    scenario(
        area="spec input",
        injected=case_id,
        outcome=f"AirflowFailException before any request: {' '.join(message.split())[:160]}",
    )
