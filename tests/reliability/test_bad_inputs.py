"""Bad inputs across every layer, against the emulator over real HTTP: each one is refused with the
right exception, a message naming the problem, and no write reaching the service (its request log).

One row per input. ``run`` gets a :class:`Env` and does what a user would: build the operator, sensor,
hook, client or trigger with the bad value and call it.
"""

from __future__ import annotations

import asyncio
import datetime
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import tenacity
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.assets import ibm_connection_asset
from airflow_connections_provider.client import (
    ConfigurationError,
    InvalidInputError,
    ProjectNotFoundError,
    Scope,
    UnknownDatasourceTypeError,
)
from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook
from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMDeleteConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor
from airflow_connections_provider.triggers.ibm import IBMConnectionValidationTrigger, ValidationEvent
from tests.integration.conftest import FAST_RETRY, SECRET
from tests.support.task_fixtures import FakeTI


class TriggerFailedError(Exception):
    """A trigger's final error event, raised so that trigger rows read like the others."""


@dataclass
class Env:
    emu: Any
    monkeypatch: pytest.MonkeyPatch
    context: dict[str, Any]

    def conn(self, conn_id: str = "ibm_bad", *, drop: tuple[str, ...] = (), **fields: Any) -> str:
        """An Airflow connection to the emulator with ``fields`` overridden (``extra`` merged)."""
        extra = {
            "auth_type": "iam_api_key",
            "iam_url": self.emu.url,
            "project": "sales",
            "retry_limit": FAST_RETRY.retry_limit,
            "retry_delay": FAST_RETRY.retry_delay,
            "max_retry_wait": FAST_RETRY.max_retry_wait,
        }
        given = fields.pop("extra", {})
        raw_extra: Any = {**extra, **given} if isinstance(given, dict) else given  # text: sent as it is
        conn = {"conn_type": "ibmdataplatform", "host": self.emu.url, "password": self.emu.api_key, "extra": raw_extra}
        conn.update(fields)
        for key in drop:
            raw_extra.pop(key, None)
        self.monkeypatch.setenv(f"AIRFLOW_CONN_{conn_id.upper()}", json.dumps(conn))
        return conn_id

    def existing(self, name: str = "orders") -> str:
        return self.emu.create_connection(
            name,
            "postgresql",
            {"host": "db", "port": 5432, "database": "d", "username": "u", "password": SECRET},
            project="sales",
        )


@dataclass(frozen=True)
class Case:
    layer: str
    run: Callable[[Env], Any]
    raises: type[BaseException]
    fragment: str


PG = {"host": "db", "port": 5432, "database": "orders", "username": "etl", "password": SECRET}


def create(**kwargs: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        args = {"task_id": "c", "name": "orders", "datasource_type": "postgresql", "properties": PG, "test": False}
        args.update(kwargs)
        return IBMCreateConnectionOperator(**args).execute(env.context)

    return run


def create_via(**conn_fields: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        conn_id = env.conn(**conn_fields)
        return create(ibm_conn_id=conn_id)(env)

    return run


def create_via_raw(value: str) -> Callable[[Env], Any]:
    """The connection's whole value as the environment holds it (text Airflow may fail to read)."""

    def run(env: Env) -> Any:
        env.monkeypatch.setenv("AIRFLOW_CONN_IBM_RAW", value)
        return create(ibm_conn_id="ibm_raw")(env)

    return run


def update(target: str = "orders", **kwargs: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        env.existing()
        env.existing("taken")
        args = {"task_id": "u", "connection_name": target, "test": False, **kwargs}
        return IBMUpdateConnectionOperator(**args).execute(env.context)

    return run


def asset(name: str, **scope: str) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        return ibm_connection_asset(name, **scope)

    return run


def delete(**kwargs: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        env.existing()
        return IBMDeleteConnectionOperator(**{"task_id": "d", **kwargs}).execute(env.context)

    return run


def sync(spec: Any = None, *, seed: int = 0, **kwargs: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        for i in range(seed):
            env.existing(f"app-{i:02d}")
        args = {
            "task_id": "s",
            "spec": spec if spec is not None else [entry("app-00")],
            "managed_prefix": "app-",
            "secret_fingerprints": False,
            "test": False,
            **kwargs,
        }
        return IBMSyncConnectionsOperator(**args).execute(env.context)

    return run


def entry(name: str, **overrides: Any) -> dict[str, Any]:
    return {"name": name, "datasource_type": "postgresql", "properties": dict(PG), **overrides}


def sensor(**kwargs: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        env.existing()
        args = {"task_id": "w", "poke_interval": 5, "timeout": 60, "mode": "poke", **kwargs}
        return IBMConnectionValidationSensor(**args).poke(env.context)

    return run


def trigger(conn: dict[str, Any] | None = None, **kwargs: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        conn_id = env.conn("ibm_trig", **(conn or {})) if conn is not None else "ibm_data_platform_default"
        args = {
            "ibm_conn_id": conn_id,
            "scope_kind": "project_id",
            "scope_id": env.emu.project_id("sales"),
            "connection_id": env.existing(),
            "poll_interval": 0.01,
            "hook_params": FAST_RETRY.to_dict(),
            **kwargs,
        }

        async def collect() -> list[Any]:
            return [e async for e in IBMConnectionValidationTrigger(**args).run()]

        (event,) = asyncio.run(collect())
        result = ValidationEvent.from_payload(event.payload)
        if result.status == "error" and result.permanent:
            raise TriggerFailedError(result.message)
        return result

    return run


def hook(call: Callable[[IBMDataPlatformHook], Any], **conn_fields: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        hook = IBMDataPlatformHook(env.conn("ibm_hook", **conn_fields))
        try:
            return call(hook)
        finally:
            hook.close()

    return run


def client(call: Callable[[Any, Scope], Any]) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        hook = IBMDataPlatformHook("ibm_data_platform_default")
        try:
            return call(hook.client, Scope.project(env.emu.project_id("sales")))
        finally:
            hook.close()

    return run


def new_conn(**kwargs: Any) -> Callable[[Any, Scope], Any]:
    def call(c: Any, scope: Scope) -> Any:
        args = {"name": "orders", "datasource_type": "postgresql", "properties": PG, "test": False, **kwargs}
        return c.create_connection(scope, **args)

    return call


FAIL = AirflowFailException
CASES = {
    # --- connection settings (the Airflow connection): named, no retry, nothing sent -------------------
    "settings-host-query-string": Case("settings", create_via(host="https://h.example.com/?x=1"), FAIL, "query string"),
    "settings-port-field": Case("settings", create_via(host="h.example.com", port=70000), FAIL, "between 1 and 65535"),
    "settings-port-in-host": Case("settings", create_via(host="https://h.example.com:99999"), FAIL, "invalid port"),
    "settings-iam-url-no-scheme": Case("settings", create_via(extra={"iam_url": "iam.example"}), FAIL, "'iam_url'"),
    "settings-auth-type": Case("settings", create_via(extra={"auth_type": "kerberos"}), FAIL, "unknown auth type"),
    "settings-extra-not-json": Case("settings", create_via(extra="{oops"), FAIL, "not valid JSON"),
    "settings-value-not-json": Case(
        "settings",
        create_via_raw(f'{{"conn_type": "ibmdataplatform", "password": "{SECRET}", "extra": {{"project": }}'),
        FAIL,
        "its value is not valid JSON",
    ),
    "settings-timeout-nan": Case("settings", create_via(extra={"timeout": "nan"}), FAIL, "'timeout'"),
    "settings-retry-limit-text": Case("settings", create_via(extra={"retry_limit": "lots"}), FAIL, "'retry_limit'"),
    # retry_limit counts attempts (the model providers' meaning): 0 is refused, saying that 1 means no retry
    "settings-retry-limit-zero": Case("settings", create_via(extra={"retry_limit": 0}), FAIL, "1 = no retry"),
    "settings-verify-tls": Case("settings", create_via(extra={"verify_tls": "maybe"}), FAIL, "'verify_tls'"),
    "settings-cp4d-no-login": Case(
        "settings", create_via(extra={"auth_type": "cp4d_password"}), FAIL, "needs username"
    ),
    # --- hook ------------------------------------------------------------------------------------------
    "hook-no-project": Case(
        "hook",
        hook(lambda h: h.resolve_scope(), drop=("project",)),
        ConfigurationError,
        "no project, catalog or space given",
    ),
    "hook-unknown-project": Case(
        "hook", hook(lambda h: h.resolve_scope("sale")), ProjectNotFoundError, "similar names: 'sales'"
    ),
    "hook-retry-args-retry": Case(
        "hook",
        lambda env: IBMDataPlatformHook(env.conn("ibm_hook"), retry_args={"retry": tenacity.retry_always}).client,
        ConfigurationError,
        "may not set 'retry': the client decides what is retried",
    ),
    "hook-bad-setting": Case(
        "hook", hook(lambda h: h.client, extra={"max_retry_wait": "long"}), ConfigurationError, "'max_retry_wait'"
    ),
    # --- client ----------------------------------------------------------------------------------------
    "client-unknown-type": Case(
        "client", client(new_conn(datasource_type="postgres")), UnknownDatasourceTypeError, "did you mean"
    ),
    "client-missing-required": Case(
        "client", client(new_conn(properties={"host": "db"})), InvalidInputError, "required property 'database'"
    ),
    "client-unknown-property": Case(
        "client", client(new_conn(properties={**PG, "hots": "x"})), InvalidInputError, "did you mean 'host'"
    ),
    "client-port-not-a-number": Case(
        "client", client(new_conn(properties={**PG, "port": "54x2"})), InvalidInputError, "'port' must be an integer"
    ),
    "client-port-boolean": Case(
        "client", client(new_conn(properties={**PG, "port": True})), InvalidInputError, "got a boolean"
    ),
    "client-empty-name": Case("client", client(new_conn(name=" ")), InvalidInputError, "name is empty"),
    "client-name-not-text": Case("client", client(new_conn(name=5)), InvalidInputError, "must be a string, got int"),
    "client-name-too-long": Case("client", client(new_conn(name="n" * 300)), InvalidInputError, "the limit is"),
    "client-name-zero-width": Case(
        "client", client(new_conn(name="orders\u200b")), InvalidInputError, "invisible format character, U+200B"
    ),
    "client-description-dict": Case(
        "client", client(new_conn(description={"a": 1})), InvalidInputError, "description must be a string"
    ),
    "client-properties-list": Case("client", client(new_conn(properties=[("host", "db")])), InvalidInputError, "list"),
    "client-value-datetime": Case(
        "client",
        client(new_conn(properties={**PG, "database": datetime.datetime(2024, 1, 1)})),
        InvalidInputError,
        "'database' must be a string, got datetime",
    ),
    "client-value-bytes": Case(
        "client", client(new_conn(properties={**PG, "database": b"x"})), InvalidInputError, "got bytes"
    ),
    "client-port-out-of-range": Case(
        "client", client(new_conn(properties={**PG, "port": 70000})), InvalidInputError, "between 1 and 65535"
    ),
    "client-port-nan": Case(
        "client", client(new_conn(properties={**PG, "port": float("nan")})), InvalidInputError, "finite"
    ),
    "client-id-dot": Case(
        "client", client(lambda c, scope: c.delete_connection(scope, ".")), InvalidInputError, "ids are UUIDs"
    ),
    "client-id-path": Case(
        "client",
        client(lambda c, scope: c.get_connection(scope, "../projects")),
        InvalidInputError,
        "is not a connection id",
    ),
    # --- create operator -------------------------------------------------------------------------------
    "create-name-not-text": Case("create", create(name=7), FAIL, "name must be text"),
    "create-properties-list": Case("create", create(properties=[("host", "db")]), FAIL, "must be a mapping"),
    "create-value-datetime": Case(
        "create", create(properties={**PG, "database": datetime.datetime(2024, 1, 1)}), FAIL, "got datetime"
    ),
    "create-value-set": Case("create", create(properties={**PG, "database": {"a"}}), FAIL, "got set"),
    "create-description-dict": Case("create", create(description={"a": 1}), FAIL, "description must be text"),
    "create-if-exists": Case("create", create(if_exists="overwrite"), FAIL, "if_exists must be one of"),
    "create-timeout-inf": Case("create", create(request_timeout=float("inf")), FAIL, "request_timeout"),
    "create-retry-limit-zero": Case("create", create(request_retry_limit=0), FAIL, "request_retry_limit must be"),
    "create-retry-args-retry": Case(
        "create",
        create(request_retry_args={"retry": tenacity.retry_always}),
        FAIL,
        "request_retry_args may not set 'retry'",
    ),
    "create-retry-args-not-callable": Case(
        "create", create(request_retry_args={"wait": 5}), FAIL, "request_retry_args['wait'] must be a tenacity"
    ),
    "create-unknown-type": Case("create", create(datasource_type="postgress"), FAIL, "did you mean 'postgresql'"),
    "create-bad-port": Case("create", create(properties={**PG, "port": "not-a-port"}), FAIL, "must be an integer"),
    "create-exists": Case("create", lambda env: (env.existing(), create()(env)), FAIL, "already exists"),
    # --- update operator -------------------------------------------------------------------------------
    "update-rename-collision": Case("update", update(new_name="taken"), FAIL, "cannot rename connection 'orders'"),
    "update-missing-name": Case("update", update(target="ghost", description="x"), FAIL, "no connection is named"),
    "update-remove-as-text": Case("update", update(remove_properties="password"), FAIL, "must be a list"),
    "update-unknown-property": Case("update", update(set_properties={"hots": "x"}), FAIL, "unknown property 'hots'"),
    "update-remove-required": Case("update", update(remove_properties=["host"]), FAIL, "cannot be removed"),
    "update-both-targets": Case("update", update(connection_id="x"), FAIL, "exactly one of"),
    # --- delete operator -------------------------------------------------------------------------------
    "delete-missing-ok-text": Case("delete", delete(connection_name="orders", missing_ok="no"), FAIL, "missing_ok"),
    "delete-missing-strict": Case(
        "delete", delete(connection_name="ghost", missing_ok=False), FAIL, "'ghost' does not exist"
    ),
    "delete-no-target": Case("delete", delete(), FAIL, "exactly one of"),
    "delete-id-dot": Case("delete", delete(connection_id="."), FAIL, "ids are UUIDs"),
    "delete-missing-id-strict": Case(
        "delete",
        delete(connection_id="99845973-050b-482b-b900-a13a75865258", missing_ok=False),
        FAIL,
        "does not exist in project",
    ),
    # --- sync operator ---------------------------------------------------------------------------------
    "sync-concurrency-64": Case("sync", sync(max_concurrency=64), FAIL, "between 1 and 32"),
    "sync-prune-no-prefix": Case("sync", sync(prune=True, managed_prefix=None), FAIL, "needs managed_prefix"),
    "sync-empty-spec-prune": Case("sync", sync([], seed=3, prune=True), FAIL, "allow_empty_spec=True"),
    "sync-null-spec-prune": Case("sync", sync("null\n", seed=3, prune=True), FAIL, "allow_empty_spec=True"),
    "sync-too-many-deletes": Case(
        "sync", sync([entry("app-00")], seed=12, prune=True, max_delete_fraction=None), FAIL, "max_deletes=10"
    ),
    "sync-too-large-fraction": Case(
        "sync", sync([entry("app-00")], seed=4, prune=True), FAIL, "max_delete_fraction=0.5"
    ),
    "sync-broken-yaml": Case("sync", sync('- name: "app-00\n  x: 1\n'), FAIL, "not valid YAML or JSON at line"),
    "sync-entry-not-mapping": Case("sync", sync(["app-00"]), FAIL, "must be a mapping"),
    "sync-properties-list": Case("sync", sync([entry("app-00", properties=["x"])]), FAIL, "'properties' must be"),
    "sync-description-dict": Case("sync", sync([entry("app-00", description={"a": 1})]), FAIL, "'description' must"),
    "sync-type-not-text": Case("sync", sync([entry("app-00", datasource_type=5)]), FAIL, "'datasource_type' must"),
    "sync-duplicate-names": Case("sync", sync([entry("app-00"), entry("app-00")]), FAIL, "duplicate name"),
    "sync-outside-prefix": Case("sync", sync([entry("other")]), FAIL, "must start with managed_prefix"),
    "sync-unknown-key": Case("sync", sync([entry("app-00", propertes={})]), FAIL, "did you mean 'properties'"),
    "sync-bad-value": Case(
        "sync", sync([entry("app-00", properties={**PG, "port": "x"})]), FAIL, "'port' must be an integer"
    ),
    # --- sensor ----------------------------------------------------------------------------------------
    "sensor-no-target": Case("sensor", sensor(), FAIL, "exactly one of"),
    "sensor-missing-name": Case("sensor", sensor(connection_name="ghost"), FAIL, "no connection is named"),
    "sensor-id-not-text": Case("sensor", sensor(connection_id=12), FAIL, "connection_id must be text"),
    "sensor-id-dot-dot": Case("sensor", sensor(connection_id=".."), FAIL, "ids are UUIDs"),
    "sensor-bad-settings": Case(
        "sensor",
        lambda env: sensor(connection_name="orders", ibm_conn_id=env.conn(port=0, extra={"timeout": "x"}))(env),
        FAIL,
        "'timeout'",
    ),
    # --- connection assets (a DAG file's schedule, at parse time) ---------------------------------------
    "asset-no-scope": Case("assets", asset("orders"), ValueError, "give exactly one of project_id"),
    "asset-two-scopes": Case("assets", asset("orders", project_id="p-1", space_id="s-1"), ValueError, "several"),
    "asset-project-by-name": Case(
        "assets", asset("orders", project_id="sales analytics"), ValueError, "give the project's id, not its name"
    ),
    "asset-empty-name": Case("assets", asset("", project_id="p-1"), ValueError, "the connection's exact name"),
    # --- trigger (one permanent error event, never a crash) -------------------------------------------
    "trigger-unknown-airflow-conn": Case("trigger", trigger(ibm_conn_id="nope_conn"), TriggerFailedError, "nope_conn"),
    "trigger-bad-settings": Case(
        "trigger", trigger({"extra": {"iam_url": "no-scheme"}}), TriggerFailedError, "'iam_url'"
    ),
    "trigger-extra-not-json": Case("trigger", trigger({"extra": "{oops"}), TriggerFailedError, "not valid JSON"),
    "trigger-auth-type": Case("trigger", trigger({"extra": {"auth_type": "magic"}}), TriggerFailedError, "auth type"),
    "trigger-bad-connection-id": Case("trigger", trigger(connection_id="."), TriggerFailedError, "ids are UUIDs"),
    "trigger-hook-params-unknown": Case(
        "trigger", trigger(hook_params={"retries": 3}), TriggerFailedError, "hook_params of the trigger"
    ),
}


@pytest.fixture
def env(emu, airflow_conn, monkeypatch) -> Env:
    return Env(emu, monkeypatch, {"ti": FakeTI()})


def test_the_table_covers_every_layer():
    assert len(CASES) >= 40
    assert {c.layer for c in CASES.values()} == {
        "settings",
        "hook",
        "client",
        "create",
        "update",
        "delete",
        "sync",
        "sensor",
        "trigger",
        "assets",
    }


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_refused_before_any_write(env, no_writes, scenario, name):
    case = CASES[name]
    with pytest.raises(case.raises) as caught:
        case.run(env)
    message = str(caught.value)
    assert case.fragment in message, message
    assert SECRET not in message
    assert message.count("is not usable") <= 1, f"the message says it twice: {message}"
    assert no_writes() == 0
    scenario(
        area=f"bad input: {case.layer}",
        injected=name,
        outcome=f"{type(caught.value).__name__}: {' '.join(message.split())[:220]}",
        writes_sent=no_writes(),
    )
