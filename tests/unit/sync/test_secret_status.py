"""What the sync may say about a declared secret: read back when the service returns it, else the
fingerprint of what this sync last applied, else unknown; and what the planner then sends."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import Connection, DatasourceType
from airflow_connections_provider.sync.fingerprints import FingerprintState
from airflow_connections_provider.sync.plan import compare, make_plan
from airflow_connections_provider.sync.secret_status import SecretCheck, check_secret, is_placeholder
from airflow_connections_provider.sync.spec import DesiredConnection
from tests.support import payloads

PG = DatasourceType.from_api(payloads.postgres_type())
VISIBLE = {"host": "db", "port": 5432, "database": "orders", "username": "etl"}
SPEC_PW = "Spec-Passw0rd-7"


def have(**props: object) -> Connection:
    return Connection.from_api(payloads.connection("a", asset_id="c1", properties={**VISIBLE, **props}))


def state(password: str | None) -> FingerprintState:
    found = FingerprintState()
    if password is not None:
        found.remember("c1", {"password": password})
    return found


NO_STATE = object()

CASES = [
    pytest.param({"password": SPEC_PW}, NO_STATE, SecretCheck("unchanged", "read back"), id="read-back-equal"),
    pytest.param({"password": "Edited-In-UI"}, state(SPEC_PW), SecretCheck("changed", "read back"), id="ui-edit-seen"),
    pytest.param({"password": "********"}, state(SPEC_PW), SecretCheck("unchanged", "fingerprint"), id="placeholder"),
    pytest.param({"password": "••••"}, state("Old-Pw"), SecretCheck("changed", "fingerprint"), id="bullets-spec-moved"),
    pytest.param({}, state(SPEC_PW), SecretCheck("unchanged", "fingerprint"), id="omitted-as-applied"),
    pytest.param({}, state(None), SecretCheck("unknown"), id="omitted-never-applied-here"),
    pytest.param({}, NO_STATE, SecretCheck("unknown"), id="omitted-no-state"),
    pytest.param({"password": ""}, NO_STATE, SecretCheck("unknown"), id="empty-is-no-value"),
]


@pytest.mark.parametrize(("returned", "fingerprints", "expected"), CASES)
def test_secret_status(returned, fingerprints, expected):
    current = have(**returned)
    known = None if fingerprints is NO_STATE else fingerprints
    assert check_secret("password", SPEC_PW, current, fingerprints=known) == expected


def test_placeholders_are_only_mask_characters():
    assert is_placeholder(None) and is_placeholder("") and is_placeholder(" ** ") and is_placeholder("●●●")
    assert not is_placeholder("a*b") and not is_placeholder(0) and not is_placeholder("x")


SEND = [  # (returned, state, other change?) -> is the secret sent?
    pytest.param({"password": SPEC_PW}, state(None), True, False, id="read-back-equal-never-sent"),
    pytest.param({"password": "Edited"}, NO_STATE, False, True, id="read-back-differs-sent"),
    pytest.param({}, state(SPEC_PW), False, False, id="fingerprint-equal-not-sent"),
    pytest.param({}, state("Old"), False, True, id="fingerprint-differs-sent"),
    pytest.param({}, state(None), False, True, id="unknown-with-state-sent-once"),
    pytest.param({}, NO_STATE, False, False, id="unknown-without-state-left-alone"),
    pytest.param({}, NO_STATE, True, True, id="unknown-without-state-rides-along"),
]


@pytest.mark.parametrize(("returned", "fingerprints", "other_change", "sent"), SEND)
def test_what_the_planner_sends(returned, fingerprints, other_change, sent):
    properties = {**VISIBLE, "password": SPEC_PW, **({"database": "moved"} if other_change else {})}
    desired = DesiredConnection("a", PG, None, properties)
    known = None if fingerprints is NO_STATE else fingerprints
    found = compare(desired, have(**returned), fingerprints=known, rewrite_secrets=False)
    assert ("password" in found.changes.set_properties) is sent


def test_a_value_not_available_is_never_compared_nor_sent():
    desired = DesiredConnection("a", PG, None, {**VISIBLE, "database": "moved"}, frozenset({"password"}))
    plan = make_plan([desired], [have(password="Edited")], fingerprints=state(None), rewrite_secrets=True)
    (action,) = plan.actions
    assert action.changed_fields == ("properties.database",)
    assert action.secrets == {"password": SecretCheck("not compared")}
