"""Each example DAG runs to success against the emulator (``dag.test()``, SQLite), and does what its
documentation says: connections created and validated, a rotation pushed while a wrong secret is
refused, the sync planning and pruning only inside its prefix, one mapped task per partner."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from airflow_connections_provider.assets import ibm_connection_asset_uri
from tests.integration.test_asset_events import stored_events
from tests.support.stored_fields import rendered_fields_of_run
from tools.demo_world import PARTNERS, PROJECT, PROJECT_ID

# Whole DAG runs with Airflow start-up inside: far above the suite's 120 s on a loaded machine.
pytestmark = pytest.mark.timeout(600)


def states(run) -> dict[tuple[str, int], str]:
    return {(ti.task_id, ti.map_index): ti.state for ti in run.get_task_instances()}


def stored(emu) -> dict[str, dict]:
    return {c["entity"]["name"]: c["entity"] for c in emu.stored_connections(PROJECT)}


def xcom(run, task_id: str, key: str = "return_value"):
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        row = session.scalars(
            select(XComModel).where(XComModel.run_id == run.run_id, XComModel.task_id == task_id, XComModel.key == key)
        ).one()
        return row.value


def stored_text(run) -> str:
    """Everything the run kept in rendered-field and XCom tables, as text."""
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        rtif = rendered_fields_of_run(session, run.run_id)
        assert rtif, "no rendered fields stored for the run: the leak check would check nothing"
        xcoms = session.scalars(select(XComModel).where(XComModel.run_id == run.run_id)).all()
        return json.dumps(rtif, default=str) + json.dumps([x.value for x in xcoms], default=str)


ROTATED = ("orders-db", "landing-bucket", "inventory-db")


def asset_uri(name: str) -> str:
    return ibm_connection_asset_uri(name, project_id=PROJECT_ID)


def at(day: int) -> datetime:
    return datetime(2026, 10, day, tzinfo=timezone.utc)


def test_bootstrap_then_rotation(example_dags, world, ibm_emulator):
    from airflow.utils.state import DagRunState

    boot = example_dags["bootstrap_project_connections"].test(logical_date=at(1))

    assert boot.state == DagRunState.SUCCESS, states(boot)
    conns = stored(ibm_emulator)
    assert sorted(conns) == ["events-feed", "inventory-db", "landing-bucket", "orders-db"]
    assert conns["orders-db"]["properties"]["password"] == world.secrets.orders_password
    assert conns["landing-bucket"]["properties"]["api_key"] == world.secrets.cos_api_key
    assert str(conns["orders-db"]["properties"]["port"]) == str(world.orders_port)
    # The downstream task got name -> id of every connection, each id matching its name.
    ids = {c["entity"]["name"]: c["metadata"]["asset_id"] for c in ibm_emulator.stored_connections(PROJECT)}
    assert xcom(boot, "hand_over") == ids
    # The sensor re-tested each stored connection once (each validated on the first poke).
    assert ibm_emulator.requests_count("PUT", "/v2/connections/*/actions/test") == 4

    # The DBA changed the orders database's password; the weekly rotation pushes it from a Variable.
    ibm_emulator.register_datasource_credentials(**world.rotated_orders_account())
    rotate = example_dags["rotate_connection_credentials"].test(logical_date=at(2))

    assert rotate.state == DagRunState.SUCCESS, states(rotate)
    ti_states = states(rotate)
    assert [ti_states[("rotate_secret", i)] for i in range(3)] == ["success", "success", "failed"]
    assert ti_states[("verify_rotations", -1)] == "success"
    conns = stored(ibm_emulator)
    assert conns["orders-db"]["properties"]["password"] == world.secrets.orders_new_password
    # The drill's wrong secret was refused: the working one is still stored.
    assert conns["inventory-db"]["properties"]["password"] == world.secrets.inventory_password
    assert xcom(rotate, "verify_rotations") == {
        "orders-db": "rotated",
        "landing-bucket": "rotated",
        "inventory-db": "refused, old secret kept",
    }
    for run in (boot, rotate):
        text = stored_text(run)
        for secret in world.secrets.all():
            assert secret not in text
    # Each rotation that went through emitted orders-db's or landing-bucket's asset event; the drill, none.
    rotation = {name: [e for e in stored_events(asset_uri(name)) if e[0] == "rotate_secret"] for name in ROTATED}
    assert rotation == {
        "orders-db": [("rotate_secret", "updated", "postgresql", "properties.password", True)],
        "landing-bucket": [("rotate_secret", "updated", "cloudobjectstorage", "properties.api_key", True)],
        "inventory-db": [],
    }


def test_bootstrap_space_connections_creates_flagged_vaulted_connections_in_the_space(
    example_dags, world, ibm_emulator, monkeypatch
):
    from airflow.utils.state import DagRunState

    urn = "1000330999:scoring-db-password"
    space_id = ibm_emulator.add_space("fraud-scoring")
    ibm_emulator.add_space("fraud-scoring-staging")  # exact names: a similar one is never picked
    ibm_emulator.add_vault_secret(urn, world.secrets.orders_password)
    monkeypatch.setenv("AIRFLOW_VAR_SCORING_DB_PASSWORD_URN", urn)

    run = example_dags["bootstrap_space_connections"].test(logical_date=at(5))

    assert run.state == DagRunState.SUCCESS, states(run)
    conns = {c["entity"]["name"]: c for c in ibm_emulator.stored_connections(space="fraud-scoring")}
    assert sorted(conns) == ["scoring-events-feed", "scoring-features-db"]
    features = conns["scoring-features-db"]["entity"]
    assert (features["properties"]["password"], features["properties"]["vaulted_properties"]) == (urn, "password")
    assert features["flags"] == ["personal_credentials"]
    assert ibm_emulator.stored_connections(PROJECT) == []  # nothing in the connection's default project
    assert xcom(run, "hand_to_deployment") == {n: c["metadata"]["asset_id"] for n, c in conns.items()}
    assert ibm_emulator.requests_count("PUT", "/v2/connections/*/actions/validate") == 2
    assert ibm_emulator.requests_count("PUT", "/v2/connections/*/actions/test") == 2
    assert all(e["query"].get("space_id") == space_id for e in ibm_emulator.request_log() if "connections" in e["path"])
    assert world.secrets.orders_password not in stored_text(run)


def test_rotation_run_fails_when_the_drill_is_not_refused(example_dags, world, ibm_emulator):
    """The check is real: if the service accepted the 'wrong' secret, the run must fail."""
    from airflow.utils.state import DagRunState

    example_dags["bootstrap_project_connections"].test(logical_date=at(3))
    ibm_emulator.register_datasource_credentials(**world.rotated_orders_account())
    # The inventory database now accepts the drill's secret: the drill rotation succeeds, unexpectedly.
    ibm_emulator.register_datasource_credentials(
        host=world.host, port=world.inventory_port, username="reporting", password=world.secrets.wrong_password
    )

    rotate = example_dags["rotate_connection_credentials"].test(logical_date=at(4))

    assert rotate.state == DagRunState.FAILED
    assert states(rotate)[("verify_rotations", -1)] == "failed"


def test_sync_plans_then_applies_inside_its_prefix(example_dags, world, ibm_emulator):
    from airflow.utils.state import DagRunState

    from tools.demo_world import seed_project

    seed_project(ibm_emulator.url, world)
    before = stored(ibm_emulator)
    writes_before = ibm_emulator.requests_count("POST", "/v2/connections")

    run = example_dags["sync_connections_from_spec"].test(logical_date=at(5))

    assert run.state == DagRunState.SUCCESS, states(run)
    assert xcom(run, "review_plan") == {"create": 2, "update": 1, "delete": 1}
    conns = stored(ibm_emulator)
    assert sorted(conns) == ["analytics-events", "analytics-exports", "analytics-warehouse", "notebook-scratch"]
    assert conns["analytics-events"]["description"] == "Clickstream events export, hourly files"
    assert conns["notebook-scratch"] == before["notebook-scratch"]  # outside the prefix: untouched
    warehouse = conns["analytics-warehouse"]["properties"]
    assert (warehouse["username"], warehouse["password"]) == ("reporting", world.secrets.inventory_password)
    assert warehouse["database"] == "warehouse"  # the spec's explicit property wins over the connection's schema
    assert ibm_emulator.requests_count("POST", "/v2/connections") - writes_before == 2
    applied = xcom(run, "apply")
    assert applied["deleted"] == ["analytics-legacy-ftp"] and not applied["failed"]

    # A second run converges: nothing to write.
    again = example_dags["sync_connections_from_spec"].test(logical_date=at(6))
    assert again.state == DagRunState.SUCCESS
    assert xcom(again, "review_plan") == {"create": 0, "update": 0, "delete": 0}
    for secret in world.secrets.all():
        assert secret not in stored_text(run)


def test_partner_feeds_map_one_task_per_partner(example_dags, world, ibm_emulator):
    from airflow.utils.state import DagRunState

    run = example_dags["provision_partner_feeds"].test(logical_date=at(7))

    assert run.state == DagRunState.SUCCESS, states(run)
    mapped = sorted(i for (task_id, i) in states(run) if task_id == "create_feed_connection")
    assert mapped == [0, 1, 2]
    conns = stored(ibm_emulator)
    assert sorted(conns) == sorted(f"partner-{p}-feed" for p in PARTNERS)
    assert conns["partner-acme-feed"]["properties"]["url"] == f"{world.web_url}/partners/acme/feed.csv"
    assert xcom(run, "report") == 3


def test_retire_connection_refuses_while_a_data_asset_uses_it_then_deletes_when_accepted(
    example_dags, world, ibm_emulator
):
    from airflow.utils.state import DagRunState

    boot = example_dags["bootstrap_project_connections"].test(logical_date=at(6))
    assert boot.state == DagRunState.SUCCESS, states(boot)
    feed = next(c for c in ibm_emulator.stored_connections(PROJECT) if c["entity"]["name"] == "events-feed")
    ibm_emulator.add_data_asset("events-daily-csv", feed["metadata"]["asset_id"], "/exports/daily.csv")
    retire = example_dags["retire_connection"]

    refused = retire.test(logical_date=at(7), run_conf={"connection_name": "events-feed"})

    assert states(refused)[("delete_connection", -1)] == "failed"
    assert "events-feed" in stored(ibm_emulator)  # nothing deleted
    assert ibm_emulator.requests_count("DELETE", "/v2/connections/*") == 0
    recorded = xcom(refused, "record_connections")
    assert '- name: "events-feed"' in recorded and '- name: "orders-db"' in recorded
    assert "{{ conn." in recorded  # secrets as placeholders

    accepted = retire.test(
        logical_date=at(8), run_conf={"connection_name": "events-feed", "accepted_dependents": ["events-daily-csv"]}
    )

    assert accepted.state == DagRunState.SUCCESS, states(accepted)
    assert "events-feed" not in stored(ibm_emulator)
    assert ibm_emulator.requests_count("DELETE", "/v2/connections/*") == 1
    for run in (refused, accepted):
        text = stored_text(run)
        assert all(secret not in text for secret in world.secrets.all())
