"""Every wait is bounded: a reply trickled a byte at a time, a retry limit of a million, a listing whose
pages never end. Each row runs against a real server on loopback and ends with an error that names the
bound, the same in the blocking client and the triggerer's async client.

No timing is asserted: a row passes when the wait ended, and ended with the right error.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_connections_provider.client import (
    AsyncConnectionsClient,
    AuthType,
    ClientConfig,
    ConfigurationError,
    ConnectionsClient,
    Credentials,
    RetriesExhaustedError,
    RetryPolicy,
    Scope,
    TransportError,
)
from airflow_connections_provider.client.errors import ListingError
from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook
from airflow_connections_provider.operators.ibm import IBMCreateConnectionOperator, IBMDeleteConnectionOperator
from tests.reliability.rows import (
    TriggerFailedError,
    debug_logging,
    exposed_texts,
    leaked,
    run_trigger,
    set_airflow_conn,
    trigger_events,
)
from tests.reliability.stand_ins import StandIn, TrickleServer, json_reply
from tests.support.task_fixtures import FakeTI

TOKEN = "Bounded-Waits-Token-8c1f"  # distinctive: a leak is easy to find
DEADLINE_REASON = "no complete reply within 1 s (the total deadline of one request, total_timeout)"
RETRY_PHRASE = "must be an integer between 1 and 100 (attempts of each API request, the first included: 1 = no retry)"


def trickle_config(url: str, **overrides: Any) -> ClientConfig:
    """A read timeout the trickle never trips (a byte every 0.2 s) and a total deadline of 1 s."""
    options: dict[str, Any] = {"timeout": 0.5, "total_timeout": 1.0, "retry": RetryPolicy(retry_limit=1)}
    options.update(overrides)
    return ClientConfig(Credentials(AuthType.BEARER_TOKEN, token=TOKEN), base_url=url, **options)


def sync_version(url: str) -> Any:
    with ConnectionsClient(trickle_config(url)) as client:
        return client.version()


def async_version(url: str) -> Any:
    async def call() -> Any:
        async with AsyncConnectionsClient(trickle_config(url)) as client:
            return await client.version()

    return asyncio.run(call())


# -- a reply trickled a byte at a time ------------------------------------------------------------------


@pytest.mark.parametrize("headers_at_once", [False, True], ids=["whole-reply-trickled", "body-trickled"])
@pytest.mark.parametrize("shell", [sync_version, async_version], ids=["requests", "httpx"])
def test_a_trickled_reply_ends_at_the_total_deadline(shell, headers_at_once, caplog, scenario):
    debug_logging(caplog)
    with (
        TrickleServer(headers_at_once=headers_at_once) as server,
        pytest.raises((RetriesExhaustedError, TransportError)) as caught,
    ):
        shell(server.url)
    # The blocking shell wraps the failure once its attempts run out; the async one makes one attempt (the
    # trigger's next poll is its retry) and raises it as it is.
    expected = RetriesExhaustedError if shell is sync_version else TransportError
    assert type(caught.value) is expected
    error = getattr(caught.value, "last_error", caught.value)
    assert isinstance(error, TransportError)
    # The same reason in both shells, and transient: another attempt may find a faster service.
    assert error.reason == DEADLINE_REASON
    assert (error.transient, error.maybe_applied) == (True, True)
    assert leaked(exposed_texts(caught.value, caplog), [TOKEN]) == []
    scenario(
        area="bounded waits",
        injected=f"{shell.__name__}: reply written one byte every 0.2 s "
        + ("(body only)" if headers_at_once else "(from the status line)"),
        outcome=f"{type(caught.value).__name__}: {caught.value}",
        connections_accepted=server.accepted,
    )


def test_an_operator_on_a_trickling_host_fails_retryably_after_its_retries(monkeypatch, caplog, scenario):
    debug_logging(caplog)
    with TrickleServer() as server:
        conn_id = set_airflow_conn(
            monkeypatch,
            host=server.url,
            password=TOKEN,
            extra={"auth_type": "bearer_token", "timeout": 0.5, "total_timeout": 1, "retry_limit": 2, "retry_delay": 0},
        )
        op = IBMDeleteConnectionOperator(task_id="d", ibm_conn_id=conn_id, project="p1", connection_name="orders")
        with pytest.raises(AirflowException) as caught:
            op.execute({"ti": FakeTI()})
    message = str(caught.value)
    assert not isinstance(caught.value, AirflowFailException)  # the task's own retries may find it faster
    assert DEADLINE_REASON in message and "after 2 attempts" in message
    assert server.accepted == 2
    assert leaked(exposed_texts(caught.value, caplog), [TOKEN]) == []
    scenario(
        area="bounded waits",
        injected="operator against a host trickling its replies; total_timeout=1, retry_limit=2",
        outcome=f"{type(caught.value).__name__}: {message[:200]}",
        connections_accepted=server.accepted,
    )


def test_a_deferred_sensor_on_a_trickling_host_ends_at_its_own_deadline(monkeypatch, capfd, scenario):
    with TrickleServer() as server:
        conn_id = set_airflow_conn(
            monkeypatch, host=server.url, password=TOKEN, extra={"auth_type": "bearer_token", "total_timeout": 1}
        )
        events = trigger_events(conn_id, deadline=time.time() + 2.5, hook_params={"timeout": 0.5})
    # Each test ended at the request's deadline as "not yet"; the sensor's own deadline then ended the wait.
    assert [e.status for e in events] == ["timeout"]
    out, err = capfd.readouterr()  # the trigger's log (structlog writes to the console)
    assert DEADLINE_REASON in out + err
    scenario(
        area="bounded waits",
        injected="deferred sensor's trigger against a host trickling its replies",
        outcome=f"one event: {events[0].status} ({events[0].message})",
        tests_started=server.accepted,
    )


# -- one retry cap, one message ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Cap:
    run: Callable[[pytest.MonkeyPatch, Any], Any]
    raises: type[BaseException]
    names: str


def emulator_conn(monkeypatch: pytest.MonkeyPatch, emu: Any, extra: dict[str, Any] | None = None) -> str:
    """A bearer-token connection to the emulator: whatever a regression lets through goes to loopback."""
    extra = {"auth_type": "bearer_token", "project": "sales", "retry_delay": 0, "max_retry_wait": 0, **(extra or {})}
    return set_airflow_conn(monkeypatch, host=emu.url, password="static-token-abc", extra=extra)


def create_with(extra: dict[str, Any] | None = None, **op_args: Any) -> Callable[[pytest.MonkeyPatch, Any], Any]:
    def run(monkeypatch: pytest.MonkeyPatch, emu: Any) -> Any:
        args = {"task_id": "c", "name": "orders", "datasource_type": "postgresql", "properties": {"host": "db"}}
        op = IBMCreateConnectionOperator(ibm_conn_id=emulator_conn(monkeypatch, emu, extra), **{**args, **op_args})
        return op.execute({"ti": FakeTI()})

    return run


def hook_with(retry_limit: int) -> Callable[[pytest.MonkeyPatch, Any], Any]:
    def run(monkeypatch: pytest.MonkeyPatch, emu: Any) -> Any:
        return IBMDataPlatformHook(emulator_conn(monkeypatch, emu), retry_limit=retry_limit).client

    return run


def trigger_with(retry_limit: int) -> Callable[[pytest.MonkeyPatch, Any], Any]:
    def run(monkeypatch: pytest.MonkeyPatch, emu: Any) -> Any:
        return run_trigger(emulator_conn(monkeypatch, emu), hook_params={"retry_limit": retry_limit})

    return run


CAPS = {
    "extra-a-million": Cap(create_with({"retry_limit": 1_000_000}), AirflowFailException, "extra 'retry_limit'"),
    "extra-101-as-text": Cap(create_with({"retry_limit": "101"}), AirflowFailException, "extra 'retry_limit'"),
    "extra-5000-digits": Cap(create_with({"retry_limit": "9" * 5000}), AirflowFailException, "extra 'retry_limit'"),
    "operator-argument": Cap(create_with(request_retry_limit=1000), AirflowFailException, "request_retry_limit"),
    "hook-argument": Cap(hook_with(101), ConfigurationError, "retry_limit"),
    "trigger-kwargs": Cap(trigger_with(1000), TriggerFailedError, "retry_limit"),
}


@pytest.mark.parametrize("name", list(CAPS))
def test_every_retry_limit_has_one_cap_and_one_message(monkeypatch, emu, no_writes, caplog, scenario, name):
    case = CAPS[name]
    with pytest.raises(case.raises) as caught:
        case.run(monkeypatch, emu)
    message = str(caught.value)
    assert case.names in message
    assert RETRY_PHRASE in message, message
    assert "9" * 100 not in message and len(message) < 600  # a 5,000-digit value is described, not printed
    assert no_writes() == 0
    scenario(
        area="bounded waits",
        injected=f"retry limit: {name}",
        outcome=f"{type(caught.value).__name__}: {' '.join(message.split())[:220]}",
    )


# -- listings whose pages never end ---------------------------------------------------------------------


def endless(kind: str) -> Callable[[str, str, dict[str, list[str]]], Any]:
    """A listing that names a fresh next page forever, whatever it holds."""
    tokens = itertools.count(1)

    def answer(method: str, path: str, query: dict[str, list[str]]) -> Any:
        n = next(tokens)
        if kind == "connections-empty":
            return json_reply(
                {"total_count": 0, "resources": [], "next": {"href": f"https://x/v2/connections?start=t{n}"}}
            )
        if kind == "connections-repeating":  # full pages of the same connection, far past total_count
            item = {"metadata": {"asset_id": "c1"}, "entity": {"name": "orders", "datasource_type": "t"}}
            return json_reply(
                {
                    "total_count": 250,
                    "resources": [item] * 100,
                    "next": {"href": f"https://x/v2/connections?start=t{n}"},
                }
            )
        if kind == "types-empty":
            return json_reply({"total_count": 0, "resources": [], "next": {"href": f"https://x/v2/t?offset={n * 100}"}})
        project = {"metadata": {"guid": "p1"}, "entity": {"name": "sales"}}
        return json_reply({"resources": [project], "bookmark": f"b{n}"})

    return answer


def list_connections(client: ConnectionsClient) -> Any:
    return client.list_connections(Scope.project("p1"))


LISTINGS: dict[str, tuple[str, Callable[[ConnectionsClient], Any]]] = {
    "connections-fresh-tokens-empty-pages": ("connections-empty", list_connections),
    "connections-pages-past-the-total": ("connections-repeating", list_connections),
    "datasource-types-growing-offsets-empty-pages": ("types-empty", lambda c: c.list_datasource_types()),
    "projects-fresh-bookmarks-no-count": ("projects", lambda c: list(c.iter_projects(page_size=100_000))),
}


@pytest.mark.parametrize("name", list(LISTINGS))
def test_a_listing_that_never_ends_is_stopped(caplog, scenario, name):
    kind, call = LISTINGS[name]
    with StandIn(endless(kind)) as service:
        config = ClientConfig(Credentials(AuthType.BEARER_TOKEN, token=TOKEN), base_url=service.url, timeout=5)
        with ConnectionsClient(config) as client, pytest.raises(ListingError) as caught:
            call(client)
    message = str(caught.value)
    assert "went on past" in message and "a fault on its side" in message
    # Bounded by what the service could hold: its count's pages plus a margin (10), or 1,000,000 items.
    assert len(service.requests) <= 30
    assert leaked(exposed_texts(caught.value, caplog), [TOKEN]) == []
    scenario(
        area="bounded waits",
        injected=f"listing: {name}",
        outcome=f"{type(caught.value).__name__} after {len(service.requests)} pages: {message[:160]}",
        pages_requested=len(service.requests),
    )


def test_a_sync_task_on_an_endless_listing_fails_retryably(monkeypatch, scenario):
    with StandIn(endless("connections-empty")) as service:
        conn_id = set_airflow_conn(monkeypatch, host=service.url, password=TOKEN, extra={"auth_type": "bearer_token"})
        hook = IBMDataPlatformHook(conn_id)
        try:
            with pytest.raises(ListingError):
                hook.client.find_connection(Scope.project("p1"), "orders")
        finally:
            hook.close()
    assert len(service.requests) <= 11
    scenario(
        area="bounded waits",
        injected="name lookup through the hook on a listing of fresh tokens and empty pages (total_count 0)",
        outcome=f"ListingError after {len(service.requests)} pages",
        pages_requested=len(service.requests),
    )
