"""Bad workspace, flag, vault-reference and skip_enforcement input: each row fails before any write, with
a message naming the problem and its fix, and no secret anywhere (message, repr, chained causes, logs,
XCom)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_connections_provider.client import ConfigurationError, InvalidInputError, Scope
from airflow_connections_provider.emulator import run_emulator
from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook
from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from airflow_connections_provider.sensors.ibm import IBMConnectionValidationSensor
from tests.reliability.rows import debug_logging, exposed_texts, leaked, set_airflow_conn
from tests.support.task_fixtures import FakeTI

FAIL = AirflowFailException
PASSWORD = "Ws-Secret-4417"
PG = {"host": "db", "port": 5432, "database": "orders", "username": "etl", "password": PASSWORD}
TAG = uuid.uuid4().hex[:8]  # workspaces added to the session's emulator outlive a test: names of this run
SPACE = f"deploy-{TAG}"
CATALOG = f"governed-{TAG}"
TWINS = f"twins-{TAG}"


@dataclass
class Env:
    emu: Any
    monkeypatch: pytest.MonkeyPatch
    ti: FakeTI

    def conn(self, **extra: Any) -> str:
        extras = {"iam_url": self.emu.url, "retry_limit": 2, "retry_delay": 0, **extra}
        if not {"project", "catalog", "space"} & set(extra):
            extras["project"] = "sales"
        return set_airflow_conn(self.monkeypatch, extra=extras, host=self.emu.url, password=self.emu.api_key)

    @property
    def context(self) -> dict[str, Any]:
        return {"ti": self.ti}


def create(conn_extra: dict[str, Any] | None = None, **arguments: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        kwargs = {"name": "orders", "datasource_type": "postgresql", "properties": PG, "test": False, **arguments}
        op = IBMCreateConnectionOperator(task_id="c", ibm_conn_id=env.conn(**(conn_extra or {})), **kwargs)
        return op.execute(env.context)

    return run


def update(**arguments: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        kwargs = {"connection_name": "orders", "set_properties": {"database": "x"}, "test": False, **arguments}
        return IBMUpdateConnectionOperator(task_id="u", ibm_conn_id=env.conn(), **kwargs).execute(env.context)

    return run


def sensor(**arguments: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        kwargs = {"connection_name": "orders", "mode": "poke", "deferrable": False, "timeout": 5, **arguments}
        return IBMConnectionValidationSensor(task_id="w", ibm_conn_id=env.conn(), **kwargs).execute(env.context)

    return run


def sync(workspaces: dict[str, Any] | None = None, **entry: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        spec = [{"name": "app-1", "datasource_type": "postgresql", "properties": PG, **entry}]
        return IBMSyncConnectionsOperator(
            task_id="s",
            ibm_conn_id=env.conn(),
            spec=spec,
            managed_prefix="app-",
            secret_fingerprints=False,
            test=False,
            **(workspaces or {}),
        ).execute(env.context)

    return run


def client_create(**arguments: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        hook = IBMDataPlatformHook(env.conn())
        try:
            scope = Scope.project(env.emu.project_id("sales"))
            kwargs = {"name": "orders", "datasource_type": "postgresql", "properties": PG, "test": False, **arguments}
            return hook.client.create_connection(scope, **kwargs)
        finally:
            hook.close()

    return run


def hook_scope(**extra: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        return IBMDataPlatformHook(env.conn(**extra)).resolve_scope()

    return run


@dataclass(frozen=True)
class Row:
    run: Callable[[Env], Any]
    raises: type[BaseException]
    fragments: tuple[str, ...]  # the problem, and the fix


BOTH = "a connection lives in exactly one project, catalog or space"
FLAGS_FIX = "the flags are parameterized, personal_credentials, restricted, internal_use_only"
ROWS = {
    # --- several workspaces given -----------------------------------------------------------------------
    "several-scopes-create": Row(
        create(project="sales", space=SPACE), FAIL, ("project and space are both given", BOTH)
    ),
    "several-scopes-update": Row(
        update(catalog=CATALOG, space=SPACE), FAIL, ("catalog and space are both given", BOTH)
    ),
    "several-scopes-sensor": Row(sensor(project="sales", catalog=CATALOG), FAIL, ("project and catalog", BOTH)),
    "several-scopes-sync": Row(
        sync({"project": "sales", "space": SPACE}), FAIL, ("project and space are both given", BOTH)
    ),
    "several-default-scopes-extra": Row(
        hook_scope(project="sales", catalog=CATALOG),
        ConfigurationError,
        ("default workspace", "project and catalog are both given", "set one of the extras"),
    ),
    "scope-not-text": Row(create(space=["a", "b"]), FAIL, ("space must be the space's id or exact name (text)",)),
    # --- names that match no workspace, or several ------------------------------------------------------
    "unknown-catalog-name": Row(
        create(catalog=CATALOG.upper()),
        FAIL,
        (f"no catalog is named exactly {CATALOG.upper()!r}", CATALOG, "catalog id"),
    ),
    "unknown-space-name": Row(
        create(space=f"{SPACE}-typo"), FAIL, (f"no space is named exactly '{SPACE}-typo'", SPACE, "the space id")
    ),
    "unknown-default-space-extra": Row(
        hook_scope(space="nowhere"), Exception, ("no space is named exactly 'nowhere'", "the space id")
    ),
    "ambiguous-space-name": Row(create(space=TWINS), FAIL, (f"2 spaces are named {TWINS!r}", "by id")),
    # --- flags ------------------------------------------------------------------------------------------
    "bad-flag-create": Row(create(flags=["personal"]), FAIL, ("flags[0] 'personal' is not a flag", FLAGS_FIX)),
    "flags-not-a-list": Row(create(flags="restricted"), FAIL, ("flags must be a list of flag names",)),
    "bad-flag-client": Row(client_create(flags=["Restricted"]), InvalidInputError, ("'Restricted' is not a flag",)),
    "bad-flag-sync": Row(sync(flags=["shared"]), FAIL, ("'shared' is not a flag", FLAGS_FIX)),
    # --- vault references and skip_enforcement -----------------------------------------------------------
    "vault-ref-blank-urn": Row(
        create(properties={**PG, "password": {"vault_secret": " "}}), FAIL, ("empty secret URN", "'vault_secret'")
    ),
    "vault-ref-urn-with-space": Row(
        update(set_properties={"password": {"vault_secret": "1000:db pass"}}), FAIL, ("whitespace", "vault_secret")
    ),
    "vault-ref-and-vaulted-properties": Row(
        client_create(properties={**PG, "vaulted_properties": "password"}),
        InvalidInputError,
        ("'vaulted_properties' is written by this client", "{'vault_secret': '<secret URN>'}"),
    ),
    "skip-enforcement-not-a-bool": Row(
        create(skip_enforcement="yes"), FAIL, ("skip_enforcement must be True or False",)
    ),
    # --- the sensor's action --------------------------------------------------------------------------------
    "sensor-unknown-action": Row(sensor(action="ping"), FAIL, ("action must be one of 'test', 'validate'",)),
}


@pytest.fixture
def env(emu, monkeypatch) -> Env:
    if not _has_space(emu, SPACE):  # once per session: the emulator keeps added workspaces
        emu.add_space(SPACE)
        emu.add_catalog(CATALOG)
        emu.add_space(TWINS)
        emu.add_space(TWINS)
    return Env(emu, monkeypatch, FakeTI())


def _has_space(emu: Any, name: str) -> bool:
    try:
        emu.space_id(name)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("name", list(ROWS))
def test_bad_workspace_flag_and_vault_input_names_the_fix_and_writes_nothing(env, no_writes, caplog, scenario, name):
    debug_logging(caplog)
    row = ROWS[name]
    with pytest.raises(row.raises) as caught:
        row.run(env)
    message = str(caught.value)
    for fragment in row.fragments:
        assert fragment in message, f"{fragment!r} not in {message}"
    exposed = [*exposed_texts(caught.value, caplog), repr(env.ti.xcom)]
    assert leaked(exposed, [env.emu.api_key, PASSWORD]) == []
    assert no_writes() == 0
    assert not any("skip_enforcement" in e["query"] for e in env.emu.request_log())
    scenario(
        area="workspaces, flags, vault references",
        injected=name,
        outcome=f"{type(caught.value).__name__}: {' '.join(message.split())[:220]}",
        writes_sent=no_writes(),
    )


def test_without_opt_in_skip_enforcement_is_never_sent_and_a_refused_create_stores_nothing(
    make_client, caplog, scenario
):
    """An administrator's vaulted-credentials guard refuses a plain secret: the error says how to comply
    (and that skip_enforcement exists), the client never adds skip_enforcement by itself, nothing is stored."""
    debug_logging(caplog)
    with run_emulator(projects=("sales",), enforce_vaulted_credentials=True) as emu:
        client = make_client(handle=emu)
        scope = Scope.project(emu.project_id("sales"))
        with pytest.raises(Exception) as caught:
            client.create_connection(scope, name="orders", datasource_type="postgresql", properties=PG, test=False)
        sent = [e["query"] for e in emu.request_log() if e["path"].startswith("/v2/connections")]
        stored = emu.stored_connections("sales")
    message = str(caught.value)
    assert "vaulted_properties" in message and "skip_enforcement" in message
    assert not any("skip_enforcement" in query for query in sent)
    assert stored == []
    assert leaked(exposed_texts(caught.value, caplog), [PASSWORD]) == []
    scenario(
        area="workspaces, flags, vault references",
        injected="plain secret under enforced vaulted credentials, no opt-in",
        outcome=f"{type(caught.value).__name__}: {' '.join(message.split())[:220]}",
        skip_enforcement_sent=0,
        stored=len(stored),
    )
