"""Each auth kind the service accepts, token expiry to the second, and revocation."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable

import pytest

from airflow_connections_provider.emulator import EmulatorHandle

from .helpers import Api, assert_error, assert_projects_error

APIKEY_GRANT = "urn:ibm:params:oauth:grant-type:apikey"


def _jwt_claims(token: str) -> dict[str, object]:
    header, payload, signature = token.split(".")
    assert header and signature
    claims: dict[str, object] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return claims


def test_iam_api_key_exchange_returns_a_bearer_token_that_opens_the_api(emu: EmulatorHandle) -> None:
    anonymous = Api(emu.url)
    before = int(time.time())
    reply = anonymous.post("/identity/token", data={"grant_type": APIKEY_GRANT, "apikey": emu.api_key})
    assert reply.status_code == 200
    body = reply.json()
    assert {"access_token", "refresh_token", "token_type", "expires_in", "expiration"} <= set(body)
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert before + 3600 <= body["expiration"] <= int(time.time()) + 3600
    # IAM access tokens are JWTs too, their `exp` the reply's `expiration`.
    assert _jwt_claims(body["access_token"])["exp"] == body["expiration"]
    assert Api(emu.url, body["access_token"]).get("/v2/connections/version").status_code == 200


@pytest.mark.parametrize(
    ("form", "error_code"),
    [
        pytest.param({"grant_type": APIKEY_GRANT, "apikey": "wrong"}, "BXNIM0415E", id="unknown-key"),
        pytest.param({"grant_type": APIKEY_GRANT}, "BXNIM0109E", id="missing-key"),
        pytest.param({"grant_type": "password", "apikey": "emulator-api-key"}, "BXNIM0103E", id="bad-grant"),
    ],
)
def test_iam_refuses_bad_requests_with_iams_error_body(
    emu: EmulatorHandle, form: dict[str, str], error_code: str
) -> None:
    reply = Api(emu.url).post("/identity/token", data=form)
    assert reply.status_code == 400
    body = reply.json()
    assert body["errorCode"] == error_code
    assert body["errorMessage"]
    assert isinstance(body["context"], dict) and body["context"]["requestId"]


def test_the_aws_deployments_exchange_answers_token_and_expiration(emu: EmulatorHandle) -> None:
    """`POST /api/rest/mcsp/apikeys/token` (watsonx.data integration on AWS): IAM's form body, or JSON."""
    anonymous = Api(emu.url)
    form = anonymous.post("/api/rest/mcsp/apikeys/token", data={"grant_type": APIKEY_GRANT, "apikey": emu.api_key})
    as_json = anonymous.post("/api/rest/mcsp/apikeys/token", json={"apikey": emu.api_key})
    for reply in (form, as_json):
        assert reply.status_code == 200
        body = reply.json()
        assert set(body) == {"token", "expiration"}
        assert _jwt_claims(body["token"])["exp"] == body["expiration"]
        assert Api(emu.url, body["token"]).get("/v2/connections/version").status_code == 200


@pytest.mark.parametrize(
    ("body", "status"), [pytest.param({"apikey": "wrong"}, 401, id="unknown-key"), pytest.param({}, 400, id="none")]
)
def test_the_aws_exchange_refuses_bad_keys(emu: EmulatorHandle, body: dict[str, str], status: int) -> None:
    reply = Api(emu.url).post("/api/rest/mcsp/apikeys/token", data=body)
    assert reply.status_code == status and reply.json()["errors"][0]["code"]
    assert "wrong" not in reply.text


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"username": "admin", "password": "password"}, id="password"),
        pytest.param({"username": "admin", "password": "password", "api_key": None}, id="sdk-style-null-api-key"),
        pytest.param({"username": "admin", "api_key": "emulator-api-key", "password": None}, id="api-key"),
    ],
)
def test_cp4d_authorize_returns_a_jwt_with_a_readable_exp(emu: EmulatorHandle, body: dict[str, object]) -> None:
    reply = Api(emu.url).post("/icp4d-api/v1/authorize", json=body)
    assert reply.status_code == 200
    payload = reply.json()
    assert payload["_messageCode_"] == "200" and payload["message"] == "Success"
    claims = _jwt_claims(payload["token"])
    assert claims["username"] == "admin" and claims["sub"] == "admin"
    assert isinstance(claims["exp"], int) and isinstance(claims["iat"], int)
    assert 3590 <= claims["exp"] - claims["iat"] <= 3600
    assert Api(emu.url, payload["token"]).get("/v2/connections/version").status_code == 200


@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param({"username": "admin", "password": "nope"}, 401, id="wrong-password"),
        pytest.param({"username": "ghost", "password": "password"}, 401, id="unknown-user"),
        pytest.param({"username": "admin", "api_key": "wrong", "password": None}, 401, id="wrong-api-key"),
        pytest.param({"username": "admin"}, 400, id="no-credential"),
    ],
)
def test_cp4d_authorize_refuses_bad_credentials(emu: EmulatorHandle, body: dict[str, object], status: int) -> None:
    reply = Api(emu.url).post("/icp4d-api/v1/authorize", json=body)
    assert reply.status_code == status
    assert reply.json()["message"]
    assert "token" not in reply.json()


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param("admin:wrong-key", id="wrong-key"),
        pytest.param("ghost:emulator-api-key", id="unknown-user"),
        pytest.param("no-colon", id="malformed"),
    ],
)
def test_zen_api_key_with_bad_credentials_is_401(emu: EmulatorHandle, raw: str) -> None:
    header = "ZenApiKey " + base64.b64encode(raw.encode()).decode()
    assert_error(Api(emu.url, authorization=header).get("/v2/connections/version"), 401, "invalid_token")


def test_static_token_is_accepted_as_is(emu: EmulatorHandle) -> None:
    assert Api(emu.url, "static-token-1").get("/v2/connections/version").status_code == 200


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param("Bearer not-a-token", id="unknown-token"),
        pytest.param("Basic YWRtaW46cGFzc3dvcmQ=", id="other-scheme"),
    ],
)
@pytest.mark.parametrize(
    "path",
    ["/v2/connections/version", "/v2/connections", "/v2/datasource_types", "/v2/catalogs", "/v2/spaces"],
)
def test_v2_paths_without_valid_credentials_are_401_with_the_error_container(
    emu: EmulatorHandle, authorization: str | None, path: str
) -> None:
    reply = Api(emu.url, authorization=authorization).get(path, params={"project_id": emu.project_id("demo")})
    assert_error(reply, 401, "invalid_token")


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token"], ids=["missing", "unknown-token"])
@pytest.mark.parametrize("path", ["/v2/projects", "/v2/projects/any-guid"])
def test_projects_paths_without_valid_credentials_are_401_in_the_projects_shape(
    emu: EmulatorHandle, authorization: str | None, path: str
) -> None:
    body = assert_projects_error(Api(emu.url, authorization=authorization).get(path), 401)
    assert body["error"] == "Unauthorized" and body["message"] == "Authentication failed."


def test_issued_tokens_expire_after_the_ttl(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(token_ttl=1)
    reply = Api(emu.url).post("/identity/token", data={"grant_type": APIKEY_GRANT, "apikey": emu.api_key})
    body = reply.json()
    assert body["expires_in"] == 1
    api = Api(emu.url, body["access_token"])
    assert api.get("/v2/connections/version").status_code == 200
    time.sleep(1.1)
    error = assert_error(api.get("/v2/connections/version"), 401, "invalid_token")
    assert "expired" in error["message"]


def test_cp4d_tokens_expire_after_the_ttl(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(token_ttl=1)
    token = Api(emu.url).post("/icp4d-api/v1/authorize", json={"username": "admin", "password": "password"}).json()
    api = Api(emu.url, token["token"])
    assert api.get("/v2/connections/version").status_code == 200
    time.sleep(1.1)
    assert_error(api.get("/v2/connections/version"), 401, "invalid_token")


def test_revoking_tokens_makes_a_still_valid_token_401(emu: EmulatorHandle) -> None:
    api = Api(emu.url, emu.issue_token())
    assert api.get("/v2/connections/version").status_code == 200
    assert emu.revoke_tokens() >= 1
    assert_error(api.get("/v2/connections/version"), 401, "invalid_token")
    # Credentials still work: a fresh exchange gives a working token.
    fresh = Api(emu.url).post("/identity/token", data={"grant_type": APIKEY_GRANT, "apikey": emu.api_key})
    assert Api(emu.url, fresh.json()["access_token"]).get("/v2/connections/version").status_code == 200


def test_handle_revocation_and_static_tokens_survive_it(emu: EmulatorHandle) -> None:
    api = Api(emu.url, emu.issue_token())
    emu.revoke_tokens()
    assert api.get("/v2/connections/version").status_code == 401
    assert Api(emu.url, "static-token-1").get("/v2/connections/version").status_code == 200


def test_custom_keys_and_users_replace_the_defaults(make_emulator: Callable[..., EmulatorHandle]) -> None:
    emu = make_emulator(api_keys=["k1", "k2"], users=[("bob", "pw:with:colons")])
    anonymous = Api(emu.url)
    for key in ("k1", "k2"):
        assert anonymous.post("/identity/token", data={"grant_type": APIKEY_GRANT, "apikey": key}).status_code == 200
    assert (
        anonymous.post("/identity/token", data={"grant_type": APIKEY_GRANT, "apikey": "emulator-api-key"}).status_code
        == 400
    )
    ok = anonymous.post("/icp4d-api/v1/authorize", json={"username": "bob", "password": "pw:with:colons"})
    assert ok.status_code == 200
    assert (
        anonymous.post("/icp4d-api/v1/authorize", json={"username": "admin", "password": "password"}).status_code == 401
    )


def test_the_creator_of_a_connection_is_the_authenticated_user(emu: EmulatorHandle, demo: str) -> None:
    token = Api(emu.url).post("/icp4d-api/v1/authorize", json={"username": "admin", "password": "password"}).json()
    reply = Api(emu.url, token["token"]).create(
        demo, {"name": "c", "datasource_type": "http", "properties": {"url": "http://x"}}
    )
    assert reply.json()["metadata"]["creator_id"] == "admin"
