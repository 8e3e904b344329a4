"""Secrets that arrive in a shape HTTP cannot carry, or in a place they do not belong, never leak.

- A credential with a line break or a character outside ASCII (a token pasted with its trailing newline,
  a curly quote) is refused when the client is configured, naming the field and never the value, and
  the trigger gives up at once; the escaped spellings of such a value (``tok\\n`` in an exception's
  text) are masked too.
- Credentials inside a URL (``http://user:pw@host``) are refused with where they belong.
- Every credential that would travel over plain ``http://`` is named in a warning.

Every row checks that no spelling of a secret appears in anything the failure exposed (message, repr,
chained causes, every log record at DEBUG) and that nothing was written to the emulator.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException, redact

from airflow_connections_provider.client import AuthType, ClientConfig, ConfigurationError, Credentials
from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook
from airflow_connections_provider.links import connection_ui_url
from airflow_connections_provider.operators.ibm import IBMCreateConnectionOperator
from tests.reliability.rows import (
    TriggerFailedError,
    debug_logging,
    exposed_texts,
    leaked,
    run_trigger,
    set_airflow_conn,
)
from tests.reliability.stand_ins import StandIn, json_reply
from tests.support.task_fixtures import FakeTI

CORE = "Pasted-Secret-4e2a9b"  # distinctive: a leak is easy to find
FAIL = AirflowFailException


class ButtonTestFailedError(Exception):
    """The UI's Test button said no; raised so that its rows read like the others."""


@dataclass
class Env:
    emu: Any
    monkeypatch: pytest.MonkeyPatch

    def conn(
        self, *, auth: str, password: str | None = None, extra: dict[str, Any] | None = None, **fields: Any
    ) -> str:
        """An Airflow connection to the emulator (API and token exchange) with ``fields`` overridden."""
        base = {"host": self.emu.url, "password": password}
        return set_airflow_conn(
            self.monkeypatch,
            extra={"auth_type": auth, "iam_url": self.emu.url, "project": "sales", "retry_limit": 2, **(extra or {})},
            **{**base, **fields},
        )


def create(**conn: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        op = IBMCreateConnectionOperator(
            task_id="c",
            ibm_conn_id=env.conn(**conn),
            name="orders",
            datasource_type="postgresql",
            properties={"host": "db", "port": 5432, "database": "d", "username": "u", "password": "pw-1"},
            test=False,
        )
        ti = FakeTI()
        try:
            return op.execute({"ti": ti})
        finally:
            assert ti.xcom == {} and op.ibm_link is None  # nothing reached XCom or the extra link

    return run


def ui_test_button(**conn: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        ok, message = IBMDataPlatformHook(env.conn(**conn)).test_connection()
        if not ok:
            raise ButtonTestFailedError(message)
        return message

    return run


def trigger(**conn: Any) -> Callable[[Env], Any]:
    def run(env: Env) -> Any:
        return run_trigger(env.conn(**conn), scope_id=env.emu.project_id("sales"))

    return run


@dataclass(frozen=True)
class Row:
    run: Callable[[Env], Any]
    raises: type[BaseException]
    names: str  # the field the message must name
    problem: str  # and what is wrong with it
    secret: str


NEWLINE_TOKEN = f"{CORE}\n"
CURLY_TOKEN = f"\u201c{CORE}\u201d"
URL_SECRET = f"{CORE}-in-url"

ROWS = {
    # --- a credential HTTP cannot carry: refused at configuration time ---------------------------------
    "bearer-token-trailing-newline": Row(
        create(auth="bearer_token", password=NEWLINE_TOKEN), FAIL, "the password field", "line break", NEWLINE_TOKEN
    ),
    "bearer-token-curly-quotes": Row(
        create(auth="bearer_token", password=CURLY_TOKEN), FAIL, "the password field", "outside ASCII", CURLY_TOKEN
    ),
    "iam-api-key-trailing-newline": Row(
        create(auth="iam_api_key", password=NEWLINE_TOKEN), FAIL, "the password field", "line break", NEWLINE_TOKEN
    ),
    "iam-api-key-crlf-test-button": Row(
        ui_test_button(auth="iam_api_key", password=f"{CORE}\r\n"),
        ButtonTestFailedError,
        "the password field",
        "line break",
        f"{CORE}\r\n",
    ),
    "bearer-token-curly-quote-test-button": Row(
        ui_test_button(auth="bearer_token", password=CURLY_TOKEN),
        ButtonTestFailedError,
        "the password field",
        "outside ASCII",
        CURLY_TOKEN,
    ),
    "bearer-token-newline-trigger": Row(
        trigger(auth="bearer_token", password=NEWLINE_TOKEN),
        TriggerFailedError,
        "the password field",
        "line break",
        NEWLINE_TOKEN,
    ),
    "token-in-extra-with-newline": Row(
        create(auth="bearer_token", extra={"token": NEWLINE_TOKEN}), FAIL, "extra 'token'", "line break", NEWLINE_TOKEN
    ),
    "zen-api-key-with-a-space": Row(
        create(auth="zen_api_key", login="admin", password=f"{CORE} x"), FAIL, "the password field", "a space", CORE
    ),
    "cp4d-username-trailing-newline": Row(
        create(auth="cp4d_password", login="admin\n", password=CORE), FAIL, "the login field", "line break", CORE
    ),
    "cp4d-password-control-character": Row(
        create(auth="cp4d_password", login="admin", password=f"{CORE}\x07"),
        FAIL,
        "the password field",
        "control character",
        f"{CORE}\x07",
    ),
    # --- credentials inside a URL: refused, with where they belong ---------------------------------------
    "host-url-with-user-and-password": Row(
        lambda env: create(
            auth="iam_api_key", password="k", host=f"http://admin:{URL_SECRET}@127.0.0.1:{env.emu.port}"
        )(env),
        FAIL,
        "the host field",
        "holds credentials",
        URL_SECRET,
    ),
    "host-without-scheme-with-credentials": Row(
        lambda env: create(auth="iam_api_key", password="k", host=f"admin:{URL_SECRET}@127.0.0.1:{env.emu.port}")(env),
        FAIL,
        "the host field",
        "holds credentials",
        URL_SECRET,
    ),
    "iam-url-with-credentials": Row(
        lambda env: create(
            auth="iam_api_key", password="k", extra={"iam_url": f"http://k:{URL_SECRET}@{env.emu.host}"}
        )(env),
        FAIL,
        "extra 'iam_url'",
        "holds credentials",
        URL_SECRET,
    ),
    "host-url-with-credentials-trigger": Row(
        lambda env: trigger(
            auth="iam_api_key", password="k", host=f"http://u:{URL_SECRET}@{env.emu.host}:{env.emu.port}"
        )(env),
        TriggerFailedError,
        "the host field",
        "holds credentials",
        URL_SECRET,
    ),
    "host-url-with-credentials-test-button": Row(
        lambda env: ui_test_button(
            auth="iam_api_key", password="k", host=f"http://u:{URL_SECRET}@{env.emu.host}:{env.emu.port}"
        )(env),
        ButtonTestFailedError,
        "the host field",
        "holds credentials",
        URL_SECRET,
    ),
    "client-base-url-with-credentials": Row(
        lambda env: ClientConfig(
            Credentials(AuthType.BEARER_TOKEN, token="t"), base_url=f"https://admin:{URL_SECRET}@cpd.example.invalid"
        ),
        ConfigurationError,
        "API base URL",
        "holds credentials",
        URL_SECRET,
    ),
}


@pytest.fixture
def env(emu, monkeypatch) -> Env:
    return Env(emu, monkeypatch)


@pytest.mark.parametrize("name", list(ROWS))
def test_a_secret_in_the_wrong_shape_or_place_is_refused_without_leaking(env, no_writes, caplog, scenario, name):
    debug_logging(caplog)
    row = ROWS[name]
    with pytest.raises(row.raises) as caught:
        row.run(env)
    message = str(caught.value)
    assert row.names in message and row.problem in message, message
    if "credentials" in row.problem:
        assert "login field" in message or "Credentials" in message  # where credentials go instead
    assert leaked(exposed_texts(caught.value, caplog), [row.secret, CORE]) == []
    assert no_writes() == 0
    scenario(
        area="secrets: inputs",
        injected=name,
        outcome=f"{type(caught.value).__name__}: {' '.join(message.split())[:220]}",
        writes_sent=no_writes(),
    )


def test_a_token_the_exchange_returns_with_a_newline_is_refused_once(monkeypatch, emu, no_writes, caplog, scenario):
    """The last net: a token endpoint that hands out a token no header can carry; not retried."""
    debug_logging(caplog)
    issued = f"{CORE}-issued\n"
    with StandIn(lambda *_: json_reply({"access_token": issued, "expires_in": 3600})) as iam:
        conn_id = set_airflow_conn(
            monkeypatch,
            host=emu.url,
            password="key-1",
            extra={"iam_url": iam.url, "project": "sales", "retry_limit": 4, "retry_delay": 0},
        )
        with pytest.raises(AirflowFailException) as caught:
            IBMCreateConnectionOperator(
                task_id="c", ibm_conn_id=conn_id, name="o", datasource_type="postgresql", properties={}
            ).execute({"ti": FakeTI()})
    message = str(caught.value)
    assert "token that an HTTP header cannot carry" in message
    assert len(iam.requests) == 1  # refused, not retried
    assert leaked(exposed_texts(caught.value, caplog), [issued]) == []
    assert no_writes() == 0
    scenario(
        area="secrets: inputs",
        injected="token endpoint returns a token with a trailing newline",
        outcome=f"{type(caught.value).__name__}: {message[:200]}",
        token_requests=len(iam.requests),
    )


# -- the escaped spellings of a secret are masked ---------------------------------------------------------

SPELLED = {
    "repr": lambda s: repr(s),
    "ascii": lambda s: ascii(s),
    "http-client-header-error": lambda s: f"ValueError: Invalid header value {('Bearer ' + s).encode('latin-1')!r}",
    "utf-8-bytes": lambda s: repr(s.encode()),
}


@pytest.mark.parametrize("form", list(SPELLED))
def test_the_escaped_spellings_of_a_connection_secret_are_masked(monkeypatch, scenario, form):
    secret = f"{CORE}-{form}\u00e9\n"  # a newline and a Latin-1 character: every form escapes something
    conn_id = set_airflow_conn(monkeypatch, host="https://cpd.example.invalid", password=secret)
    with pytest.raises(ConfigurationError):  # refused, but read first: its spellings are masked already
        _ = IBMDataPlatformHook(conn_id).settings
    text = SPELLED[form](secret)
    assert f"{CORE}-{form}" in text  # the check can fail
    shown = str(redact(text))
    assert f"{CORE}-{form}" not in shown, shown
    scenario(area="secrets: masking", injected=f"connection secret in its {form} spelling", outcome=shown[:120])


# -- every credential sent in clear is named -------------------------------------------------------------

CLEAR = {
    "bearer-token": ({"auth_type": "bearer_token"}, {"host": "http://api.example.test"}, ["The bearer token"]),
    "zen-api-key": ({"auth_type": "zen_api_key"}, {"host": "http://cpd.example.test", "login": "u"}, ["Zen API key"]),
    "iam-api-key-and-token": (
        {"auth_type": "iam_api_key", "iam_url": "http://iam.example.test"},
        {"host": "http://api.example.test"},
        ["The API key is sent to http://iam.example.test", "The access token is sent to http://api.example.test"],
    ),
    "cp4d-password": (
        {"auth_type": "cp4d_password"},
        {"host": "http://cpd.example.test:8080", "login": "admin"},
        ["The username and password are sent to http://cpd.example.test:8080"],
    ),
}


def warnings_of_a_client_for(monkeypatch: pytest.MonkeyPatch, caplog: Any, **conn: Any) -> list[str]:
    """The warnings logged while a hook builds its client (built only: nothing is sent)."""
    caplog.clear()
    hook = IBMDataPlatformHook(set_airflow_conn(monkeypatch, **conn))
    with caplog.at_level(logging.WARNING, logger="airflow_connections_provider.client"):
        _ = hook.client
    hook.close()
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


@pytest.mark.parametrize("name", list(CLEAR))
def test_every_credential_sent_over_plain_http_is_named(emu, monkeypatch, caplog, scenario, name):
    extra, fields, expected = CLEAR[name]
    secret = f"{CORE}-clear"
    # The same credentials to this machine's own address (the emulator) warn about nothing.
    local = {**extra, "iam_url": emu.url} if "iam_url" in extra else extra
    assert (
        warnings_of_a_client_for(monkeypatch, caplog, password=secret, extra=local, **{**fields, "host": emu.url}) == []
    )
    warnings = warnings_of_a_client_for(monkeypatch, caplog, password=secret, extra=extra, **fields)
    for fragment in expected:
        assert any(fragment in w for w in warnings), warnings
    assert all("https://" in w for w in warnings)  # the fix
    assert leaked(warnings, [secret]) == []
    scenario(area="secrets: cleartext", injected=f"{name} over http://", outcome=" | ".join(warnings)[:220])


def test_the_extra_link_never_carries_credentials():
    link = connection_ui_url(f"https://admin:{URL_SECRET}@cpd.example.com:8443", "project_id", "p1", "c1")
    assert URL_SECRET not in link and link.startswith("https://cpd.example.com:8443/connections/c1")
