"""Which asset events each operator and the sensor emit (over mocked HTTP): one per connection really
created, updated, validated or deleted, with a flat extra of names and flags, and none for what did not
happen (a skipped create, an update that changes nothing, a dry run, a failure)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException, BaseOperator
from responses import matchers

from airflow_connections_provider.assets import CHANGES_ALIAS, ibm_connection_asset_uri
from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor
from airflow_connections_provider.tasks import asset_events
from tests.support import payloads
from tests.support.task_fixtures import API, PROJECT_ID, FakeTI, writes

CONNS = f"{API}/v2/connections"
PROPS = {"host": "db", "port": 5432, "database": "orders", "username": "etl", "password": "pw-rotate-me"}
VISIBLE = {k: v for k, v in PROPS.items() if k != "password"}


class FakeOutletEvents:
    """Airflow's ``context["outlet_events"]``: ``[alias].add(asset, extra=...)`` recorded per alias name."""

    def __init__(self) -> None:
        self.added: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    def __getitem__(self, alias: Any) -> Any:
        added = self.added.setdefault(alias.name, [])

        class Accessor:
            def add(self, asset: Any, extra: dict[str, Any] | None = None) -> None:
                added.append((asset.uri, dict(extra or {})))

        return Accessor()


@pytest.fixture
def events(monkeypatch) -> FakeOutletEvents:
    # Airflow 2.11 emits only when its database knows the alias; these tests have no database.
    monkeypatch.setattr(asset_events, "_alias_recorded", lambda task, count: True)
    return FakeOutletEvents()


@pytest.fixture
def context(events) -> dict[str, Any]:
    return {"ti": FakeTI(), "outlet_events": events}


def emitted(events: FakeOutletEvents) -> list[tuple[str, str, str, tuple[str, ...], bool]]:
    """(connection URI's last segment, action, type, changed fields, validated) of each event."""
    assert set(events.added) <= {CHANGES_ALIAS}
    rows = []
    for uri, extra in events.added.get(CHANGES_ALIAS, []):
        assert set(extra) == {"action", "datasource_type", "changed_fields", "validated"}
        hash(frozenset(extra.items()))  # flat: Airflow 2.11 and 3.0 group alias events by their items
        hash(frozenset(json.loads(json.dumps(extra)).items()))  # also after 3.0's JSON round trip
        assert "pw-" not in repr(extra)
        assert uri.startswith(f"ibm-connection://project/{PROJECT_ID}/")
        rows.append(
            (
                uri.rsplit("/", 1)[1],
                extra["action"],
                extra["datasource_type"],
                tuple(filter(None, extra["changed_fields"].split(","))),
                extra["validated"],
            )
        )
    return rows


def named(api, name: str, *conns: dict) -> None:
    api.get(
        CONNS,
        json=payloads.page(list(conns)),
        match=[matchers.query_param_matcher({"entity.name": f'"{name}"'}, strict_match=False)],
    )


def create_op(**kwargs: Any) -> IBMCreateConnectionOperator:
    args = {"task_id": "create", "name": "orders db", "datasource_type": "postgresql", "properties": PROPS}
    return IBMCreateConnectionOperator(**{**args, **kwargs})


def test_a_create_emits_created_under_the_quoted_name(api, context, events):
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=201, json=payloads.connection("orders db", asset_id="new-1"))
    create_op().execute(context)
    assert emitted(events) == [("orders%20db", "created", "postgresql", (), True)]
    ((uri, _),) = events.added[CHANGES_ALIAS]
    assert uri == ibm_connection_asset_uri("orders db", project_id=PROJECT_ID)


def test_a_create_without_validation_says_so(api, context, events):
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=201, json=payloads.connection("orders db", asset_id="new-1"))
    create_op(test=False).execute(context)
    assert emitted(events) == [("orders%20db", "created", "postgresql", (), False)]


def test_a_skipped_create_emits_nothing(api, context, events):
    api.get(CONNS, json=payloads.page([payloads.connection("orders db", asset_id="old-1", properties=VISIBLE)]))
    create_op(if_exists="skip").execute(context)
    assert emitted(events) == []


def test_a_create_that_updates_the_existing_one_emits_updated_with_the_fields(api, context, events):
    existing = payloads.connection("orders db", asset_id="old-1", properties=VISIBLE)
    api.get(CONNS, json=payloads.page([existing]))
    api.patch(f"{CONNS}/old-1", json=existing)
    create_op(if_exists="update", description="primary").execute(context)
    fields = ("description", *(f"properties.{k}" for k in sorted(PROPS)))
    assert emitted(events) == [("orders%20db", "updated", "postgresql", fields, True)]


def test_an_update_emits_the_changed_field_names_never_the_values(api, context, events):
    conn = payloads.connection("orders db", asset_id="id-a", properties=VISIBLE)
    named(api, "orders db", conn)
    api.patch(f"{CONNS}/id-a", json=conn)
    op = IBMUpdateConnectionOperator(
        task_id="rotate", connection_name="orders db", set_properties={"password": "pw-new-1"}, test=False
    )
    op.execute(context)
    assert emitted(events) == [("orders%20db", "updated", "postgresql", ("properties.password",), False)]


def test_a_rename_emits_for_the_old_and_the_new_name(api, context, events):
    conn = payloads.connection("a", asset_id="id-a", properties=VISIBLE)
    named(api, "a", conn)
    named(api, "b")
    api.patch(f"{CONNS}/id-a", json={**conn, "entity": {**conn["entity"], "name": "b"}})
    IBMUpdateConnectionOperator(task_id="rename", connection_name="a", new_name="b", test=False).execute(context)
    assert emitted(events) == [
        ("a", "updated", "postgresql", ("name",), False),
        ("b", "updated", "postgresql", ("name",), False),
    ]


def test_an_update_that_changes_nothing_emits_nothing(api, context, events):
    named(api, "orders db", payloads.connection("orders db", asset_id="id-a", properties=VISIBLE))
    api.put(f"{CONNS}/id-a/actions/test", json={})  # re-tested only
    IBMUpdateConnectionOperator(task_id="u", connection_name="orders db").execute(context)
    assert emitted(events) == []


def test_a_refused_rotation_emits_nothing(api, context, events):
    named(api, "orders db", payloads.connection("orders db", asset_id="id-a", properties=VISIBLE))
    api.patch(f"{CONNS}/id-a", status=400, json=payloads.error("connection_test_failed", "password refused"))
    op = IBMUpdateConnectionOperator(task_id="u", connection_name="orders db", set_properties={"password": "pw-bad"})
    with pytest.raises(AirflowFailException, match="refused"):
        op.execute(context)
    assert emitted(events) == []


@pytest.mark.parametrize("by", ["connection_name", "connection_id"])
def test_a_delete_emits_deleted_by_name_and_type_read_before_deleting(api, context, events, by):
    conn = payloads.connection("orders db", asset_id="id-a", properties=VISIBLE)
    named(api, "orders db", conn)
    api.get(f"{CONNS}/id-a", json=conn)
    api.delete(f"{CONNS}/id-a", status=204)
    ref = {"connection_name": "orders db"} if by == "connection_name" else {"connection_id": "id-a"}
    assert IBMDeleteConnectionOperator(task_id="d", **ref).execute(context) == "id-a"
    assert emitted(events) == [("orders%20db", "deleted", "postgresql", (), False)]
    assert writes(api) == [("DELETE", f"{CONNS}/id-a")]
    assert [c.request.method for c in api.calls if c.request.url.startswith(CONNS)][-1] == "DELETE"


def test_deleting_what_is_gone_emits_nothing(api, context, events):
    named(api, "orders db")
    IBMDeleteConnectionOperator(task_id="d", connection_name="orders db").execute(context)
    api.get(f"{CONNS}/id-gone", status=404, json=payloads.error("not_found", "gone"))
    IBMDeleteConnectionOperator(task_id="d", connection_id="id-gone").execute(context)
    assert emitted(events) == []
    assert writes(api) == []


def test_a_validation_emits_validated_and_a_refused_test_nothing(api, context, events):
    sensor = IBMConnectionValidationSensor(task_id="wait", connection_id="c1", poke_interval=1, timeout=60)
    api.put(f"{CONNS}/c1/actions/test", status=400, json=payloads.error("connection_test_failed", "refused"))
    assert not sensor.poke(context)
    assert emitted(events) == []
    api.put(f"{CONNS}/c1/actions/test", json={})
    api.get(f"{CONNS}/c1", json=payloads.connection("orders db", asset_id="c1"))
    assert sensor.poke(context)
    assert emitted(events) == [("orders%20db", "validated", "postgresql", (), True)]


def test_a_deferred_validation_emits_when_the_trigger_reports_success(api, context, events):
    sensor = IBMConnectionValidationSensor(task_id="wait", connection_id="c1", deferrable=True)
    api.get(f"{CONNS}/c1", json=payloads.connection("orders db", asset_id="c1"))
    success = {"status": "success", "connection_id": "c1", "message": "ok", "scope_id": PROJECT_ID}
    assert sensor.execute_complete(context, success) == "c1"
    assert emitted(events) == [("orders%20db", "validated", "postgresql", (), True)]
    timeout = {"status": "timeout", "connection_id": "c1", "message": "late", "scope_id": PROJECT_ID}
    with pytest.raises(Exception, match="late"):
        sensor.execute_complete(context, timeout)
    assert len(emitted(events)) == 1
    # An event without its scope (an older trigger's): the task's own project, as it resolves it.
    assert sensor.execute_complete(context, {"status": "success", "connection_id": "c1", "message": "ok"}) == "c1"
    assert emitted(events)[1] == ("orders%20db", "validated", "postgresql", (), True)


def test_a_dry_run_sync_emits_nothing(api, context, events):
    api.get(CONNS, json=payloads.page([payloads.connection("orders db", asset_id="id-a", properties=VISIBLE)]))
    op = IBMSyncConnectionsOperator(
        task_id="s",
        spec=[{"name": "orders db", "datasource_type": "postgresql", "properties": {**PROPS, "port": 6543}}],
        dry_run=True,
        secret_fingerprints=False,
    )
    assert "properties.port" in op.execute(context)["updated"]["orders db"]  # what a real run would change
    assert emitted(events) == []


def test_without_outlet_events_in_the_context_nothing_is_recorded_and_nothing_fails(api):
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=201, json=payloads.connection("orders db", asset_id="new-1"))
    assert create_op().execute({"ti": FakeTI()}) == "new-1"


def _tasks() -> list[BaseOperator]:
    return [
        create_op(),
        IBMUpdateConnectionOperator(task_id="u", connection_name="x"),
        IBMDeleteConnectionOperator(task_id="d", connection_name="x"),
        IBMSyncConnectionsOperator(task_id="s", spec=[]),
        IBMConnectionValidationSensor(task_id="w", connection_name="x"),
    ]


@pytest.mark.parametrize("task", _tasks(), ids=lambda t: type(t).__name__)
def test_every_task_declares_the_alias_once_beside_the_users_outlets(task):
    from airflow.providers.common.compat.sdk import Asset

    assert [getattr(o, "name", None) for o in task.outlets] == [CHANGES_ALIAS]
    mine = Asset("s3://bucket/report.csv")
    again = type(task)(**{**_arguments(task), "outlets": [mine, *task.outlets]})
    assert again.outlets[0] is mine and [getattr(o, "name", None) for o in again.outlets[1:]] == [CHANGES_ALIAS]
    single = type(task)(**{**_arguments(task), "outlets": mine})
    assert single.outlets[0] is mine and len(single.outlets) == 2


def _arguments(task: BaseOperator) -> dict[str, Any]:
    names = ("task_id", "name", "datasource_type", "properties", "connection_name", "spec")
    return {n: getattr(task, n) for n in names if hasattr(task, n) and getattr(task, n) is not None}


def test_a_mapped_task_declares_the_alias_too():
    from airflow.providers.common.compat.sdk import DAG

    with DAG("mapped_outlets", schedule=None):
        mapped = IBMUpdateConnectionOperator.partial(task_id="rotate").expand(connection_name=["a", "b"])
    outlets = mapped.partial_kwargs["outlets"]
    assert [getattr(o, "name", None) for o in outlets] == [CHANGES_ALIAS]


def test_a_sync_emits_one_event_per_connection_it_wrote(api, context, events):
    stale = payloads.connection("orders stale", asset_id="id-s", properties=VISIBLE)
    api.get(CONNS, json=payloads.page([payloads.connection("orders db", asset_id="id-a", properties=VISIBLE), stale]))
    api.patch(f"{CONNS}/id-a", json=payloads.connection("orders db", asset_id="id-a", properties=VISIBLE))
    api.post(CONNS, status=201, json=payloads.connection("orders replica", asset_id="id-r"))
    api.delete(f"{CONNS}/id-s", status=204)
    op = IBMSyncConnectionsOperator(
        task_id="s",
        spec=[
            {"name": "orders db", "datasource_type": "postgresql", "properties": {**PROPS, "port": 6543}},
            {"name": "orders replica", "datasource_type": "postgresql", "properties": PROPS},
        ],
        managed_prefix="orders",
        prune=True,
        secret_fingerprints=False,
    )
    op.execute(context)
    assert emitted(events) == [
        ("orders%20replica", "created", "postgresql", (), True),
        ("orders%20db", "updated", "postgresql", ("properties.password", "properties.port"), True),
        ("orders%20stale", "deleted", "postgresql", (), False),
    ]


def test_a_sync_that_fails_emits_nothing_airflow_would_drop_them(api, context, events):
    api.get(CONNS, json=payloads.page([payloads.connection("orders db", asset_id="id-a", properties=VISIBLE)]))
    api.patch(f"{CONNS}/id-a", json=payloads.connection("orders db", asset_id="id-a", properties=VISIBLE))
    api.post(CONNS, status=400, json=payloads.error("invalid_request", "no", target="properties.host"))
    op = IBMSyncConnectionsOperator(
        task_id="s",
        spec=[
            {"name": "orders db", "datasource_type": "postgresql", "properties": {**PROPS, "port": 6543}},
            {"name": "orders replica", "datasource_type": "postgresql", "properties": PROPS},
        ],
        secret_fingerprints=False,
    )
    with pytest.raises(AirflowFailException, match="failed to sync"):
        op.execute(context)
    assert emitted(events) == []


def test_the_alias_is_no_lineage_nothing_reaches_xcom_and_it_stays_an_outlet(api, events):
    """Airflow 2's lineage renders a task's outlets before execute and pushes them to XCom after it;
    the alias is event plumbing: with do_xcom_push=False nothing is pushed, and it is still an outlet
    when Airflow reads them for the events."""
    api.get(CONNS, json=payloads.page([]))
    api.post(CONNS, status=201, json=payloads.connection("orders db", asset_id="new-1"))
    op = create_op(do_xcom_push=False)
    op.overwrite_rtif_after_execution = False  # 2.x would store the fields in the database: not tested here
    context = {"ti": FakeTI(), "outlet_events": events}
    op.pre_execute(context)
    op.execute(context)
    op.post_execute(context)
    assert context["ti"].xcom == {}
    assert [getattr(o, "name", None) for o in op.outlets] == [CHANGES_ALIAS]
    assert len(emitted(events)) == 1
