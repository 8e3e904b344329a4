"""Applying a plan: deletions only after every create and update succeeded; a 409 converges; no value in
a failure text. Decisions over a fake client (the emulator rows are in tests/reliability)."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_connections_provider.client import (
    BadRequestError,
    Connection,
    ConnectionNameExistsError,
    DatasourceType,
    Scope,
    ServerError,
)
from airflow_connections_provider.sync.apply import apply_plan
from airflow_connections_provider.sync.plan import make_plan
from airflow_connections_provider.sync.redaction import Redactor
from airflow_connections_provider.sync.runner import applied_secrets, summarise
from airflow_connections_provider.sync.spec import DesiredConnection
from tests.support import payloads

PG = DatasourceType.from_api(payloads.postgres_type())
SCOPE = Scope.project(payloads.PROJECT_ID)
PROPS = {"host": "h", "port": 1, "database": "d", "username": "user-x1", "password": "pw-sent-123"}


def conn(name: str, cid: str, **props: Any) -> Connection:
    return Connection(id=cid, name=name, datasource_type=PG.id, scope=SCOPE, properties={**PROPS, **props})


class FakeClient:
    def __init__(self, *, fail: dict[str, Exception] | None = None, taken: dict[str, Connection] | None = None):
        self.fail = fail or {}
        self.taken = taken or {}
        self.calls: list[tuple[str, str]] = []

    def create_checked_connection(self, scope: Scope, new: Any, **kwargs: Any) -> Connection:
        name = new.name
        self.calls.append(("create", name))
        if name in self.fail:
            raise self.fail[name]
        if name in self.taken:
            raise ConnectionNameExistsError(409, "already exists", code="conflict")
        return conn(name, f"id-{name}")

    def find_connection(self, scope: Scope, name: str) -> Connection | None:
        self.calls.append(("find", name))
        return self.taken.get(name)

    def update_connection(self, scope: Scope, cid: str, changes: Any, **kwargs: Any) -> Connection:
        self.calls.append(("update", cid))
        if cid in self.fail:
            raise self.fail[cid]
        return conn(cid, cid)

    def delete_connection(self, scope: Scope, cid: str, **kwargs: Any) -> bool:
        self.calls.append(("delete", cid))
        return True


def rename_plan(**changed: Any):
    desired = [
        DesiredConnection("app-new", PG, None, dict(PROPS)),
        DesiredConnection("app-keep", PG, None, {**PROPS, **changed}),
    ]
    return make_plan(desired, [conn("app-old", "old"), conn("app-keep", "keep")], managed_prefix="app-", prune=True)


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"app-new": BadRequestError(400, "no", code="invalid_property")}, id="create-permanent"),
        pytest.param({"app-new": ServerError(503, "down")}, id="create-transient"),
        pytest.param({"app-new": RuntimeError("bug")}, id="create-unexpected"),
        pytest.param({"keep": BadRequestError(400, "no")}, id="update-fails"),
    ],
)
def test_deletions_are_held_back_when_a_create_or_update_fails(failure):
    client = FakeClient(fail=failure)
    outcomes = apply_plan(client, SCOPE, rename_plan(database="d2"), test=False, max_concurrency=4)  # type: ignore[arg-type]
    assert ("delete", "old") not in client.calls
    summary = summarise(SCOPE, rename_plan(database="d2"), outcomes, dry_run=False)
    assert summary["held_back"] == ["app-old"] and summary["deleted"] == []
    assert applied_secrets(outcomes)[2] == []  # nothing deleted, nothing forgotten


def test_deletions_follow_the_creates_and_updates():
    client = FakeClient()
    outcomes = apply_plan(client, SCOPE, rename_plan(database="d2"), test=False, max_concurrency=4)  # type: ignore[arg-type]
    kinds = [kind for kind, _ in client.calls]
    assert kinds.index("delete") == len(kinds) - 1
    assert summarise(SCOPE, rename_plan(database="d2"), outcomes, dry_run=False)["deleted"] == ["app-old"]


def test_a_409_on_create_converges_the_connection_another_writer_made():
    theirs = conn("app-new", "theirs", database="other")
    client = FakeClient(taken={"app-new": theirs})
    plan = make_plan([DesiredConnection("app-new", PG, None, dict(PROPS))], [])
    (outcome,) = apply_plan(client, SCOPE, plan, test=False, max_concurrency=1)  # type: ignore[arg-type]
    assert outcome.error is None and outcome.effect == "update" and outcome.connection_id == "theirs"
    assert ("update", "theirs") in client.calls
    assert outcome.sent_secrets == {"password": "pw-sent-123"}  # what the other writer sent is unknown
    applied, created, _ = applied_secrets([outcome])
    assert created == [] and applied == {"theirs": {"password": "pw-sent-123"}}


def test_a_409_for_a_connection_of_another_type_is_a_permanent_failure():
    theirs = Connection(id="theirs", name="app-new", datasource_type="http-type-id", scope=SCOPE)
    client = FakeClient(taken={"app-new": theirs})
    plan = make_plan([DesiredConnection("app-new", PG, None, dict(PROPS))], [])
    (outcome,) = apply_plan(client, SCOPE, plan, test=False, max_concurrency=1)  # type: ignore[arg-type]
    assert outcome.permanent and "with datasource type http-type-id" in (outcome.error or "")
    assert ("update", "theirs") not in client.calls


def test_a_failure_text_keeps_codes_and_traces_and_drops_every_value_sent():
    echo = BadRequestError(
        400, "bad value pw-sent-123 for user-x1", code="invalid_property", trace="t-user-x1-9", target="password"
    )
    client = FakeClient(fail={"app-new": echo})
    plan = make_plan([DesiredConnection("app-new", PG, "Orders DB", dict(PROPS))], [])
    (outcome,) = apply_plan(client, SCOPE, plan, test=False, max_concurrency=1)  # type: ignore[arg-type]
    text = outcome.error or ""
    assert "pw-sent-123" not in text and "bad value *** for ***" in text
    assert "[trace t-user-x1-9]" in text and "invalid_property" in text and "'password'" in text


def test_the_redactor_replaces_every_spelling_and_ignores_short_values():
    redactor = Redactor.of(['a"b\\c-secret', "db", None])
    assert redactor.text('x a"b\\c-secret y a\\"b\\\\c-secret z db') == "x *** y *** z db"
