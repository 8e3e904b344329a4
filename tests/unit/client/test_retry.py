"""The retry matrix: what is retried, how long it waits, what it logs, when it gives up."""

from __future__ import annotations

import logging
import random

import pytest
import requests

from airflow_connections_provider.client import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RetriesExhaustedError,
    RetryPolicy,
    ServerError,
    TransportError,
)
from airflow_connections_provider.client.messages import parse_retry_after
from airflow_connections_provider.client.retry import backoff_wait
from tests.support import payloads
from tests.unit.client.conftest import API

VERSION = f"{API}/v2/connections/version"
OK = {"service_name": "connections", "version": "1.0.0"}


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_status_is_retried_until_success(mocked, client, sleeps, status):
    mocked.get(VERSION, status=status, json=payloads.error("busy", "try later"))
    mocked.get(VERSION, status=status, json=payloads.error("busy", "try later"))
    mocked.get(VERSION, json=OK)

    assert client.version().version == "1.0.0"
    assert len(mocked.calls) == 3
    assert len(sleeps.waits) == 2


@pytest.mark.parametrize(
    ("status", "error"),
    [
        pytest.param(400, BadRequestError, id="400"),
        pytest.param(401, AuthenticationError, id="401"),
        pytest.param(403, PermissionDeniedError, id="403"),
        pytest.param(404, NotFoundError, id="404"),
        pytest.param(409, ConflictError, id="409"),
        pytest.param(415, BadRequestError, id="415"),
        pytest.param(422, BadRequestError, id="422"),
        pytest.param(501, ServerError, id="501-not-implemented-is-not-transient"),
    ],
)
def test_other_errors_are_raised_at_once_with_their_class(mocked, client, sleeps, status, error):
    mocked.get(VERSION, status=status, json=payloads.error("nope", "refused", trace=f"tr-{status}"))

    with pytest.raises(error) as caught:
        client.version()

    assert caught.value.status == status
    assert caught.value.trace == f"tr-{status}"
    assert len(mocked.calls) == 1 and sleeps.waits == []


def test_gives_up_after_retry_limit_with_the_last_error(mocked, client, sleeps):
    mocked.get(VERSION, status=503, json=payloads.error("unavailable", "down", trace="tr-last"))

    with pytest.raises(RetriesExhaustedError) as caught:
        client.version()

    assert len(mocked.calls) == 4  # retry_limit=4 counts attempts: one attempt plus three retries
    assert caught.value.attempts == 4
    assert isinstance(caught.value.last_error, ServerError)
    assert caught.value.trace == "tr-last"
    assert "failed after 4 attempts" in str(caught.value) and "tr-last" in str(caught.value)


def test_retry_limit_one_means_a_single_attempt(mocked, make_client, sleeps):
    """As the model providers count it (DbtCloudHook's retry_limit=1 means no retry)."""
    mocked.get(VERSION, status=503)
    with pytest.raises(RetriesExhaustedError) as caught:
        make_client(retry=RetryPolicy(retry_limit=1)).version()
    assert len(mocked.calls) == 1 and sleeps.waits == []
    assert "failed after 1 attempt " in str(caught.value)


def test_the_default_is_six_attempts(mocked, make_client, sleeps):
    mocked.get(VERSION, status=503)
    with pytest.raises(RetriesExhaustedError):
        make_client(retry=RetryPolicy()).version()
    assert len(mocked.calls) == 6 and len(sleeps.waits) == 5


def test_retry_after_is_honoured(mocked, client, sleeps):
    mocked.get(VERSION, status=429, headers={"Retry-After": "7"}, json=payloads.error("too_many_requests", "slow"))
    mocked.get(VERSION, json=OK)
    client.version()
    assert sleeps.waits == [7.0]


def test_retry_after_is_capped_by_max_retry_wait(mocked, make_client, sleeps):
    mocked.get(VERSION, status=429, headers={"Retry-After": "3600"})
    mocked.get(VERSION, json=OK)
    make_client(retry=RetryPolicy(retry_limit=2, max_retry_wait=30)).version()
    assert sleeps.waits == [30.0]


def test_backoff_doubles_with_jitter_and_is_capped():
    policy = RetryPolicy(retry_limit=10, retry_delay=1.0, max_retry_wait=10.0)
    rng = random.Random(7)
    waits = [backoff_wait(policy, n, None, rng) for n in range(1, 7)]
    bases = [1, 2, 4, 8, 10, 10]
    for wait, base in zip(waits, bases, strict=True):
        assert base / 2 <= wait <= base
    assert len(set(waits)) == len(waits)  # jittered, not a fixed ladder


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("5", 5.0, id="seconds"),
        pytest.param("0", 0.0, id="zero"),
        pytest.param("Sat, 28 Nov 2026 10:00:30 GMT", 30.0, id="http-date"),
        pytest.param("soon", None, id="garbage"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_parse_retry_after(header, expected):
    from email.utils import parsedate_to_datetime

    now = parsedate_to_datetime("Sat, 28 Nov 2026 10:00:00 GMT").timestamp()
    assert parse_retry_after(header, now=now) == expected


def test_connection_errors_are_retried_for_reads(mocked, client, sleeps):
    mocked.get(VERSION, body=requests.ConnectionError("boom"))
    mocked.get(VERSION, body=requests.ReadTimeout("slow"))
    mocked.get(VERSION, json=OK)
    assert client.version().version == "1.0.0"
    assert len(sleeps.waits) == 2


def test_tls_failures_are_not_retried(mocked, client, sleeps):
    mocked.get(VERSION, body=requests.exceptions.SSLError("certificate verify failed"))
    with pytest.raises(TransportError, match="CA bundle") as caught:
        client.version()
    assert caught.value.transient is False and sleeps.waits == []


def test_each_retry_is_logged_with_method_path_status_and_wait_but_no_secret(mocked, client, caplog):
    mocked.get(VERSION, status=503, json=payloads.error("unavailable", "db password hunter2 leaked", trace="tr-9"))
    mocked.get(VERSION, json=OK)
    with caplog.at_level(logging.WARNING, logger="airflow_connections_provider.client"):
        client.version()

    (line,) = [r.getMessage() for r in caplog.records]
    assert line.startswith("Retrying GET /v2/connections/version in ")
    assert "attempt 2 of 4" in line and "HTTP 503 unavailable [trace tr-9]" in line
    assert "hunter2" not in line  # the service's message text is a body: it is not logged
    assert "static-token" not in caplog.text and "Authorization" not in caplog.text


def test_error_messages_carry_the_trace_but_never_the_request_body(mocked, make_client, sleeps):
    from tests.support.payloads import POSTGRES_ID, PROJECT_ID, postgres_type

    client = make_client()
    mocked.get(f"{API}/v2/datasource_types/postgresql", json=postgres_type())
    mocked.post(f"{API}/v2/connections", status=403, json=payloads.error("forbidden", "not an editor", trace="t-77"))
    from airflow_connections_provider.client import Scope

    with pytest.raises(PermissionDeniedError) as caught:
        client.create_connection(
            Scope.project(PROJECT_ID),
            name="db",
            datasource_type="postgresql",
            properties={"host": "h", "port": 1, "database": "d", "username": "u", "password": "s3cr3t-value"},
        )
    text = str(caught.value)
    assert "t-77" in text and "not an editor" in text and "HTTP 403" in text
    assert "s3cr3t-value" not in text and POSTGRES_ID not in text


def test_rate_limited_error_keeps_retry_after(mocked, make_client):
    mocked.get(VERSION, status=429, headers={"Retry-After": "2"})
    with pytest.raises(RetriesExhaustedError) as caught:
        make_client(retry=RetryPolicy(retry_limit=1)).version()
    last = caught.value.last_error
    assert isinstance(last, RateLimitedError) and last.retry_after == 2.0
    assert isinstance(last, ApiError)
