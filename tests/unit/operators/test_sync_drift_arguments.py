"""A drift check's arguments are checked with the others, before any request."""

from __future__ import annotations

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.operators.ibm import IBMSyncConnectionsOperator

SYNC = {"task_id": "s", "spec": [], "managed_prefix": "app-"}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        pytest.param(
            {"fail_on_drift": True},
            "fail_on_drift=True is a check that writes nothing: set dry_run=True",
            id="no-dry-run",
        ),
        pytest.param(
            {"fail_on_drift": True, "dry_run": True, "rewrite_secrets": True},
            "would report every secret as drift: leave it off",
            id="rewrite-secrets",
        ),
        pytest.param({"fail_on_drift": "yes", "dry_run": True}, "fail_on_drift must be True or False", id="not-a-flag"),
    ],
)
def test_a_drift_check_that_cannot_work_is_refused_before_any_request(api, context, override, message):
    op = IBMSyncConnectionsOperator(**{**SYNC, **override})
    with pytest.raises(AirflowFailException, match=message) as caught:
        op.execute(context)
    assert "nothing was sent" in str(caught.value)
    assert len(api.calls) == 0
