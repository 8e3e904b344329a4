"""retry_args, the Airflow way (``DatabricksHook(retry_args=...)``): tenacity's own strategies tune how long
the client keeps trying; what is retried, Retry-After, the log line and the final error stay the client's."""

from __future__ import annotations

import logging

import pytest
import tenacity

from airflow_connections_provider.client import (
    ConfigurationError,
    NotFoundError,
    RetriesExhaustedError,
    RetryPolicy,
)
from tests.support import payloads
from tests.unit.client.conftest import API

VERSION = f"{API}/v2/connections/version"
OK = {"service_name": "connections", "version": "1.0.0"}


def test_stop_and_wait_are_tenacitys_own_strategies(mocked, make_client, sleeps):
    mocked.get(VERSION, status=503, json=payloads.error("unavailable", "down", trace="tr-2"))
    client = make_client(retry_args={"stop": tenacity.stop_after_attempt(2), "wait": tenacity.wait_fixed(3)})

    with pytest.raises(RetriesExhaustedError) as caught:
        client.version()

    assert len(mocked.calls) == 2  # the user's stop, not the policy's 4 attempts
    assert sleeps.waits == [3.0]  # the user's wait, not the jittered exponential
    assert "failed after 2 attempts (last error:" in str(caught.value) and "tr-2" in str(caught.value)


def test_without_a_stop_the_retry_limit_still_counts_the_attempts(mocked, make_client, sleeps):
    mocked.get(VERSION, status=503)
    client = make_client(retry=RetryPolicy(retry_limit=3), retry_args={"wait": tenacity.wait_fixed(0.5)})
    with pytest.raises(RetriesExhaustedError):
        client.version()
    assert len(mocked.calls) == 3 and sleeps.waits == [0.5, 0.5]


def test_the_services_retry_after_wins_over_the_users_wait_under_the_cap(mocked, make_client, sleeps):
    mocked.get(VERSION, status=429, headers={"Retry-After": "7"}, json=payloads.error("too_many_requests", "slow"))
    mocked.get(VERSION, status=429, headers={"Retry-After": "3600"}, json=payloads.error("too_many_requests", "slow"))
    mocked.get(VERSION, json=OK)
    client = make_client(
        retry=RetryPolicy(retry_limit=4, max_retry_wait=30), retry_args={"wait": tenacity.wait_fixed(1)}
    )
    assert client.version().version == "1.0.0"
    assert sleeps.waits == [7.0, 30.0]


def test_what_is_retried_stays_the_clients(mocked, make_client, sleeps):
    """Even with a generous stop, a 404 is final at once: the predicate is not the user's to set."""
    mocked.get(VERSION, status=404, json=payloads.error("not_found", "gone"))
    client = make_client(retry_args={"stop": tenacity.stop_after_attempt(50), "wait": tenacity.wait_none()})
    with pytest.raises(NotFoundError):
        client.version()
    assert len(mocked.calls) == 1 and sleeps.waits == []


def test_users_callbacks_run_around_each_attempt(mocked, make_client):
    mocked.get(VERSION, status=503)
    mocked.get(VERSION, json=OK)
    attempts: list[int] = []
    client = make_client(retry_args={"after": lambda state: attempts.append(state.attempt_number)})
    client.version()
    assert attempts == [1]  # tenacity calls "after" for each failed attempt


@pytest.mark.parametrize(
    ("stop", "counted"),
    [
        pytest.param(tenacity.stop_after_attempt(3), "(attempt 2 of 3)", id="attempts-known"),
        pytest.param(tenacity.stop_after_delay(300), "(attempt 2)", id="a-stop-that-counts-no-attempts"),
    ],
)
def test_one_log_line_per_retry_says_which_attempt_comes(mocked, make_client, caplog, stop, counted):
    mocked.get(VERSION, status=503, json=payloads.error("unavailable", "down", trace="tr-9"))
    mocked.get(VERSION, json=OK)
    with caplog.at_level(logging.WARNING, logger="airflow_connections_provider.client"):
        make_client(retry_args={"stop": stop, "wait": tenacity.wait_fixed(2)}).version()
    (line,) = [r.getMessage() for r in caplog.records]
    assert line == f"Retrying GET /v2/connections/version in 2.0 s {counted} after HTTP 503 unavailable [trace tr-9]"


@pytest.mark.parametrize(
    ("retry_args", "fragment"),
    [
        pytest.param(
            {"retry": tenacity.retry_always}, "may not set 'retry': the client decides what is retried", id="retry"
        ),
        pytest.param({"before_sleep": print}, "may not set 'before_sleep'", id="before-sleep"),
        pytest.param({"reraise": True}, "may not set 'reraise'", id="reraise"),
        pytest.param({"retry_error_callback": print}, "may not set 'retry_error_callback'", id="error-callback"),
        pytest.param({"sleep": print}, "may not set 'sleep'", id="sleep"),
        pytest.param({"stop_after": 3}, "retry_args key 'stop_after' is not one the client takes", id="unknown-key"),
        pytest.param({"wait": 3}, "retry_args['wait'] must be a tenacity strategy", id="not-callable"),
        pytest.param([("stop", 3)], "retry_args must be a dict of tenacity.Retrying's keyword arguments", id="a-list"),
    ],
)
def test_retry_args_the_client_cannot_take_are_refused_before_any_request(mocked, make_client, retry_args, fragment):
    with pytest.raises(ConfigurationError) as caught:
        make_client(retry_args=retry_args)
    assert fragment in str(caught.value)
    assert len(mocked.calls) == 0
