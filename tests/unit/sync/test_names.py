"""Names are what they look like: the one check the sync and the create/update operators share."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client.validation import check_name_characters
from airflow_connections_provider.operators.sync import check_fingerprint_variable
from airflow_connections_provider.sync.plan import shown


@pytest.mark.parametrize("name", ["orders-db", "Orders DB (EU)", "données-clients", "受注データベース", "a.b_c/d:e"])
def test_visible_names_pass(name):
    assert check_name_characters(name) == []


@pytest.mark.parametrize(
    ("name", "fragment"),
    [
        pytest.param("a\nb", "U+000A (LINE FEED), at position 2", id="newline"),
        pytest.param("a\x00b", "U+0000 (NULL)", id="nul"),
        pytest.param("a\x1b[31mb", "U+001B (ESCAPE)", id="terminal-escape"),
        pytest.param("a\u200bb", "U+200B (ZERO WIDTH SPACE)", id="zero-width-space"),
        pytest.param("a\u2066b", "U+2066 (LEFT-TO-RIGHT ISOLATE)", id="bidi-isolate"),
        pytest.param("a\ud800", "U+D800 (LONE SURROGATE)", id="lone-surrogate"),
        pytest.param("a\u3000b", "U+3000 (IDEOGRAPHIC SPACE)", id="ideographic-space"),
        pytest.param(" a", "starts with whitespace", id="leading-space"),
        pytest.param("a\u2029", "ends with whitespace", id="trailing-paragraph-separator"),
    ],
)
def test_hidden_characters_are_named_by_code_point(name, fragment):
    problems = check_name_characters(name, what="name")
    assert any(fragment in p for p in problems), problems
    assert all(name not in p for p in problems)


def test_many_hidden_characters_make_a_short_list():
    problems = check_name_characters("a\u200b\u200c\u200d\u2060\ufeffb")
    assert len(problems) == 4 and "more characters of these kinds" in problems[-1]


@pytest.mark.parametrize(("name", "text"), [("app-a", "app-a"), ("a\nb", "'a\\nb'"), ("a\u200bb", "'a\\u200bb'")])
def test_plans_show_names_escaped_only_when_needed(name, text):
    assert shown(name) == text


@pytest.mark.parametrize(
    ("variable", "refused"),
    [("orders_sync_secret", False), ("sync_token_state", False), ("orders_sync_state", True), ("fps", True)],
)
def test_the_fingerprint_variable_must_be_a_name_airflow_hides(variable, refused):
    assert bool(check_fingerprint_variable(variable)) is refused
