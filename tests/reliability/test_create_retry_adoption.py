"""A retry of IBMCreateConnectionOperator (and of a rename by IBMUpdateConnectionOperator) adopts only what
an earlier try of the task wrote.

Against the emulator over real HTTP: the first try fails (scripted faults), someone else creates a
connection of the same name and the same visible properties between the tries, and the retry (same
task, ``try_number=2``, with ``if_exists='fail'``) must refuse it, leaving its password alone. The
control row shows the retry still adopting its own earlier create when that create did reach the
service and only the reply was lost.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_connections_provider.client import ConnectionChanges, Scope
from airflow_connections_provider.operators.ibm import IBMCreateConnectionOperator, IBMUpdateConnectionOperator
from tests.integration.conftest import SECRET, pg_properties
from tests.reliability.conftest import writes
from tests.support.task_fixtures import FakeTI

THEIRS = "Their-Passw0rd-7"


def fail_at(method: str, path: str, *, when: str = "before") -> Callable[[Any], None]:
    def inject(emu: Any) -> None:
        emu.script_fault(method, path, status=503, count=6, when=when)  # 1 attempt + 5 retries (FAST_RETRY)

    return inject


def someone_else_seeds(emu: Any, client: Any, source: Any) -> None:
    emu.create_connection("orders", "postgresql", pg_properties(source, password=THEIRS), project="sales")


def someone_else_with_our_credentials(emu: Any, client: Any, source: Any) -> None:
    """Another DAG sharing the Airflow connection: the service records the same creator as ours."""
    scope = Scope.project(emu.project_id("sales"))
    client.create_connection(
        scope,
        name="orders",
        datasource_type="postgresql",
        properties=pg_properties(source, password=THEIRS),
        test=False,
    )


CASES: dict[str, tuple[Callable[[Any], None], Callable[[Any, Any, Any], None]]] = {
    "first-try-fails-resolving-the-project": (fail_at("GET", "/v2/projects"), someone_else_seeds),
    "first-try-fails-reading-the-type": (fail_at("GET", "/v2/datasource_types/*"), someone_else_seeds),
    "first-try-fails-looking-up-the-name": (fail_at("GET", "/v2/connections"), someone_else_seeds),
    "first-try-post-refused-before-saving": (fail_at("POST", "/v2/connections"), someone_else_seeds),
    "someone-else-uses-our-credentials": (fail_at("GET", "/v2/datasource_types/*"), someone_else_with_our_credentials),
}


def create_op(source: Any) -> IBMCreateConnectionOperator:
    return IBMCreateConnectionOperator(
        task_id="create", name="orders", datasource_type="postgresql", properties=pg_properties(source), test=False
    )


def passwords(emu: Any) -> list[str]:
    return [c["entity"]["properties"]["password"] for c in emu.stored_connections("sales")]


@pytest.mark.parametrize("case_id", list(CASES))
def test_a_retry_never_adopts_what_someone_else_created_between_the_tries(
    case_id, airflow_conn, emu, client, pg_source, caplog, capsys, scenario
):
    fault, someone_else = CASES[case_id]
    caplog.set_level(logging.DEBUG)
    fault(emu)
    with pytest.raises(AirflowException) as first:
        create_op(pg_source).execute({"ti": FakeTI(try_number=1)})
    assert not isinstance(first.value, AirflowFailException)  # transient: Airflow retries the task
    emu.clear_faults()
    op = create_op(pg_source)  # each try is a new copy of the task, with a new client
    someone_else(emu, client, pg_source)
    before = writes(emu)
    ti = FakeTI(try_number=2)
    with pytest.raises(AirflowFailException) as second:
        op.execute({"ti": ti})
    message = str(second.value)
    assert "already exists" in message and "no earlier try of this task sent a create" in message
    assert "if_exists='skip'" in message  # the fix
    assert passwords(emu) == [THEIRS]  # their connection, their password
    assert writes(emu) == before
    logged = caplog.text + capsys.readouterr().out
    for text in (message, str(first.value), json.dumps(ti.xcom), logged, repr(op)):
        assert SECRET not in text and THEIRS not in text
    scenario(
        area="retry adoption",
        injected=f"{case_id}; between the tries someone else creates 'orders' with the same visible properties",
        outcome="try 2 (if_exists='fail'): AirflowFailException 'already exists'; their password kept; 0 writes",
        writes_sent=writes(emu) - before,
    )


def test_a_retry_still_adopts_its_own_create_whose_reply_was_lost(airflow_conn, emu, pg_source, monkeypatch, scenario):
    from airflow_connections_provider.tasks.lookups import CreateMarker

    record = CreateMarker.record

    def record_then_fail_every_read(marker: CreateMarker) -> None:
        record(marker)
        # From the create on, the service saves but every read fails until the try's retries run out.
        emu.script_fault("GET", "/v2/connections", status=503, count=5)

    monkeypatch.setattr(CreateMarker, "record", record_then_fail_every_read)
    emu.script_fault("POST", "/v2/connections", kind="drop", when="after")  # saved; the reply never arrives
    with pytest.raises(AirflowException) as first:
        create_op(pg_source).execute({"ti": FakeTI(try_number=1)})
    assert not isinstance(first.value, AirflowFailException)
    connection_id = create_op(pg_source).execute({"ti": FakeTI(try_number=2)})  # a new copy of the task
    (stored,) = emu.stored_connections("sales")
    assert stored["metadata"]["asset_id"] == connection_id
    assert stored["entity"]["properties"]["password"] == SECRET
    assert emu.requests_count("POST", "/v2/connections") == 1  # never a second create
    scenario(
        area="retry adoption",
        injected="try 1: the create is saved but its reply dropped, then every lookup answers 503",
        outcome="try 2 adopts the connection try 1 created (1 POST in all) and re-sends its secret",
    )


def rename_op(source: Any) -> IBMUpdateConnectionOperator:
    return IBMUpdateConnectionOperator(
        task_id="rename",
        connection_name="orders",
        new_name="orders-v2",
        set_properties={"password": SECRET, "database": pg_properties(source)["database"]},
        test=False,
    )


def test_a_rename_retry_never_adopts_a_connection_someone_else_gave_the_new_name(
    airflow_conn, emu, client, pg_source, caplog, capsys, scenario
):
    """Try 1 fails before its rename is sent; meanwhile someone else renames the connection to the same
    new name. Try 2 finds no 'orders' and an 'orders-v2' with the same visible properties, but no record
    of a rename sent by this task: it refuses, and their password stays."""
    caplog.set_level(logging.DEBUG)
    scope = Scope.project(emu.project_id("sales"))
    emu.create_connection("orders", "postgresql", pg_properties(pg_source, password=THEIRS), project="sales")
    emu.script_fault("GET", "/v2/datasource_types/*", status=503, count=6)
    with pytest.raises(AirflowException) as first:
        rename_op(pg_source).execute({"ti": FakeTI(try_number=1)})
    assert not isinstance(first.value, AirflowFailException)
    emu.clear_faults()
    theirs = client.find_connection(scope, "orders")
    client.update_connection(scope, theirs.id, ConnectionChanges(name="orders-v2"), test=False)
    before = writes(emu)
    op = rename_op(pg_source)
    with pytest.raises(AirflowFailException) as second:
        op.execute({"ti": FakeTI(try_number=2)})
    message = str(second.value)
    assert "no connection is named exactly 'orders'" in message
    logged = caplog.text + capsys.readouterr().out
    assert f"not adopted (give connection_id={theirs.id!r}" in logged  # the fix, if it is theirs to change
    assert passwords(emu) == [THEIRS] and writes(emu) == before
    for text in (message, str(first.value), logged, repr(op)):
        assert SECRET not in text and THEIRS not in text
    scenario(
        area="retry adoption",
        injected="rename try 1 fails before sending; someone else renames the connection to the same new name",
        outcome="try 2: AirflowFailException 'no connection is named exactly'; not adopted (no record of "
        "this task's rename), their password kept; 0 writes",
        writes_sent=writes(emu) - before,
    )
