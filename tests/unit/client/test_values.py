"""The one normalisation of property values (issue 9 point 12), and the conditions built on it."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import Connection, DatasourceType, normalise_property_value
from airflow_connections_provider.client.values import same_property_values
from tests.contract import real_replies as real
from tests.support import payloads


@pytest.mark.parametrize(
    ("a", "b", "kind", "equal"),
    [
        pytest.param("true", True, "boolean", True, id="bool-text-vs-native"),
        pytest.param("YES", True, "boolean", True, id="bool-yes"),
        pytest.param("0", False, "boolean", True, id="bool-zero"),
        pytest.param("5432", 5432, "integer", True, id="int-text-vs-native"),
        pytest.param(" 5432 ", 5432.0, "integer", True, id="int-padded-vs-float"),
        pytest.param("5433", 5432, "integer", False, id="int-different"),
        pytest.param(5432, "5432", "string", True, id="string-kind-number"),
        pytest.param("true", True, None, True, id="untyped-bool"),
        pytest.param("5432", 5432, None, True, id="untyped-int"),
        pytest.param(True, 1, None, False, id="untyped-true-is-not-one"),
        pytest.param("1", True, None, False, id="untyped-one-is-not-true"),
        pytest.param("db", "db", None, True, id="text"),
        pytest.param("db", "DB", None, False, id="text-case-matters"),
        pytest.param(None, "", None, False, id="null-is-not-empty"),
    ],
)
def test_normalised_values_compare_as_the_service_means_them(a, b, kind, equal):
    assert (normalise_property_value(a, kind) == normalise_property_value(b, kind)) is equal


def test_same_property_values_skips_ignored_and_unnamed_properties():
    stored = {"host": "db", "port": "5432", "ssl": "true", "password": "hidden", "extra": "x"}
    kinds = {"port": "integer", "ssl": "boolean"}
    assert same_property_values(stored, {"host": "db", "port": 5432, "ssl": True}, kinds=kinds)
    assert same_property_values(stored, {"password": "new"}, ignore={"password"})
    assert not same_property_values(stored, {"password": "new"})
    assert not same_property_values(stored, {"database": "d"})  # wanted but absent


def test_a_connection_names_its_visible_differences_by_its_types_reading():
    """The one "same visible properties" comparison, on the model: the client's look before writing again,
    the operators' adopt-on-retry and the sync planner all ask the connection."""
    pg = DatasourceType.from_api(payloads.postgres_type())
    stored = Connection.from_api(
        payloads.connection("orders", properties={"host": "db", "port": "5432", "ssl": "true", "password": "hidden"})
    )
    assert stored.has_visible_properties({"host": "db", "port": 5432, "ssl": True, "password": "new"}, pg)
    assert stored.visible_differences({"host": "db2", "port": 5433, "database": "d", "password": "new"}, pg) == (
        "host",
        "port",
        "database",
    )
    assert not stored.has_visible_properties({"database": "d"}, pg)  # wanted but absent


def cos() -> DatasourceType:
    return DatasourceType.from_api(real.cos_type().json())


def test_datasource_type_reads_kind_and_conditions():
    dtype = cos()
    assert dtype.kind == "file" and dtype.id == real.BLUEMIX_COS_TYPE_ID
    assert {c.property_name for c in dtype.conditions} == {
        "resource_instance_id",
        "api_key",
        "access_key",
        "secret_key",
    }
    secret_key = next(c for c in dtype.conditions if c.property_name == "secret_key")
    assert secret_key.all_conditions_required and [c.condition for c in secret_key.conditions] == ["not_equals", "set"]
    # Required whatever is given: only url (the conditional ones depend on what is given).
    assert dtype.required_properties == ("url",)


@pytest.mark.parametrize(
    ("given", "required"),
    [
        pytest.param({}, {"api_key", "resource_instance_id", "url"}, id="nothing"),
        pytest.param({"defer_credentials": "yes"}, {"url"}, id="deferred"),
        pytest.param({"defer_credentials": "no"}, {"api_key", "resource_instance_id", "url"}, id="not-deferred"),
        pytest.param({"access_key": "a"}, {"api_key", "resource_instance_id", "secret_key", "url"}, id="access-key"),
        pytest.param({"access_key": "a", "defer_credentials": True}, {"url"}, id="access-key-deferred"),
    ],
)
def test_required_for_evaluates_the_conditions(given, required):
    assert set(cos().required_for(given)) == required


@pytest.mark.parametrize(
    ("condition", "given", "holds"),
    [
        pytest.param({"condition": "equals", "values": ["orc"]}, {"f": "orc"}, True, id="equals"),
        pytest.param({"condition": "equals", "values": ["orc"]}, {}, False, id="equals-absent"),
        pytest.param({"condition": "not_equals", "values": ["orc"]}, {}, True, id="not-equals-absent"),
        pytest.param({"condition": "in", "values": ["a", "b"]}, {"f": "b"}, True, id="in"),
        pytest.param({"condition": "in", "values": ["a", "b"]}, {"f": "c"}, False, id="not-in"),
        pytest.param({"condition": "set"}, {"f": "x"}, True, id="set"),
        pytest.param({"condition": "set"}, {"f": ""}, False, id="set-empty"),
        pytest.param({"condition": "matches", "values": [r".*\.orc$"]}, {"f": "a.orc"}, True, id="matches"),
        pytest.param({"condition": "shiny_new"}, {"f": "x"}, False, id="unknown-never-holds"),
    ],
)
def test_each_condition(condition, given, holds):
    from airflow_connections_provider.client.models import Condition

    assert Condition.from_api({"property_name": "f", **condition}).holds(given, None) is holds


@pytest.mark.parametrize(("all_required", "expected"), [(True, False), (False, True)])
def test_all_conditions_required_switches_between_all_and_any(all_required, expected):
    from airflow_connections_provider.client.models import ConditionalRequirement

    rule = ConditionalRequirement.from_api(
        {
            "property_name": "x",
            "conditions": [
                {"property_name": "a", "condition": "set"},
                {"property_name": "b", "condition": "set"},
            ],
            "all_conditions_required": all_required,
        }
    )
    assert rule.applies({"a": "1"}, {}) is expected


@pytest.mark.parametrize(
    ("value", "parsed", "oversized"),
    [
        pytest.param("9" * 5000, None, 5000, id="5000-digit-text"),
        pytest.param("0" * 5000 + "7", 7, None, id="leading-zeros"),
        pytest.param("-9223372036854775808", -(2**63), None, id="int64-min"),
        pytest.param("9223372036854775808", 2**63, 19, id="past-int64"),
        pytest.param(10**4999, 10**4999, 5000, id="5000-digit-number"),
        pytest.param("12a", None, None, id="not-a-number"),
    ],
)
def test_integers_are_read_without_ever_raising(value, parsed, oversized):
    from airflow_connections_provider.client.values import oversized_integer, parse_int

    assert parse_int(value) == parsed
    assert oversized_integer(value) == oversized


def test_a_number_too_wide_for_decimal_text_still_compares():
    huge = 10**5000
    assert normalise_property_value(huge, "string") == normalise_property_value(huge, "string")
    assert normalise_property_value(huge, "string") != normalise_property_value(huge + 1, "string")
