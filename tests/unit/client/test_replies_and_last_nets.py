"""Replies that are not the API's, listings that never end, and the last nets of both HTTP shells.

The decisions are pure (``messages``, ``endpoints``, ``auth``, ``errors``); the shells are driven with mocks here and
with real servers on loopback in tests/reliability.
"""

from __future__ import annotations

import http.client

import httpx
import pytest
import requests

from airflow_connections_provider.client import (
    AuthType,
    ClientConfig,
    ConnectionsClient,
    Credentials,
    RetriesExhaustedError,
    RetryPolicy,
    Scope,
    TransportError,
    UnexpectedRedirectError,
)
from airflow_connections_provider.client.async_transport import AsyncTransport
from airflow_connections_provider.client.auth import IamAuthenticator
from airflow_connections_provider.client.endpoints import PageCount, page_budget, service_version
from airflow_connections_provider.client.error_replies import redirect_target
from airflow_connections_provider.client.errors import AuthenticationError, ListingError, UnexpectedReplyError, shown
from airflow_connections_provider.client.messages import Reply, raise_for_reply

TOKEN = "Header-Token-Value-55"
HTML = b"<html><body>Sign in</body></html>"


def config(**overrides: object) -> ClientConfig:
    options: dict = {"base_url": "https://cpd.example.com", "retry": RetryPolicy(retry_limit=1)}
    options.update(overrides)
    return ClientConfig(Credentials(AuthType.BEARER_TOKEN, token=TOKEN), **options)


# -- a success that is not the API's JSON ------------------------------------------------------------


@pytest.mark.parametrize(
    ("origin", "names"),
    [
        pytest.param("Airflow connection 'ibm_x'", "set the host field of Airflow connection 'ibm_x'", id="airflow"),
        pytest.param(None, "set ClientConfig.base_url", id="plain-client"),
    ],
)
def test_a_login_page_is_an_error_naming_the_setting_and_the_url(origin, names):
    html = Reply.from_raw(200, HTML, {"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(UnexpectedReplyError) as caught:
        raise_for_reply(service_version(), html, now=0, config=config(origin=origin))
    message = str(caught.value)
    assert names in message
    assert "https://cpd.example.com/v2/connections/version answered HTTP 200 with text/html, not JSON" in message
    assert "failed with HTTP 200" not in message  # the status was fine; the reply was not the API's


def test_an_empty_success_is_still_a_success():
    assert raise_for_reply(service_version(), Reply.from_raw(204, b"", {}), now=0).status == 204


def test_a_json_reply_that_is_not_an_object_is_an_unexpected_reply():
    with pytest.raises(UnexpectedReplyError, match="got a JSON list"):
        Reply.from_raw(200, b"[1]", {}).json_object()


# -- the token endpoint ---------------------------------------------------------------------------------


def iam(origin: str | None = "Airflow connection 'ibm_x'") -> tuple[IamAuthenticator, ClientConfig]:
    creds = Credentials(AuthType.IAM_API_KEY, api_key="k-1", iam_url="https://iam.example.com")
    return IamAuthenticator("k-1", "https://iam.example.com"), ClientConfig(creds, origin=origin)


def test_a_redirecting_token_endpoint_says_redirect_and_where_to():
    auth, cfg = iam()
    moved = Reply.from_raw(302, b"", {"Location": "https://user:pw@login.example.com:8443/identity/token?state=s3"})
    with pytest.raises(UnexpectedRedirectError) as caught:
        auth.token_from_reply(auth.token_request(), moved, 0, cfg)
    message = str(caught.value)
    assert "redirect to https://login.example.com:8443/identity/token" in message
    assert "extra 'iam_url' of Airflow connection 'ibm_x'" in message
    assert "check the API key" not in message and "state=s3" not in message and "pw" not in message


def test_a_token_endpoint_answering_a_web_page_names_iam_url():
    auth, cfg = iam(origin=None)
    page = Reply.from_raw(200, HTML, {"Content-Type": "text/html"})
    with pytest.raises(UnexpectedReplyError, match=r"set Credentials.iam_url to the API's address"):
        auth.token_from_reply(auth.token_request(), page, 0, cfg)


def test_a_token_no_header_can_carry_is_refused_without_showing_it():
    auth, cfg = iam()
    reply = Reply.from_raw(200, b'{"access_token": "' + TOKEN.encode() + b'\\n", "expires_in": 60}', {})
    with pytest.raises(AuthenticationError, match="malformed_token_reply") as caught:
        auth.token_from_reply(auth.token_request(), reply, 0, cfg)
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    ("location", "shown_as"),
    [
        ("https://a:b@h.example.com/p?q=1#f", "https://h.example.com/p"),
        ("/v2/connections/", "/v2/connections/"),
        ("http://[::1]:8080/x", "http://[::1]:8080/x"),
        ("http://[::1", "an address that is not a valid URL"),
    ],
)
def test_a_redirect_target_is_shown_without_credentials_or_query(location, shown_as):
    assert redirect_target(location) == shown_as


def test_shown_never_prints_what_python_cannot():
    assert shown(10**5000) == "a 5001-digit number"
    assert shown("9" * 5000) == "a 5000-digit number"
    assert len(shown("x" * 1000)) <= 60


# -- listings that never end ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "size", "budget"),
    [(0, 100, 10), (250, 100, 13), (100_000, 100, 1100), (None, 100, 10_010), (True, 100, 10_010), (-5, 100, 10_010)],
)
def test_the_page_budget_follows_what_the_service_says_it_holds(total, size, budget):
    assert page_budget(total, size) == budget


def test_a_listing_past_its_budget_stops_with_an_error():
    pages = PageCount("connections", 100)
    for _ in range(9):
        pages.turn({"total_count": 0})
    with pytest.raises(ListingError, match=r"went on past 10 pages of 100 \(the service reported 0 in all\)"):
        pages.turn({"total_count": 0})


def test_a_listing_that_repeats_a_token_is_a_listing_error(mocked, client):
    page = {"total_count": 5, "resources": [], "next": {"href": "https://x/v2/connections?start=same"}}
    mocked.get("https://api.test/v2/connections", json=page)
    with pytest.raises(ListingError, match="repeated page token"):
        client.list_connections(Scope.project("p"))


# -- the last nets: a header the HTTP library refuses never shows ---------------------------------------


class RefusingSession(requests.Session):
    """A session whose HTTP layer refuses the header as http.client does (its error quotes the header)."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error
        self.sent = 0

    def request(self, *args: object, **kwargs: object) -> requests.Response:  # type: ignore[override]
        self.sent += 1
        raise self.error


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(ValueError(f"Invalid header value b'Bearer {TOKEN}\\n'"), id="http-client-line-break"),
        pytest.param(
            UnicodeEncodeError("latin-1", f"Bearer \u201c{TOKEN}", 7, 8, "ordinal"), id="http-client-non-latin-1"
        ),
        pytest.param(requests.exceptions.InvalidHeader(f"Invalid return character in header: {TOKEN}"), id="requests"),
        pytest.param(http.client.InvalidURL(f"URL can't contain control characters. {TOKEN!r}"), id="url"),
    ],
)
def test_the_blocking_shell_turns_a_refused_header_into_a_permanent_error_that_quotes_nothing(error):
    session = RefusingSession(error)
    client = ConnectionsClient(config(retry=RetryPolicy(retry_limit=4)), session=session)
    with client, pytest.raises(TransportError) as caught:
        client.version()
    assert session.sent == 1  # not retried
    assert caught.value.transient is False and "cannot be sent" in caught.value.reason
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert TOKEN not in str(caught.value)


@pytest.mark.parametrize(
    "error",
    [
        pytest.param(httpx.LocalProtocolError(f"Illegal header value b'Bearer {TOKEN}\\n'"), id="h11"),
        pytest.param(UnicodeEncodeError("ascii", f"Bearer \u201c{TOKEN}", 7, 8, "ordinal"), id="httpx-non-ascii"),
    ],
)
async def test_the_async_shell_does_the_same(error):
    sent = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal sent
        sent += 1
        raise error

    cfg = config(retry=RetryPolicy(retry_limit=4))
    transport = AsyncTransport(cfg, client=httpx.AsyncClient(transport=httpx.MockTransport(handler)))
    with pytest.raises((TransportError, RetriesExhaustedError)) as caught:
        await transport.request(service_version())
    await transport.aclose()
    assert sent == 1
    assert isinstance(caught.value, TransportError) and caught.value.transient is False
    assert caught.value.__cause__ is None and TOKEN not in str(caught.value)
