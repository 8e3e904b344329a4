"""The sync planner on tables of desired-vs-actual cases."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import Connection, DatasourceType, InvalidInputError
from airflow_connections_provider.sync.fingerprints import FingerprintState
from airflow_connections_provider.sync.plan import make_plan
from airflow_connections_provider.sync.spec import DesiredConnection
from tests.support import payloads

PG = DatasourceType.from_api(payloads.postgres_type())
HTTP = DatasourceType.from_api(payloads.http_type())
VISIBLE = {"host": "db", "port": 5432, "database": "orders", "username": "etl"}


def want(name: str, dtype: DatasourceType = PG, description: str | None = None, **props) -> DesiredConnection:
    properties = {**VISIBLE, "password": "pw-1", **props} if dtype is PG else {"url": "https://x", **props}
    return DesiredConnection(name, dtype, description, properties)


def have(name: str, cid: str, dtype: DatasourceType = PG, description: str = "", **props) -> Connection:
    properties = {**VISIBLE, **props} if dtype is PG else {"url": "https://x", **props}
    return Connection.from_api(
        {
            "metadata": {"asset_id": cid, "project_id": "p"},
            "entity": {"name": name, "datasource_type": dtype.id, "description": description, "properties": properties},
        }
    )


def remembered(cid: str, password: str) -> FingerprintState:
    state = FingerprintState()
    state.remember(cid, {"password": password})
    return state


CASES = [
    pytest.param([want("a")], [], {}, {"a": ("create", ())}, id="absent-is-created"),
    pytest.param(
        [want("a")],
        [have("a", "1")],
        {"fingerprints": remembered("1", "pw-1")},
        {"a": ("unchanged", ())},
        id="same-visible-and-same-secret-is-unchanged",
    ),
    pytest.param(
        [want("a", port="5432")],
        [have("a", "1")],
        {"fingerprints": remembered("1", "pw-1")},
        {"a": ("unchanged", ())},
        id="text-and-number-compare-equal",
    ),
    pytest.param(
        [want("a", host="db2")],
        [have("a", "1")],
        {"fingerprints": remembered("1", "pw-1")},
        {"a": ("update", ("properties.host",))},
        id="changed-visible-property",
    ),
    pytest.param(
        [want("a", password="pw-2")],
        [have("a", "1")],
        {"fingerprints": remembered("1", "pw-1")},
        {"a": ("update", ("properties.password",))},
        id="changed-secret-by-fingerprint",
    ),
    pytest.param(
        [want("a")],
        [have("a", "1")],
        {"fingerprints": FingerprintState()},
        {"a": ("update", ("properties.password",))},
        id="secret-never-applied-by-this-sync-is-sent-once",
    ),
    pytest.param(
        [want("a")],
        [have("a", "1")],
        {"fingerprints": None},
        {"a": ("unchanged", ())},
        id="no-fingerprint-state-leaves-secrets-alone",
    ),
    pytest.param(
        [want("a", host="db2")],
        [have("a", "1")],
        {"fingerprints": None},
        {"a": ("update", ("properties.host", "properties.password"))},
        id="no-state-sends-secret-with-other-changes",
    ),
    pytest.param(
        [want("a")],
        [have("a", "1")],
        {"fingerprints": remembered("1", "pw-1"), "rewrite_secrets": True},
        {"a": ("update", ("properties.password",))},
        id="rewrite-secrets-forces-them",
    ),
    pytest.param(
        [want("a", description="new")],
        [have("a", "1", description="old")],
        {"fingerprints": remembered("1", "pw-1")},
        {"a": ("update", ("description",))},
        id="declared-description-is-managed",
    ),
    pytest.param(
        [want("a")],
        [have("a", "1", description="set by hand")],
        {"fingerprints": remembered("1", "pw-1")},
        {"a": ("unchanged", ())},
        id="undeclared-description-is-left-alone",
    ),
    pytest.param(
        [want("a")],
        [have("a", "1", ssl_certificate="PEM")],
        {"fingerprints": remembered("1", "pw-1")},
        {"a": ("unchanged", ())},
        id="undeclared-property-is-left-alone",
    ),
    pytest.param(
        [want("a", ssl=True)],
        [have("a", "1", ssl="true")],
        {"fingerprints": remembered("1", "pw-1")},
        {"a": ("unchanged", ())},
        id="boolean-compared-as-text",
    ),
    pytest.param(
        [want("app-a")],
        [have("app-a", "1"), have("app-old", "2"), have("other", "3")],
        {"fingerprints": remembered("1", "pw-1"), "prune": True, "managed_prefix": "app-"},
        {"app-a": ("unchanged", ()), "app-old": ("delete", ())},
        id="prune-deletes-only-inside-the-prefix",
    ),
    pytest.param(
        [],
        [have("app-old", "2")],
        {"prune": False, "managed_prefix": "app-"},
        {},
        id="no-prune-no-delete",
    ),
]


@pytest.mark.parametrize(("desired", "actual", "options", "expected"), CASES)
def test_plan(desired, actual, options, expected):
    plan = make_plan(desired, actual, **options)
    got = {a.name: (a.kind, a.changed_fields) for a in plan.actions}
    assert got == expected


@pytest.mark.parametrize(
    ("desired", "actual", "fragment"),
    [
        pytest.param(
            [want("a")],
            [have("a", "1"), have("a", "2")],
            "2 existing connections share this name (1, 2)",
            id="duplicate-actual",
        ),
        pytest.param([want("a", HTTP)], [have("a", "1")], "delete or rename it first", id="type-changed"),
    ],
)
def test_conflicts_refuse_the_whole_plan(desired, actual, fragment):
    with pytest.raises(InvalidInputError, match="nothing was written") as caught:
        make_plan([*desired, want("fine")], actual)
    assert any(fragment in p for p in caught.value.problems)


def test_plan_descriptions_never_show_values():
    plan = make_plan([want("a", password="pw-SECRET-9")], [have("a", "1")], fingerprints=FingerprintState())
    (action,) = plan.actions
    assert "pw-SECRET-9" not in action.describe()
    assert "pw-SECRET-9" not in repr(action)
    assert action.describe() == "update 'a' (id 1): properties.password"


def test_fingerprints_round_trip_without_storing_the_value():
    state = remembered("c1", "hunter2-secret")
    data = state.to_json()
    assert "hunter2-secret" not in str(data)
    again = FingerprintState.from_json(data)
    assert not again.changed("c1", "password", "hunter2-secret")
    assert again.changed("c1", "password", "hunter3-secret")
    assert again.changed("c2", "password", "hunter2-secret")  # another connection id: unknown


def test_damaged_fingerprint_state_starts_afresh():
    assert FingerprintState.from_json({"version": 99}).connections == {}
    assert FingerprintState.from_json("garbage").connections == {}
