"""A ~/.netrc entry for the service's host must not replace our credentials.

requests (with ``trust_env``, which we keep on for proxies and CA bundles) applies netrc credentials
to a request sent without ``auth``, and they overwrite the ``Authorization`` header set by hand. The
emulator refuses the resulting Basic header with 401, so without the fix every API call fails here;
the token exchange is checked on the headers requests actually sent.
"""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest
import requests
import requests.utils

from airflow_connections_provider.client import AsyncConnectionsClient, AuthType, ClientConfig, ConnectionsClient
from airflow_connections_provider.emulator import EmulatorHandle
from tests.integration.conftest import FAST_RETRY, credentials_for

pytestmark = pytest.mark.integration

NETRC_LOGIN = "netrc-intruder"
NETRC_PASSWORD = "Netrc-Wrong-Password!"  # the wrong credentials under test
NETRC_BASIC = "Basic " + base64.b64encode(f"{NETRC_LOGIN}:{NETRC_PASSWORD}".encode()).decode()
TOKEN_PATHS = ("/identity/token", "/icp4d-api/v1/authorize", "/api/rest/mcsp/apikeys/token")


@pytest.fixture(params=["home", "NETRC"])
def wrong_netrc(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, emu: EmulatorHandle):
    """Wrong credentials for the emulator's host, found through ``$HOME/.netrc`` or ``$NETRC``."""
    home = tmp_path / "home"
    home.mkdir()
    netrc = home / ".netrc"
    netrc.write_text(f"machine 127.0.0.1\n  login {NETRC_LOGIN}\n  password {NETRC_PASSWORD}\n")
    netrc.chmod(0o600)  # the netrc module refuses a file others can read when it holds a password
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("NETRC", raising=False)
    if request.param == "NETRC":
        elsewhere = tmp_path / "netrc-elsewhere"
        netrc.rename(elsewhere)
        monkeypatch.setenv("NETRC", str(elsewhere))
    # The premise: requests itself would use these credentials for the emulator's URL.
    assert requests.utils.get_netrc_auth(emu.url) == (NETRC_LOGIN, NETRC_PASSWORD)


@pytest.mark.parametrize("auth", [pytest.param(kind, id=kind.value) for kind in AuthType])
def test_netrc_credentials_never_replace_ours(wrong_netrc, emu: EmulatorHandle, auth: AuthType):
    sent: list[tuple[str, str | None]] = []

    def record(response: requests.Response, *args: object, **kwargs: object) -> None:
        prepared = response.request
        sent.append((prepared.path_url.split("?")[0], prepared.headers.get("Authorization")))

    session = requests.Session()
    assert session.trust_env  # the fix must not depend on turning the environment off
    session.hooks["response"].append(record)
    config = ClientConfig(credentials_for(emu, auth), base_url=emu.url, retry=FAST_RETRY, timeout=10.0)
    with ConnectionsClient(config, session=session) as client:
        assert client.version().version
        assert [t.name for t in client.iter_datasource_types()]

    assert sent, "no request was recorded"
    assert all(header != NETRC_BASIC for _, header in sent), sent
    api_calls = [(path, header) for path, header in sent if path not in TOKEN_PATHS]
    exchanges = [(path, header) for path, header in sent if path in TOKEN_PATHS]
    assert api_calls and all(header and header.split(" ")[0] in ("Bearer", "ZenApiKey") for _, header in api_calls)
    # The token exchange sends the API key or password in its body and no Authorization at all.
    assert all(header is None for _, header in exchanges), exchanges
    statuses = [entry["status"] for entry in emu.request_log()]
    assert 401 not in statuses, statuses


@pytest.mark.parametrize("auth", [AuthType.IAM_API_KEY, AuthType.ZEN_API_KEY])
def test_the_async_client_ignores_netrc_too(wrong_netrc, emu: EmulatorHandle, auth: AuthType):
    """httpx (>= 0.24) reads netrc only through an explicit ``httpx.NetRCAuth``; this guards that."""
    config = ClientConfig(credentials_for(emu, auth), base_url=emu.url, retry=FAST_RETRY, timeout=10.0)

    async def main() -> str:
        async with AsyncConnectionsClient(config) as client:
            return (await client.version()).version

    assert asyncio.run(main())
    statuses = [entry["status"] for entry in emu.request_log()]
    assert 401 not in statuses, statuses


def test_the_auth_object_never_shows_its_header():
    from airflow_connections_provider.client.transport import ExplicitAuthorization

    shown = repr(ExplicitAuthorization("Bearer secret-token-value")) + str(ExplicitAuthorization(None))
    assert "secret-token-value" not in shown
