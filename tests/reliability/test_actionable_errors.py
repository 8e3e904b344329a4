"""Errors a user can act on: each names the Airflow connection and the field to fix (or every offending
property), and is not retried when retrying cannot help.

The misbehaving hosts are real servers on loopback (``stand_ins``): a login page that answers every path
with 200 ``text/html``, token endpoints and APIs that redirect. Each row counts the requests they got,
so "not retried" is measured, and checks that the API key never shows and nothing was written.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException, Connection

from airflow_connections_provider.client import ConfigurationError, InvalidInputError, Scope
from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook
from airflow_connections_provider.operators.ibm import (
    IBMCreateConnectionOperator,
    IBMSyncConnectionsOperator,
    IBMUpdateConnectionOperator,
)
from tests.reliability.rows import (
    CONN_ID,
    TriggerFailedError,
    debug_logging,
    exposed_texts,
    leaked,
    run_trigger,
    set_airflow_conn,
)
from tests.reliability.stand_ins import StandIn, login_page, redirect_to
from tests.support.task_fixtures import FakeTI

FAIL = AirflowFailException
NAMED = f"Airflow connection {CONN_ID!r}"
PG = {"host": "db", "port": 5432, "database": "orders", "username": "etl", "password": "Pg-Secret-71"}


class ButtonTestFailedError(Exception):
    """The UI's Test button said no."""


@dataclass
class Env:
    emu: Any
    monkeypatch: pytest.MonkeyPatch
    stand_in: StandIn | None = None

    def conn(self, extra: dict[str, Any] | None = None, **fields: Any) -> str:
        """An IAM Airflow connection to the emulator; ``fields`` and ``extra`` override, and the strings
        ``STAND_IN`` in them become the stand-in server's URL."""
        values = {"host": self.emu.url, "password": self.emu.api_key, **fields}
        extras = {"iam_url": self.emu.url, "project": "sales", "retry_limit": 4, "retry_delay": 0, **(extra or {})}
        url = self.stand_in.url if self.stand_in is not None else ""
        values = {k: v.replace("STAND_IN", url) if isinstance(v, str) else v for k, v in values.items()}
        extras = {k: v.replace("STAND_IN", url) if isinstance(v, str) else v for k, v in extras.items()}
        return set_airflow_conn(self.monkeypatch, extra=extras, **values)


def create(extra: dict[str, Any] | None = None, *, properties: Any = None, **fields: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        return IBMCreateConnectionOperator(
            task_id="c",
            ibm_conn_id=env.conn(extra, **fields),
            name="orders",
            datasource_type="postgresql",
            properties=PG if properties is None else properties,
            test=False,
        ).execute({"ti": FakeTI()})

    return run


def ui_test_button(extra: dict[str, Any] | None = None, **fields: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        ok, message = IBMDataPlatformHook(env.conn(extra, **fields)).test_connection()
        if not ok:
            raise ButtonTestFailedError(message)
        return message

    return run


def trigger(extra: dict[str, Any] | None = None, **fields: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        return run_trigger(env.conn(extra, **fields), scope_id=env.emu.project_id("sales"), connection_id="c1")

    return run


def client_create(properties: dict[str, Any]) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        hook = IBMDataPlatformHook(env.conn())
        try:
            scope = Scope.project(env.emu.project_id("sales"))
            return hook.client.create_connection(
                scope, name="orders", datasource_type="postgresql", properties=properties, test=False
            )
        finally:
            hook.close()

    return run


def update(set_properties: dict[str, Any]) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        env.emu.create_connection("orders", "postgresql", PG, project="sales")
        return IBMUpdateConnectionOperator(
            task_id="u", ibm_conn_id=env.conn(), connection_name="orders", set_properties=set_properties, test=False
        ).execute({"ti": FakeTI()})

    return run


def sync(properties: dict[str, Any]) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        spec = [{"name": "app-1", "datasource_type": "postgresql", "properties": properties}]
        return IBMSyncConnectionsOperator(
            task_id="s", ibm_conn_id=env.conn(), spec=spec, managed_prefix="app-", secret_fingerprints=False, test=False
        ).execute({"ti": FakeTI()})

    return run


def port_field(port: int) -> Callable[[Env], Any]:
    """A secrets backend handing over a connection whose port field holds ``port`` (an env var cannot)."""

    def run(env: Env) -> Any:
        conn = Connection(
            conn_id=CONN_ID, conn_type="ibmdataplatform", host="cpd.example.invalid", password="k", port=port
        )
        env.monkeypatch.setattr(IBMDataPlatformHook, "get_connection", classmethod(lambda cls, conn_id: conn))
        return IBMDataPlatformHook(CONN_ID).client

    return run


@dataclass(frozen=True)
class Row:
    run: Callable[[Env], Any]
    raises: type[BaseException]
    fragments: tuple[str, ...]  # each must be in the message: the connection, the field, the fix
    serve: Callable[..., Any] | None = None  # a stand-in server's answer, when the row needs one
    requests: int | None = None  # how many requests the stand-in may get: 1 = not retried
    not_in: tuple[str, ...] = field(default=())
    once: tuple[str, ...] = field(default=())  # each in the message exactly once (not named twice)


BAD_SHAPES = {**PG, "host": ["db-1", "db-2"], "database": {"name": "orders"}, "username": None}
SHAPE_NAMES = ("'host'", "'database'", "'username'")
HOST = f"the host field of {NAMED}"
IAM_URL = f"extra 'iam_url' of {NAMED}"

ROWS = {
    # --- a host that answers 200 text/html (a login page) ----------------------------------------------
    "login-page-host-operator": Row(
        create(host="STAND_IN"), FAIL, (HOST, "text/html, not JSON", "/v2/"), login_page, requests=1
    ),
    "login-page-host-test-button": Row(
        ui_test_button(host="STAND_IN"),
        ButtonTestFailedError,
        (HOST, "text/html", "/v2/connections/version"),
        login_page,
        requests=1,
    ),
    "login-page-host-trigger": Row(trigger(host="STAND_IN"), TriggerFailedError, (HOST, "text/html"), login_page, 1),
    "login-page-iam-url": Row(
        create({"iam_url": "STAND_IN"}), FAIL, (IAM_URL, "text/html", "/identity/token"), login_page, requests=1
    ),
    # --- region names that are not regions ----------------------------------------------------------------
    "region-us-east": Row(
        create(host="us-east"), FAIL, (HOST, "'us-east' is not an IBM Cloud region", "us-south (Dallas)")
    ),
    "region-eu-frankfurt": Row(create(host="eu-frankfurt"), FAIL, (HOST, "did you mean 'eu-de'?", "eu-gb (London)")),
    "region-typo-trigger": Row(trigger(host="jp-tokyo"), TriggerFailedError, (HOST, "did you mean 'jp-tok'?")),
    # --- malformed host URLs ----------------------------------------------------------------------------
    "host-ipv6-unclosed": Row(create(host="http://[::1"), FAIL, (HOST, "IPv6 address needs both brackets")),
    "host-ipv6-unclosed-test-button": Row(
        ui_test_button(host="https://[2001:db8::1"), ButtonTestFailedError, (HOST, "both brackets")
    ),
    "host-ipv6-unclosed-trigger": Row(trigger(host="http://[::1"), TriggerFailedError, (HOST, "both brackets")),
    "host-with-a-space": Row(create(host="https://cpd .example.invalid"), FAIL, (HOST, "space")),
    # --- redirects: say so, and where to ----------------------------------------------------------------
    "iam-token-endpoint-redirects": Row(
        create({"iam_url": "STAND_IN"}),
        FAIL,
        ("redirect to https://iam.example.com/identity/token", IAM_URL),
        redirect_to("https://iam.example.com/identity/token?session=x"),
        requests=1,
        not_in=("session=x", "check the API key"),
    ),
    "cp4d-authorize-redirects": Row(
        create({"auth_type": "cp4d_password"}, host="STAND_IN", login="admin"),
        FAIL,
        ("redirect to https://cpd.example.com/icp4d-api/v1/authorize", HOST),
        redirect_to("https://cpd.example.com/icp4d-api/v1/authorize", status=301),
        requests=1,
    ),
    "api-redirects-http-to-https": Row(
        create({"auth_type": "bearer_token"}, host="STAND_IN"),
        FAIL,
        ("redirect to https://cpd.example.com/v2/", HOST),
        redirect_to("https://cpd.example.com/v2/datasource_types/postgresql", status=308),
        requests=1,
    ),
    # --- ports of 5,000 digits --------------------------------------------------------------------------
    "port-of-5000-digits-in-host": Row(create(host=f"https://cpd.example.invalid:{'9' * 5000}"), FAIL, (HOST, "port")),
    "port-field-of-5000-digits": Row(
        port_field(10**4999), ConfigurationError, (f"the port field of {NAMED}", "between 1 and 65535", "5000-digit")
    ),
    "timeout-of-5000-digits": Row(
        create({"timeout": "9" * 5000}), FAIL, (f"extra 'timeout' of {NAMED}", "5000-digit number")
    ),
    "property-port-5000-digit-text": Row(
        client_create({**PG, "port": "9" * 5000}), InvalidInputError, ("'port' is a port", "between 1 and 65535")
    ),
    "property-text-5000-digit-number": Row(
        create(properties={**PG, "database": 10**4999}), FAIL, ("'database' must be a string", "5000-digit number")
    ),
    # --- property values of the wrong shape: every one named --------------------------------------------
    "property-shapes-client": Row(client_create(BAD_SHAPES), InvalidInputError, SHAPE_NAMES, once=SHAPE_NAMES),
    "property-shapes-create": Row(create(properties=BAD_SHAPES), FAIL, SHAPE_NAMES, once=SHAPE_NAMES),
    "property-shapes-update": Row(
        update({"host": ["a"], "database": {"x": 1}, "username": None}), FAIL, SHAPE_NAMES, once=SHAPE_NAMES
    ),
    "property-shapes-sync": Row(sync(BAD_SHAPES), FAIL, SHAPE_NAMES, once=SHAPE_NAMES),
}


@pytest.fixture
def env(emu, monkeypatch) -> Env:
    return Env(emu, monkeypatch)


@pytest.mark.parametrize("name", list(ROWS))
def test_an_error_names_what_to_fix_and_is_not_retried(env, no_writes, caplog, scenario, name):
    debug_logging(caplog)
    row = ROWS[name]
    with contextlib.ExitStack() as stack:
        if row.serve is not None:
            env.stand_in = stack.enter_context(StandIn(row.serve))
        with pytest.raises(row.raises) as caught:
            row.run(env)
    message = str(caught.value)
    for fragment in row.fragments:
        assert fragment in message, f"{fragment!r} not in {message}"
    for fragment in row.not_in:
        assert fragment not in message, message
    for fragment in row.once:
        assert message.count(fragment) == 1, f"{fragment!r} is not named exactly once: {message}"
    assert "9" * 100 not in message and len(message) < 2000  # a 5,000-digit value is described, never printed
    if row.requests is not None:
        assert env.stand_in is not None and len(env.stand_in.requests) == row.requests
    assert leaked(exposed_texts(caught.value, caplog), [env.emu.api_key, PG["password"]]) == []
    assert no_writes() == 0
    scenario(
        area="actionable errors",
        injected=name,
        outcome=f"{type(caught.value).__name__}: {' '.join(message.split())[:220]}",
        requests_to_the_bad_host=len(env.stand_in.requests) if env.stand_in is not None else None,
        writes_sent=no_writes(),
    )
