"""Airflow conventions the operators keep: ``do_xcom_push=False`` is honoured for every push, and
values the datasource type marks secret are masked in what Airflow stores after execution."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_connections_provider.links import XCOM_CONNECTION_URL, IBMConnectionLink
from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from tests.support import payloads
from tests.support.task_fixtures import API, FakeTI, stored_rendered_fields

CONNS = f"{API}/v2/connections"
PROPS = {"host": "db", "port": 5432, "database": "orders", "username": "etl", "password": "pw-rotate-me"}
VISIBLE = {k: v for k, v in PROPS.items() if k != "password"}
EXISTING_ID = "c0ffee00-0000-4000-8000-000000000001"

# A type whose secret property has a name no word list would call secret: only the type knows.
VAULT_ID = "0b5e55ed-0000-4000-8000-00000000beef"
VAULT_PIN = "7391-4420-8812"


def vault_type() -> dict[str, Any]:
    return {
        "metadata": {"asset_id": VAULT_ID},
        "entity": {
            "name": "vaultdb",
            "label": "Vault DB",
            "properties": {
                "connection": [payloads.prop("host", required=True), payloads.prop("pin", required=True, masked=True)]
            },
        },
    }


def _operators() -> list[Any]:
    return [
        pytest.param(
            lambda: IBMCreateConnectionOperator(
                task_id="c", name="orders", datasource_type="postgresql", properties=PROPS, do_xcom_push=False
            ),
            id="create",
        ),
        pytest.param(
            lambda: IBMUpdateConnectionOperator(
                task_id="u", connection_name="orders", set_properties={"host": "db2"}, do_xcom_push=False
            ),
            id="update",
        ),
        pytest.param(
            lambda: IBMDeleteConnectionOperator(task_id="d", connection_name="orders", do_xcom_push=False),
            id="delete",
        ),
        pytest.param(
            lambda: IBMSyncConnectionsOperator(
                task_id="s",
                spec=[{"name": "orders", "datasource_type": "postgresql", "properties": PROPS}],
                dry_run=True,
                do_xcom_push=False,
                # No fingerprint Variable: outside a task run Airflow 3.0 cannot read one (its
                # Variable.get needs the task runner's channel). The DAG tests cover that store.
                secret_fingerprints=False,
            ),
            id="sync",
        ),
    ]


@pytest.mark.parametrize("make", _operators())
def test_do_xcom_push_false_pushes_nothing_not_even_the_link(api, make):
    existing = payloads.connection("orders", asset_id=EXISTING_ID, properties=VISIBLE)
    api.get(CONNS, json=payloads.page([existing]))
    api.get(f"{CONNS}/{EXISTING_ID}", json=existing)
    api.post(CONNS, status=201, json=payloads.connection("orders", asset_id=EXISTING_ID))
    api.patch(f"{CONNS}/{EXISTING_ID}", json=existing["entity"])
    api.delete(f"{CONNS}/{EXISTING_ID}", status=204)
    ti = FakeTI()
    op = make()
    if isinstance(op, IBMCreateConnectionOperator):
        op.if_exists = "skip"
    op.execute({"ti": ti})
    assert ti.xcom == {}
    assert IBMConnectionLink().get_link(op, ti_key=None) == ""


def test_the_same_operator_pushes_the_link_by_default(api):
    api.get(CONNS, json=payloads.page([payloads.connection("orders", asset_id=EXISTING_ID, properties=VISIBLE)]))
    api.delete(f"{CONNS}/{EXISTING_ID}", status=204)
    ti = FakeTI()
    op = IBMDeleteConnectionOperator(task_id="d", connection_name="orders")
    op.execute({"ti": ti})
    assert ti.xcom[XCOM_CONNECTION_URL] == IBMConnectionLink().get_link(op, ti_key=None) != ""


def test_a_secret_only_the_type_knows_is_masked_in_the_fields_airflow_stores_after_execution(api, monkeypatch):
    """The first net (secret-looking names, at render time) cannot see ``pin``; the second net (the
    type's ``masked`` flag, during execute) must, and Airflow must re-store the rendered fields."""
    from airflow.providers.common.compat.sdk import redact

    from airflow_connections_provider import compat
    from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS

    # Airflow 2.x: post_execute writes the fields to the metadata database (modelled above by
    # stored_rendered_fields); here it only records that it asked to.
    stored_again: list[Any] = []
    monkeypatch.setattr(compat, "store_rendered_fields_again", lambda task, ti: stored_again.append(task))
    api.get(f"{API}/v2/datasource_types/vaultdb", json=vault_type())
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=201, json=payloads.connection("vault", asset_id=EXISTING_ID, datasource_type=VAULT_ID))
    op = IBMCreateConnectionOperator(
        task_id="c", name="vault", datasource_type="vaultdb", properties={"host": "v", "pin": "{{ params.pin }}"}
    )
    op.render_template_fields({"params": {"pin": VAULT_PIN}})
    assert VAULT_PIN in str(stored_rendered_fields(op))  # what Airflow stores before execute: unknown yet
    context = {"ti": FakeTI()}
    op.execute(context)
    op.post_execute(context)  # as Airflow's task runner does, before it re-sends the rendered fields
    # Airflow re-sends rendered fields after execution only when the operator asks for it.
    assert getattr(op, "overwrite_rtif_after_execution", False)
    assert stored_again == ([] if AIRFLOW_V_3_0_PLUS else [op])
    assert VAULT_PIN not in str(stored_rendered_fields(op))
    assert VAULT_PIN not in str(redact(f"log line with {VAULT_PIN}"))


def test_a_failed_create_stores_the_rendered_fields_again_on_airflow_2(api, monkeypatch):
    """A refused validation is a common failure, after the type marked ``pin`` secret. Airflow 3 re-sends
    the rendered fields after a failed try itself; 2.x stores them only before execute and in
    post_execute, which a failed task never reaches."""
    from airflow.providers.common.compat.sdk import AirflowFailException

    from airflow_connections_provider import compat
    from airflow_connections_provider.compat import AIRFLOW_V_3_0_PLUS
    from tests.support.payloads import error

    stored_again: list[Any] = []
    monkeypatch.setattr(compat, "store_rendered_fields_again", lambda task, ti: stored_again.append(task))
    api.get(f"{API}/v2/datasource_types/vaultdb", json=vault_type())
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=400, json=error("connection_test_failed", "the pin was refused"))
    op = IBMCreateConnectionOperator(
        task_id="c", name="vault", datasource_type="vaultdb", properties={"host": "v", "pin": "{{ params.pin }}"}
    )
    op.render_template_fields({"params": {"pin": VAULT_PIN}})
    context = {"ti": FakeTI()}
    op.pre_execute(context)
    with pytest.raises(AirflowFailException, match="refused the validation"):
        op.execute(context)
    assert stored_again == ([] if AIRFLOW_V_3_0_PLUS else [op])
    assert VAULT_PIN not in str(stored_rendered_fields(op))
