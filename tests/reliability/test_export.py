"""Export against the emulator over real HTTP, when something goes wrong: one row per situation. Each asserts
the exception type, that the message names the problem and the fix, that no secret of the exported
connections shows anywhere (message, causes, logs down to DEBUG, XCom, the task's repr), that nothing was
written to the service, and that no file was left at ``path`` (a spec is written whole or not at all)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_connections_provider.operators.export import IBMExportConnectionsOperator
from tests.integration.conftest import SECRET, pg_properties
from tests.reliability.rows import debug_logging, exposed_texts, leaked
from tests.support.task_fixtures import FakeTI


@dataclass(frozen=True)
class Case:
    fault: Callable[[Any], None]
    path: Callable[[Path], Path]
    raises: type[BaseException]
    names: tuple[str, ...]
    fix: str
    requests: bool = True  # False: refused before any request


def no_fault(emu: Any) -> None:
    pass


def fault(method: str, path: str, status: int) -> Callable[[Any], None]:
    return lambda emu: emu.script_fault(method, path, status=status, count=100)


CASES = {
    "listing-refused-403": Case(
        fault("GET", "/v2/connections", 403), lambda d: d / "spec.yaml", AirflowFailException, ("403",), "read access"
    ),
    "datasource-type-unavailable-503": Case(
        fault("GET", "/v2/datasource_types/*", 503),
        lambda d: d / "spec.yaml",
        AirflowException,
        ("datasource_types", "503"),
        "nothing was written",
    ),
    "path-in-a-folder-that-does-not-exist": Case(
        no_fault,
        lambda d: d / "missing" / "spec.yaml",
        AirflowFailException,
        ("path '", "folder does not exist"),
        "create it",
        requests=False,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_a_failed_export_names_the_fix_leaks_nothing_and_leaves_no_file(
    name, airflow_conn, emu, pg_source, no_writes, caplog, tmp_path, scenario
):
    case = CASES[name]
    debug_logging(caplog)
    emu.create_connection("app-orders", "postgresql", pg_properties(pg_source), project="sales")
    case.fault(emu)
    path = case.path(tmp_path)
    ti = FakeTI()
    op = IBMExportConnectionsOperator(task_id="export", path=str(path))
    before = emu.requests_count()
    with pytest.raises(case.raises) as caught:
        op.execute({"ti": ti})
    if case.raises is AirflowException:
        assert not isinstance(caught.value, AirflowFailException)  # temporary: the task's retries apply
    message = str(caught.value)
    for fragment in (*case.names, case.fix):
        assert fragment in message, (fragment, message)
    assert leaked([*exposed_texts(caught.value, caplog), json.dumps(ti.xcom), repr(op)], [SECRET]) == []
    assert no_writes() == 0 and not path.exists() and list(tmp_path.rglob("*spec.yaml*")) == []
    if not case.requests:
        assert emu.requests_count() == before
    scenario(
        area="export",
        injected=name,
        outcome=f"{type(caught.value).__name__}: {' '.join(message.split())[:200]}",
        writes_sent=no_writes(),
    )


def test_secrets_the_service_returns_in_clear_never_reach_the_spec(airflow_conn, emu, pg_source, caplog, scenario):
    debug_logging(caplog)
    conn_id = emu.create_connection("app-orders", "postgresql", pg_properties(pg_source), project="sales")
    assert emu.stored_connection(conn_id)["entity"]["properties"]["password"] == SECRET
    ti = FakeTI()
    text = IBMExportConnectionsOperator(task_id="export").execute({"ti": ti})
    assert "password: {{ conn.app_orders.password | tojson }}" in text
    assert leaked([text, caplog.text, json.dumps(ti.xcom)], [SECRET]) == []
    scenario(
        area="export",
        injected="listing replies carry the password in clear (the emulator's 'clear' secret mode, as IBM's recorded "
        "replies do)",
        outcome="spec holds {{ conn.app_orders.password | tojson }}; the value is in no output, log or XCom",
    )
