"""Checks of single setting values: what is refused, and that no phrase ever quotes a credential."""

from __future__ import annotations

import pytest

from airflow_connections_provider.client import (
    DEFAULT_RETRY_LIMIT,
    MAX_RETRY_LIMIT,
    RETRY_LIMIT_MEANING,
    AuthType,
    ClientConfig,
    ConfigurationError,
    Credentials,
    RetryPolicy,
)
from airflow_connections_provider.client.config import resolve_base_url
from airflow_connections_provider.client.setting_checks import credential_problem, retry_limit_problem, url_problem

SECRET = "Sekret-Value-19"


@pytest.mark.parametrize(
    ("value", "header_safe", "problem"),
    [
        pytest.param(f"{SECRET}\n", False, "line break at character 16 of 16", id="trailing-newline"),
        pytest.param(f"{SECRET}\r\n", True, "line break at character 16 of 17", id="crlf"),
        pytest.param(f"{SECRET}\x00", False, "control character", id="nul"),
        pytest.param(f"{SECRET}\t", False, "control character", id="tab"),
        pytest.param(f"\u201c{SECRET}\u201d", True, "outside ASCII (a curly quote?) at character 1", id="curly-quote"),
        pytest.param(f"{SECRET}\u00e9", True, "outside ASCII", id="latin-1-in-a-key"),
        pytest.param(f"{SECRET} x", True, "a space at character 16", id="space-in-a-key"),
        pytest.param(42, True, "must be text, got int", id="not-text"),
    ],
)
def test_a_credential_http_cannot_carry_is_refused_without_quoting_it(value, header_safe, problem):
    found = credential_problem(value, header_safe=header_safe)
    assert found is not None and problem in found
    assert SECRET not in found


@pytest.mark.parametrize(
    "value", [f"p\u00e4ss w\u00f6rd {SECRET}", f'"{SECRET}"', "x"], ids=["unicode", "quotes", "short"]
)
def test_a_password_may_hold_spaces_and_any_printable_character(value):
    assert credential_problem(value, header_safe=False) is None


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        pytest.param(f"https://admin:{SECRET}@cpd.example.com", "holds credentials", id="user-and-password"),
        pytest.param("https://admin@cpd.example.com", "holds credentials", id="user-only"),
        pytest.param(f"http://u:{SECRET}@[::1", "both brackets", id="ipv6-unclosed"),
        pytest.param("https://cpd.example.com:99999", "invalid port", id="port-out-of-range"),
        pytest.param(f"https://cpd.example.com:{'9' * 5000}", "invalid port", id="port-5000-digits"),
        pytest.param("https://cpd.example.com:0", "invalid port", id="port-zero"),
        pytest.param("https://cpd .example.com", "space", id="space"),
        pytest.param("ftp://cpd.example.com", "must be a URL starting with http:// or https://", id="scheme"),
        pytest.param("https://", "no host name", id="no-host"),
        pytest.param("https://a..b", "not valid", id="empty-label"),
        pytest.param("https://cpd.example.com/?x=1", "query string", id="query"),
        pytest.param(None, "must be a URL (text), got NoneType", id="not-text"),
    ],
)
def test_a_url_that_cannot_be_used_is_named_without_quoting_it(url, problem):
    found = url_problem(url)
    assert found is not None and problem in found, found
    assert SECRET not in found


@pytest.mark.parametrize(
    "url",
    ["https://cpd.example.com:8443/base", "http://[::1]:8080", "https://m\u00fcnchen.example", "http://127.0.0.1"],
)
def test_usable_urls_pass(url):
    assert url_problem(url) is None


@pytest.mark.parametrize(
    ("value", "ok"),
    [(1, True), (100, True), (0, False), (101, False), (-1, False), (True, False), ("5", False), (10**5000, False)],
    ids=["1", "100", "0", "101", "-1", "true", "text", "5000-digits"],
)
def test_the_retry_limit_has_one_cap(value, ok):
    problem = retry_limit_problem(value)
    assert (problem is None) is ok
    if problem is not None:
        assert (
            problem.startswith(f"must be an integer between 1 and 100 ({RETRY_LIMIT_MEANING})") and len(problem) < 200
        )


def test_the_client_refuses_a_retry_limit_past_the_cap_in_the_same_words():
    with pytest.raises(ConfigurationError, match=r"retry_limit must be an integer between 1 and 100 \(attempts"):
        RetryPolicy(retry_limit=1_000_000)


def test_the_connection_form_says_what_the_retry_limit_counts_in_the_same_words():
    """The form's help text cannot import the client (provider discovery stays light): it repeats the meaning."""
    from airflow_connections_provider.connection_form import EXTRA_FIELDS

    (field,) = [f for f in EXTRA_FIELDS if f.name == "retry_limit"]
    assert RETRY_LIMIT_MEANING[0].upper() + RETRY_LIMIT_MEANING[1:] in field.description
    assert f"Default: {DEFAULT_RETRY_LIMIT}" in field.description and f"at most {MAX_RETRY_LIMIT}" in field.description


@pytest.mark.parametrize(
    ("host", "fragment"),
    [
        pytest.param("us-east", "'us-east' is not an IBM Cloud region. Use one of: us-south (Dallas)", id="us-east"),
        pytest.param("eu-frankfurt", "(did you mean 'eu-de'?)", id="by-city"),
        pytest.param("cpd", "needs its scheme: https://cpd", id="single-label-host"),
    ],
)
def test_a_bare_word_that_is_not_a_region_lists_the_regions(host, fragment):
    with pytest.raises(ConfigurationError) as caught:
        resolve_base_url(host)
    assert fragment in str(caught.value)


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("EU-DE", "https://api.eu-de.dataplatform.cloud.ibm.com"),
        ("cpd.example.com", "https://cpd.example.com"),
        ("localhost:8080", "https://localhost:8080"),
        ("[::1]:8443", "https://[::1]:8443"),
        ("http://cpd/", "http://cpd"),
    ],
)
def test_regions_host_names_and_urls_resolve(host, url):
    assert resolve_base_url(host) == url


def test_credentials_in_a_client_url_are_refused_and_never_shown():
    with pytest.raises(ConfigurationError) as caught:
        ClientConfig(Credentials(AuthType.BEARER_TOKEN, token="t"), base_url=f"https://u:{SECRET}@cpd.example.com")
    assert SECRET not in str(caught.value) and "not shown" in str(caught.value)
    with pytest.raises(ConfigurationError) as caught:
        Credentials(AuthType.IAM_API_KEY, api_key="k", iam_url=f"https://u:{SECRET}@iam.example.com")
    assert SECRET not in str(caught.value) and "holds credentials" in str(caught.value)


def test_client_credentials_http_cannot_carry_are_refused_by_name():
    with pytest.raises(ConfigurationError, match=r"the bearer token .* holds a line break") as caught:
        Credentials(AuthType.BEARER_TOKEN, token=f"{SECRET}\n")
    assert SECRET not in str(caught.value)


def test_the_total_deadline_defaults_to_connect_plus_twice_the_read_timeout():
    creds = Credentials(AuthType.BEARER_TOKEN, token="t")
    assert ClientConfig(creds).deadline == 10 + 2 * 60
    assert ClientConfig(creds, timeout=0.3).deadline == pytest.approx(0.9)
    assert ClientConfig(creds, total_timeout=5).deadline == 5
    with pytest.raises(ConfigurationError, match="total_timeout must be a positive"):
        ClientConfig(creds, total_timeout=0)
