"""Each auth kind sends the right exchange and header, caches, refreshes ahead of expiry and re-auths on 401."""

from __future__ import annotations

import base64
import json
import logging
import threading
from urllib.parse import parse_qs

import pytest
import responses

from airflow_connections_provider.client import AuthenticationError, AuthType
from airflow_connections_provider.client.auth import Token, jwt_lifetime
from tests.support import payloads
from tests.unit.client.conftest import API, IAM

VERSION = f"{API}/v2/connections/version"
VERSION_BODY = {"service_name": "connections", "version": "1.0.0", "status": "ok"}


def auth_headers(mocked: responses.RequestsMock, url: str = VERSION) -> list[str]:
    return [c.request.headers["Authorization"] for c in mocked.calls if c.request.url.startswith(url)]


def test_iam_exchanges_the_api_key_as_a_form_and_sends_a_bearer_token(mocked, make_client):
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("tok-A"))
    mocked.get(VERSION, json=VERSION_BODY)
    make_client(AuthType.IAM_API_KEY).version()

    exchange = mocked.calls[0].request
    assert exchange.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(exchange.body.decode()) == {
        "grant_type": ["urn:ibm:params:oauth:grant-type:apikey"],
        "apikey": ["secret-api-key"],
    }
    assert auth_headers(mocked) == ["Bearer tok-A"]


def test_iam_token_is_reused_until_80_percent_of_its_life_then_refreshed(mocked, make_client, clock):
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("tok-A", expires_in=3600))
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("tok-B", expires_in=3600))
    mocked.get(VERSION, json=VERSION_BODY)
    client = make_client(AuthType.IAM_API_KEY)

    client.version()
    clock.now += 0.79 * 3600
    client.version()
    clock.now += 0.02 * 3600  # past 80% of the lifetime, still 19% before expiry
    client.version()

    assert auth_headers(mocked) == ["Bearer tok-A", "Bearer tok-A", "Bearer tok-B"]


def test_iam_bad_api_key_is_an_authentication_error_and_is_not_retried(mocked, make_client, sleeps):
    mocked.post(
        f"{IAM}/identity/token",
        status=400,
        json={"errorCode": "BXNIM0415E", "errorMessage": "Provided API key could not be found"},
    )
    with pytest.raises(AuthenticationError) as caught:
        make_client(AuthType.IAM_API_KEY).version()
    assert "Provided API key could not be found" in str(caught.value)
    assert "secret-api-key" not in str(caught.value)
    assert len(mocked.calls) == 1 and sleeps.waits == []


def test_cp4d_password_login_reads_expiry_from_the_jwt(mocked, make_client, clock):
    issued = int(clock.now)
    first = payloads.jwt({"sub": "admin", "iat": issued, "exp": issued + 1000})
    second = payloads.jwt({"sub": "admin", "iat": issued + 900, "exp": issued + 1900})
    for tok in (first, second):
        mocked.post(f"{API}/icp4d-api/v1/authorize", json={"_messageCode_": "200", "message": "Success", "token": tok})
    mocked.get(VERSION, json=VERSION_BODY)
    client = make_client(AuthType.CP4D_PASSWORD)

    client.version()
    clock.now += 790
    client.version()
    clock.now += 20  # 810 s of a 1000 s token: refresh
    client.version()

    assert json.loads(mocked.calls[0].request.body) == {"username": "admin", "password": "pa55word!"}
    assert auth_headers(mocked) == [f"Bearer {first}", f"Bearer {first}", f"Bearer {second}"]


def test_cp4d_api_key_login_sends_the_api_key(mocked, make_client):
    token = payloads.jwt({"iat": 0, "exp": 3600})
    mocked.post(f"{API}/icp4d-api/v1/authorize", json={"_messageCode_": "200", "message": "Success", "token": token})
    mocked.get(VERSION, json=VERSION_BODY)
    make_client(AuthType.CP4D_API_KEY).version()
    assert json.loads(mocked.calls[0].request.body) == {"username": "admin", "api_key": "cpd-api-key"}
    assert auth_headers(mocked) == [f"Bearer {token}"]


def test_cp4d_bad_password_is_an_authentication_error(mocked, make_client):
    mocked.post(f"{API}/icp4d-api/v1/authorize", status=401, json={"_messageCode_": "401", "message": "Invalid user"})
    with pytest.raises(AuthenticationError, match="Invalid user"):
        make_client(AuthType.CP4D_PASSWORD).version()


def test_zen_api_key_needs_no_exchange(mocked, make_client):
    mocked.get(VERSION, json=VERSION_BODY)
    make_client(AuthType.ZEN_API_KEY).version()
    expected = base64.b64encode(b"admin:zen-api-key").decode()
    assert auth_headers(mocked) == [f"ZenApiKey {expected}"]
    assert len(mocked.calls) == 1


def test_static_bearer_token_is_sent_as_is(mocked, make_client):
    mocked.get(VERSION, json=VERSION_BODY)
    make_client(AuthType.BEARER_TOKEN).version()
    assert auth_headers(mocked) == ["Bearer static-token"]


def test_a_401_renews_the_token_once_and_replays_once(mocked, make_client):
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("revoked"))
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("fresh"))
    mocked.get(VERSION, status=401, json=payloads.error("invalid_token", "token revoked"))
    mocked.get(VERSION, json=VERSION_BODY)

    version = make_client(AuthType.IAM_API_KEY).version()

    assert version.version == "1.0.0"
    assert auth_headers(mocked) == ["Bearer revoked", "Bearer fresh"]


def test_a_second_401_after_renewal_fails_without_looping(mocked, make_client, sleeps):
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("t1"))
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("t2"))
    mocked.get(VERSION, status=401, json=payloads.error("invalid_token", "no access", trace="tr-401"))

    with pytest.raises(AuthenticationError) as caught:
        make_client(AuthType.IAM_API_KEY).version()

    assert caught.value.trace == "tr-401"
    assert len(auth_headers(mocked)) == 2 and sleeps.waits == []


def test_a_401_with_a_static_token_fails_at_once(mocked, make_client):
    mocked.get(VERSION, status=401, json=payloads.error("invalid_token", "expired"))
    with pytest.raises(AuthenticationError):
        make_client(AuthType.BEARER_TOKEN).version()
    assert len(mocked.calls) == 1


def test_threads_sharing_a_client_fetch_one_token(make_client):
    """Ten threads start at once with no token: one exchange serves them all."""
    exchanges = 0
    gate = threading.Event()

    def token_reply(request):
        nonlocal exchanges
        exchanges += 1
        gate.wait(0.5)  # hold the first exchange so the other threads pile up on the lock
        return 200, {}, json.dumps(payloads.iam_token("shared"))

    with responses.RequestsMock() as rsps:
        rsps.add_callback(responses.POST, f"{IAM}/identity/token", callback=token_reply)
        rsps.get(VERSION, json=VERSION_BODY)
        client = make_client(AuthType.IAM_API_KEY)
        errors: list[BaseException] = []

        def call() -> None:
            try:
                client.version()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=call) for _ in range(10)]
        for t in threads:
            t.start()
        gate.set()
        for t in threads:
            t.join()
        headers = auth_headers(rsps)

    assert errors == []
    assert exchanges == 1
    assert headers == ["Bearer shared"] * 10


def test_every_new_token_is_handed_to_on_secret(mocked, make_client):
    seen: list[str] = []
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("tok-to-mask"))
    mocked.get(VERSION, json=VERSION_BODY)
    make_client(AuthType.IAM_API_KEY, on_secret=seen.append).version()
    assert seen == ["tok-to-mask"]


def test_zen_header_value_is_handed_to_on_secret(make_client):
    seen: list[str] = []
    make_client(AuthType.ZEN_API_KEY, on_secret=seen.append)
    assert seen == [base64.b64encode(b"admin:zen-api-key").decode()]


@pytest.mark.parametrize(
    ("claims", "expected"),
    [
        pytest.param({"iat": 100, "exp": 1300}, 1200.0, id="exp-minus-iat"),
        pytest.param({"exp": 1_000_500}, 500.0, id="exp-only-uses-local-clock"),
        pytest.param({}, 1200.0, id="no-exp-is-short-lived-not-eternal"),
    ],
)
def test_jwt_lifetime(claims, expected):
    assert jwt_lifetime(payloads.jwt(claims), now=1_000_000) == expected


def test_jwt_lifetime_of_garbage_is_short_not_eternal():
    assert jwt_lifetime("not-a-jwt", now=0) == 1200.0


def test_token_refresh_leaves_a_lead_before_expiry_even_for_short_tokens():
    token = Token.with_lifetime("tok-value-xyz", lifetime=10, now=0)
    assert token.refresh_at == 5  # min(80% = 8, 10 - 5 s lead)
    assert token.expires_at == 10
    assert "tok-value-xyz" not in repr(token)


@pytest.mark.parametrize("lifetime", [5, 3, 1])
def test_a_token_of_five_seconds_or_less_is_still_reused_for_a_while(lifetime):
    token = Token.with_lifetime("t", lifetime=lifetime, now=0)
    assert 0 < token.refresh_at < lifetime  # never fetched again for every call, never used to its end


def test_short_lived_tokens_do_not_make_every_call_fetch_one(mocked, make_client, clock):
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("short-1", expires_in=5))
    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("short-2", expires_in=5))
    mocked.get(VERSION, json=VERSION_BODY)
    client = make_client(AuthType.IAM_API_KEY)
    for _ in range(3):
        client.version()  # a burst within the same instant
    clock.now += 4.9
    client.version()
    assert auth_headers(mocked) == ["Bearer short-1"] * 3 + ["Bearer short-2"]


@pytest.mark.parametrize(
    "iam_url",
    [
        pytest.param(IAM, id="bare"),
        pytest.param(f"{IAM}/", id="trailing-slash"),
        pytest.param(f"{IAM}/identity/token", id="with-path"),
        pytest.param(f"{IAM}/identity/token/", id="with-path-and-slash"),
    ],
)
def test_the_iam_url_gets_identity_token_exactly_once(mocked, make_client, iam_url):
    from airflow_connections_provider.client import Credentials

    mocked.post(f"{IAM}/identity/token", json=payloads.iam_token("tok"))
    mocked.get(VERSION, json=VERSION_BODY)
    make_client(
        AuthType.IAM_API_KEY, credentials=Credentials(AuthType.IAM_API_KEY, api_key="k", iam_url=iam_url)
    ).version()
    assert mocked.calls[0].request.url == f"{IAM}/identity/token"


def test_aws_exchange_is_derived_from_the_api_host_and_reads_token(mocked, clock):
    from airflow_connections_provider.client import ClientConfig, ConnectionsClient, Credentials
    from tests.contract import real_replies

    api = "https://api.dev.aws.data.ibm.com"
    reply = real_replies.aws_token(now=clock.now, lifetime=600)
    mocked.post("https://dev.aws.data.ibm.com/api/rest/mcsp/apikeys/token", json=reply.json())
    mocked.get(f"{api}/v2/connections/version", json=VERSION_BODY)
    config = ClientConfig(Credentials(AuthType.AWS_API_KEY, api_key="aws-key"), base_url=api)
    with ConnectionsClient(config, clock=clock) as client:
        client.version()
        clock.now += 400  # within 80% of the 600 s given by ``expiration``
        client.version()
    exchange = mocked.calls[0].request
    assert parse_qs(exchange.body if isinstance(exchange.body, str) else exchange.body.decode()) == {
        "grant_type": ["urn:ibm:params:oauth:grant-type:apikey"],
        "apikey": ["aws-key"],
    }
    token = reply.body["token"]
    assert auth_headers(mocked, f"{api}/v2/connections/version") == [f"Bearer {token}", f"Bearer {token}"]


def test_aws_exchange_url_may_be_given_explicitly(mocked):
    from airflow_connections_provider.client import ClientConfig, ConnectionsClient, Credentials

    mocked.post("https://mcsp.example/token", json={"token": "t-aws", "expiration": 4_000_000_000})
    mocked.get(f"{API}/v2/connections/version", json=VERSION_BODY)
    creds = Credentials(AuthType.AWS_API_KEY, api_key="aws-key", iam_url="https://mcsp.example/token")
    with ConnectionsClient(ClientConfig(creds, base_url=API)) as client:
        client.version()
    assert auth_headers(mocked) == ["Bearer t-aws"]


def test_aws_exchange_without_a_derivable_host_names_the_fix():
    from airflow_connections_provider.client import ClientConfig, ConfigurationError, Credentials

    with pytest.raises(ConfigurationError, match="set iam_url to the full token URL"):
        ClientConfig(Credentials(AuthType.AWS_API_KEY, api_key="k"), base_url="https://cpd.example.com")


@pytest.mark.parametrize(
    ("iam_url", "warned"),
    [
        pytest.param("http://iam.example.com", True, id="http-remote"),
        pytest.param("https://iam.example.com", False, id="https"),
        pytest.param("http://127.0.0.1:8080", False, id="http-loopback"),
        pytest.param("http://localhost:8080", False, id="http-localhost"),
    ],
)
def test_a_cleartext_token_exchange_is_warned_about(make_client, caplog, iam_url, warned):
    from airflow_connections_provider.client import Credentials

    caplog.set_level(logging.WARNING, logger="airflow_connections_provider.client")
    make_client(
        AuthType.IAM_API_KEY, credentials=Credentials(AuthType.IAM_API_KEY, api_key="sekret-key", iam_url=iam_url)
    )
    assert ("without encryption, in clear" in caplog.text) is warned
    assert "sekret-key" not in caplog.text


def test_jwt_claims_come_from_pyjwt_without_trusting_the_signature():
    from airflow_connections_provider.client.auth import jwt_claims
    from tests.contract import real_replies

    token = real_replies.cp4d_authorized(now=1_000, lifetime=50).body["token"]
    assert jwt_claims(token)["exp"] == 1_050  # expired long ago: still read, never verified
    assert jwt_claims("a.b") == {}


def test_a_failed_token_exchange_is_named_in_the_retry_error(mocked, make_client):
    from airflow_connections_provider.client import RetriesExhaustedError, RetryPolicy

    mocked.post(f"{IAM}/identity/token", status=503, json=payloads.error("unavailable", "iam down"))
    with pytest.raises(RetriesExhaustedError) as caught:
        make_client(AuthType.IAM_API_KEY, retry=RetryPolicy(retry_limit=1)).version()
    message = str(caught.value)
    assert "POST /identity/token (needed by GET /v2/connections/version) failed after 1 attempt " in message
