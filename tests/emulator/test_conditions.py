"""The catalogue's conditional requirements, decided without HTTP (the API tests show them applied)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_connections_provider.emulator.state.catalogue import find_type
from airflow_connections_provider.emulator.state.descriptors import Condition, ConditionalRequirement


@pytest.mark.parametrize(
    ("condition", "properties", "holds"),
    [
        (Condition("d", "equals", ("yes",)), {"d": True}, True),  # booleans: yes == true
        (Condition("d", "equals", ("yes",)), {"d": "TRUE"}, True),
        (Condition("d", "equals", ("true",)), {"d": "no"}, False),
        (Condition("d", "not_equals", ("yes",)), {}, True),  # absent is "not yes"
        (Condition("d", "not_equals", ("yes",)), {"d": "yes"}, False),
        (Condition("m", "in", ("a", "b")), {"m": "b"}, True),
        (Condition("m", "in", ("a", "b")), {}, False),
        (Condition("k", "set"), {"k": "x"}, True),
        (Condition("k", "set"), {"k": "  "}, False),
        (Condition("k", "not_set"), {}, True),
        (Condition("f", "matches", (r".*\.csv",)), {"f": "a.csv"}, True),
        (Condition("f", "matches", (r".*\.csv",)), {"f": "a.csv.gz"}, False),
    ],
)
def test_each_condition_kind(condition: Condition, properties: dict[str, Any], holds: bool) -> None:
    assert condition.holds(properties) is holds


def test_all_or_any_of_the_conditions() -> None:
    conditions = (Condition("a", "set"), Condition("b", "set"))
    assert ConditionalRequirement("p", conditions, all_conditions_required=False).applies({"a": 1})
    assert not ConditionalRequirement("p", conditions, all_conditions_required=True).applies({"a": 1})


@pytest.mark.parametrize(
    ("type_name", "properties", "missing"),
    [
        ("bluemixcloudobjectstorage", {"url": "u"}, ["api_key", "resource_instance_id"]),
        ("bluemixcloudobjectstorage", {"url": "u", "defer_credentials": "yes"}, []),
        ("bluemixcloudobjectstorage", {"url": "u", "defer_credentials": True, "access_key": "a"}, []),
        (
            "bluemixcloudobjectstorage",
            {"url": "u", "api_key": "k", "resource_instance_id": "r", "access_key": "a"},
            ["secret_key"],
        ),
        (
            "cloudobjectstorage",
            {"url": "u", "auth_method": "instanceid_apikey_accesskey_secretkey"},
            ["api_key", "resource_instance_id", "access_key", "secret_key"],
        ),
        ("cloudobjectstorage", {"url": "u", "auth_method": "credentials"}, ["credentials"]),
        ("oracle", {"host": "h", "username": "u", "password": "p", "connection_mode": "sid"}, ["sid"]),
        ("postgresql", {"host": "h", "database": "d", "defer_credentials": "true"}, []),
        (
            "snowflake",
            {"account_name": "a", "database": "d", "warehouse": "w", "username": "u", "auth_method": "key_pair"},
            ["private_key"],
        ),
        ("bigquery", {"auth_method": "credentials_oauth2"}, ["client_id", "client_secret", "refresh_token"]),
    ],
)
def test_what_each_type_requires(type_name: str, properties: dict[str, Any], missing: list[str]) -> None:
    dtype = find_type(type_name)
    assert dtype is not None
    assert dtype.missing_required(properties) == missing
