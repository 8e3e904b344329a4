"""The hook: Airflow connection (from an AIRFLOW_CONN_ env var, no database) → client; test_connection."""

from __future__ import annotations

import asyncio
import json

import pytest
import responses

from airflow_connections_provider.client import ClientConfig, RetriesExhaustedError
from airflow_connections_provider.hooks.ibm import IBMDataPlatformHook
from tests.support import payloads

API = "https://cpd.test"
PROJECT_ID = payloads.PROJECT_ID


@pytest.fixture
def cp4d_conn(monkeypatch):
    conn = {
        "conn_type": "ibmdataplatform",
        "host": API,
        "login": "admin",
        "password": "pa55-word-xyz",
        "extra": {"auth_type": "cp4d_password", "project": "sales", "retry_limit": 1},
    }
    monkeypatch.setenv("AIRFLOW_CONN_IBM_TEST", json.dumps(conn))
    return "ibm_test"


def read_blocking(hook: IBMDataPlatformHook) -> ClientConfig:
    return hook.settings.client_config


def read_without_blocking(hook: IBMDataPlatformHook) -> ClientConfig:
    return asyncio.run(hook.aget_client_config())


def authorize(rsps, token: str) -> None:
    rsps.post(f"{API}/icp4d-api/v1/authorize", json={"_messageCode_": "200", "message": "Success", "token": token})


def test_hook_builds_a_client_from_the_airflow_connection(cp4d_conn):
    hook = IBMDataPlatformHook(cp4d_conn, timeout=12)
    cfg = hook.settings.client_config
    assert cfg.base_url == API and cfg.timeout == 12 and cfg.credentials.username == "admin"
    assert hook.default_project == "sales"
    assert hook.get_conn() is hook.client


def test_test_connection_checks_version_and_default_project(cp4d_conn):
    token = payloads.jwt({"iat": 0, "exp": 4_000_000_000})
    with responses.RequestsMock() as rsps:
        authorize(rsps, token)
        rsps.get(f"{API}/v2/connections/version", json={"service_name": "connections", "version": "3.1"})
        rsps.get(f"{API}/v2/projects", json={"resources": [payloads.project("sales", PROJECT_ID)]})
        ok, message = IBMDataPlatformHook(cp4d_conn).test_connection()
    assert ok, message
    assert "connections 3.1" in message and f"'sales' ({PROJECT_ID})" in message


def test_test_connection_reports_failures_without_raising_or_leaking(cp4d_conn):
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{API}/icp4d-api/v1/authorize", status=401, json={"_messageCode_": "401", "message": "Invalid credentials"}
        )
        ok, message = IBMDataPlatformHook(cp4d_conn).test_connection()
    assert not ok
    assert "AuthenticationError" in message and "Invalid credentials" in message
    assert "pa55-word-xyz" not in message


def test_test_connection_fails_when_the_default_project_is_missing(cp4d_conn):
    with responses.RequestsMock() as rsps:
        authorize(rsps, payloads.jwt({"iat": 0, "exp": 4_000_000_000}))
        rsps.get(f"{API}/v2/connections/version", json={"service_name": "connections", "version": "3.1"})
        rsps.get(f"{API}/v2/projects", json={"resources": [payloads.project("sales-eu")]})
        ok, message = IBMDataPlatformHook(cp4d_conn).test_connection()
    assert not ok and "no project is named exactly 'sales'" in message and "sales-eu" in message


def test_test_connection_reports_a_broken_connection_definition(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_IBM_BROKEN", json.dumps({"conn_type": "ibmdataplatform", "extra": {"auth_type": "nope"}})
    )
    ok, message = IBMDataPlatformHook("ibm_broken").test_connection()
    assert not ok and "unknown auth type" in message


def test_tokens_obtained_by_the_hook_are_masked_in_logs(cp4d_conn):
    from airflow.providers.common.compat.sdk import redact

    token = payloads.jwt({"iat": 0, "exp": 4_000_000_000, "sub": "token-owner-unique"})
    with responses.RequestsMock() as rsps:
        authorize(rsps, token)
        rsps.get(f"{API}/v2/connections/version", json={"service_name": "connections", "version": "3.1"})
        IBMDataPlatformHook(cp4d_conn).client.version()
    assert token not in str(redact(f"header was Bearer {token}"))


def test_resolve_scope_uses_the_default_project_or_names_the_fix(monkeypatch):
    monkeypatch.setenv(
        "AIRFLOW_CONN_IBM_NOPROJ",
        json.dumps(
            {"conn_type": "ibmdataplatform", "password": "tk-9z7q", "host": API, "extra": {"auth_type": "bearer_token"}}
        ),
    )
    with pytest.raises(Exception, match="pass project=, catalog= or space="):
        IBMDataPlatformHook("ibm_noproj").resolve_scope()


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        pytest.param(
            '{"conn_type": "ibmdataplatform", "password": "pa55-word-xyz", "extra": ',
            "its value is not valid JSON",
            id="value-not-json",
        ),
        pytest.param(
            json.dumps({"conn_type": "ibmdataplatform", "password": "pa55-word-xyz", "extra": "{oops"}),
            "the extra field of Airflow connection 'ibm_test' is not valid JSON",
            id="extra-not-json",
        ),
    ],
)
@pytest.mark.parametrize("read", [read_blocking, read_without_blocking], ids=["task", "trigger"])
def test_a_connection_airflow_cannot_read_is_named_not_called_undefined(monkeypatch, value, fragment, read):
    """Airflow reports an unreadable connection as "isn't defined" (3.1 even for a bad extra): say what is
    wrong, with one rule for tasks and triggers."""
    from airflow_connections_provider.client import ConfigurationError

    monkeypatch.setenv("AIRFLOW_CONN_IBM_TEST", value)
    with pytest.raises(ConfigurationError) as caught:
        read(IBMDataPlatformHook("ibm_test"))
    assert fragment in str(caught.value)
    assert "pa55-word-xyz" not in str(caught.value)


@pytest.mark.parametrize("read", [read_blocking, read_without_blocking], ids=["task", "trigger"])
def test_a_connection_no_backend_holds_is_still_reported_as_undefined(monkeypatch, read):
    from airflow.providers.common.compat.sdk import AirflowNotFoundException

    monkeypatch.delenv("AIRFLOW_CONN_IBM_NOWHERE", raising=False)
    with pytest.raises(AirflowNotFoundException, match="ibm_nowhere"):
        read(IBMDataPlatformHook("ibm_nowhere"))


def test_tasks_and_triggers_get_the_same_settings_through_the_hook(cp4d_conn):
    hook = IBMDataPlatformHook(cp4d_conn, timeout=12, retry_limit=3)
    assert read_without_blocking(hook) == read_blocking(IBMDataPlatformHook(cp4d_conn, timeout=12, retry_limit=3))
    assert read_blocking(hook).retry.retry_limit == 3


def test_retry_args_reach_the_client(monkeypatch):
    """The Airflow way (DatabricksHook(retry_args=...)): tenacity's strategies tune the hook's retries."""
    import tenacity

    conn = {"conn_type": "ibmdataplatform", "host": API, "password": "tk-9z7q", "extra": {"auth_type": "bearer_token"}}
    monkeypatch.setenv("AIRFLOW_CONN_IBM_BEARER", json.dumps(conn))
    hook = IBMDataPlatformHook(
        "ibm_bearer", retry_args={"stop": tenacity.stop_after_attempt(2), "wait": tenacity.wait_none()}
    )
    with responses.RequestsMock() as rsps:
        rsps.get(f"{API}/v2/connections/version", status=503, json=payloads.error("unavailable", "down"))
        with pytest.raises(RetriesExhaustedError, match="failed after 2 attempts"):
            hook.client.version()
        assert len(rsps.calls) == 2  # the connection's default would have made 6


def test_an_unreadable_value_that_is_not_json_gets_a_message_naming_both_forms():
    from airflow_connections_provider.hooks.settings import unreadable_connection_error

    message = str(unreadable_connection_error("ibm_test", "ibmdataplatform://:s3cret-value@host?%zz"))
    assert "cannot read it" in message and "connection URI" in message
    assert "s3cret-value" not in message
