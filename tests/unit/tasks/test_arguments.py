"""Every operator argument is checked after rendering, before any request: one error lists each problem."""

from __future__ import annotations

import datetime

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)

CREATE = {"task_id": "c", "name": "orders", "datasource_type": "postgresql", "properties": {"host": "db"}}
UPDATE = {"task_id": "u", "connection_id": "c1"}
DELETE = {"task_id": "d", "connection_id": "c1"}
SYNC = {"task_id": "s", "spec": [], "managed_prefix": "app-"}

CASES = [
    # create
    pytest.param(IBMCreateConnectionOperator, CREATE, {"name": 7}, "name must be text, got int", id="create-name-int"),
    pytest.param(IBMCreateConnectionOperator, CREATE, {"name": "  "}, "name must not be empty", id="create-name-blank"),
    pytest.param(
        IBMCreateConnectionOperator,
        CREATE,
        {"properties": [("host", "db")]},
        "properties must be a mapping",
        id="create-properties-list",
    ),
    pytest.param(
        IBMCreateConnectionOperator,
        CREATE,
        {"properties": {"created": datetime.date(2024, 1, 1)}},
        r"properties\['created'\] must be text, a number, true/false or a vault reference .*, got date",
        id="create-value-date",
    ),
    pytest.param(
        IBMCreateConnectionOperator, CREATE, {"properties": {"key": b"bytes"}}, "got bytes", id="create-value-bytes"
    ),
    pytest.param(
        IBMCreateConnectionOperator,
        CREATE,
        {"properties": {"port": float("inf")}},
        "must be a finite number",
        id="create-value-inf",
    ),
    pytest.param(
        IBMCreateConnectionOperator,
        CREATE,
        {"description": {"a": 1}},
        "description must be text, got dict",
        id="create-description-dict",
    ),
    pytest.param(IBMCreateConnectionOperator, CREATE, {"test": "yes"}, "test must be True or False", id="create-test"),
    pytest.param(
        IBMCreateConnectionOperator, CREATE, {"if_exists": "replace"}, "if_exists must be one of", id="create-if-exists"
    ),
    pytest.param(
        IBMCreateConnectionOperator,
        CREATE,
        {"request_timeout": 0},
        "request_timeout must be a finite number",
        id="create-timeout-zero",
    ),
    pytest.param(
        IBMCreateConnectionOperator,
        CREATE,
        {"request_retry_delay": float("nan")},
        "request_retry_delay",
        id="create-delay-nan",
    ),
    pytest.param(
        IBMCreateConnectionOperator,
        CREATE,
        {"request_retry_limit": -1},
        "request_retry_limit must be an integer",
        id="create-retry-limit",
    ),
    pytest.param(IBMCreateConnectionOperator, CREATE, {"ibm_conn_id": ""}, "ibm_conn_id", id="create-conn-id"),
    # update
    pytest.param(
        IBMUpdateConnectionOperator,
        UPDATE,
        {"remove_properties": "password"},
        "remove_properties must be a list",
        id="update-remove-string",
    ),
    pytest.param(
        IBMUpdateConnectionOperator,
        UPDATE,
        {"set_properties": "host=db"},
        "set_properties must be a mapping",
        id="update-set-text",
    ),
    pytest.param(IBMUpdateConnectionOperator, UPDATE, {"new_name": 5}, "new_name must be text", id="update-new-name"),
    pytest.param(
        IBMUpdateConnectionOperator, UPDATE, {"connection_name": "x"}, "exactly one of", id="update-two-targets"
    ),
    # delete
    pytest.param(
        IBMDeleteConnectionOperator,
        DELETE,
        {"missing_ok": "no"},
        "missing_ok must be True or False",
        id="delete-missing-ok",
    ),
    pytest.param(
        IBMDeleteConnectionOperator,
        DELETE,
        {"connection_id": ["c1"]},
        "connection_id must be text",
        id="delete-id-list",
    ),
    # sync
    pytest.param(IBMSyncConnectionsOperator, SYNC, {"max_concurrency": 64}, "between 1 and 32", id="sync-conc-64"),
    pytest.param(IBMSyncConnectionsOperator, SYNC, {"max_concurrency": 0}, "between 1 and 32", id="sync-conc-0"),
    pytest.param(IBMSyncConnectionsOperator, SYNC, {"max_concurrency": "8"}, "got str", id="sync-conc-text"),
    pytest.param(
        IBMSyncConnectionsOperator,
        SYNC,
        {"prune": True, "managed_prefix": None},
        "needs managed_prefix",
        id="sync-prune-no-prefix",
    ),
    pytest.param(IBMSyncConnectionsOperator, SYNC, {"prune": "true"}, "prune must be True or False", id="sync-prune"),
    pytest.param(IBMSyncConnectionsOperator, SYNC, {"max_deletes": -3}, "max_deletes must be", id="sync-max-del"),
    pytest.param(IBMSyncConnectionsOperator, SYNC, {"max_delete_fraction": 2}, "max_delete_fraction", id="sync-frac"),
    pytest.param(IBMSyncConnectionsOperator, SYNC, {"spec": 42}, "spec must be", id="sync-spec-int"),
    pytest.param(IBMSyncConnectionsOperator, SYNC, {"dry_run": 1}, "dry_run must be True or False", id="sync-dry-run"),
]


@pytest.mark.parametrize(("cls", "base", "override", "message"), CASES)
def test_bad_argument_is_refused_before_any_request(api, context, cls, base, override, message):
    op = cls(**{**base, **override})
    with pytest.raises(AirflowFailException, match=message) as caught:
        op.execute(context)
    assert "nothing was sent" in str(caught.value)
    assert len(api.calls) == 0  # not even a read


def test_all_problems_are_listed_at_once(api, context):
    op = IBMCreateConnectionOperator(task_id="c", name=1, datasource_type=None, properties=[], if_exists="x")
    with pytest.raises(AirflowFailException, match=r"4 invalid argument\(s\)"):
        op.execute(context)


def test_property_values_are_never_shown(api, context):
    op = IBMCreateConnectionOperator(**{**CREATE, "properties": {"password": {"nested": "pw-NEVER-SHOWN"}}})
    with pytest.raises(AirflowFailException) as caught:
        op.execute(context)
    assert "pw-NEVER-SHOWN" not in str(caught.value)
    assert "properties['password'] must be text, a number, true/false or a vault reference" in str(caught.value)
