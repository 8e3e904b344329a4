"""The hourly drift check (``detect_connection_drift``) in real DAG runs (``dag.test()``, SQLite)
against the emulator: quiet right after the sync, failing with a diff once a connection is edited
through the service, quiet again after the sync repaired it; no secret stored anywhere."""

from __future__ import annotations

import pytest

from tests.examples.test_example_runs import at, states, stored_text, xcom
from tools.demo_drift import EDITED, EDITED_FIELD, EDITED_URL, edit_through_service

pytestmark = pytest.mark.timeout(600)


def test_drift_check_fails_after_an_edit_through_the_service_and_passes_after_the_sync(
    example_dags, world, ibm_emulator
):
    from airflow.utils.state import DagRunState

    sync, check = example_dags["sync_connections_from_spec"], example_dags["detect_connection_drift"]
    assert sync.test(logical_date=at(10)).state == DagRunState.SUCCESS

    quiet = check.test(logical_date=at(11))
    assert quiet.state == DagRunState.SUCCESS, states(quiet)
    summary = xcom(quiet, "check_drift")
    assert summary["drift"] == [] and summary["unverified_secrets"] == {}
    writes = sum(ibm_emulator.requests_count(m, "/v2/connections*") for m in ("POST", "PATCH", "DELETE"))

    edit_through_service(ibm_emulator.url)
    caught = check.test(logical_date=at(12))

    assert caught.state == DagRunState.FAILED
    assert states(caught)[("check_drift", -1)] == "failed"
    (entry,) = xcom(caught, "check_drift", key="sync_summary")["drift"]
    assert (entry["name"], entry["state"], entry["fields"]) == (EDITED, "differs", [EDITED_FIELD])
    assert sum(ibm_emulator.requests_count(m, "/v2/connections*") for m in ("POST", "PATCH", "DELETE")) == writes + 1
    stored = {c["entity"]["name"]: c["entity"] for c in ibm_emulator.stored_connections("orders-pipeline")}
    assert stored[EDITED]["properties"]["url"] == EDITED_URL  # the check changed nothing

    assert sync.test(logical_date=at(13)).state == DagRunState.SUCCESS
    assert check.test(logical_date=at(14)).state == DagRunState.SUCCESS
    for run in (quiet, caught):
        text = stored_text(run)
        for secret in world.secrets.all():
            assert secret not in text
