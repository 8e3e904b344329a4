"""Listening beyond loopback is asked for, warned about, and leaves `/_emulator` closed to other
machines unless they send the control token.

The peers here are real: the emulator listens on this machine's own non-loopback address and the
test connects from that address, so the emulator sees a peer that is not 127.0.0.1 (the test is
skipped, saying why, on a machine without such an address).
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import warnings
from collections.abc import Iterator

import pytest

from airflow_connections_provider.emulator import EmulatorSettings, run_emulator
from airflow_connections_provider.emulator.inspection.access import (
    CONTROL_TOKEN_ENV,
    control_refusal,
    forwarded_clients,
    is_loopback_address,
)
from airflow_connections_provider.emulator.run.server import RemoteBindRefusedError, RemoteExposureWarning

CONTROL_TOKEN = "control-Token-5150"
MODULE = "airflow_connections_provider.emulator"


def machine_address() -> str:
    """An IPv4 address of this machine that is not loopback, or skip."""
    import socket

    try:
        listed = subprocess.run(["hostname", "-I"], capture_output=True, text=True, timeout=10, check=False).stdout
    except OSError:
        listed = ""
    for candidate in listed.split():
        if ":" in candidate or is_loopback_address(candidate):
            continue
        with socket.socket() as probe:
            try:
                probe.bind((candidate, 0))
            except OSError:
                continue
        return candidate
    pytest.skip("this machine has no non-loopback IPv4 address to be a remote peer from")


def call(
    host: str, port: int, method: str, path: str, *, source: str | None = None, **headers: str
) -> tuple[int, dict]:
    connection = http.client.HTTPConnection(host, port, timeout=10, source_address=(source, 0) if source else None)
    try:
        connection.request(method, path, headers=headers)
        reply = connection.getresponse()
        body = reply.read()
        return reply.status, json.loads(body) if body else {}
    finally:
        connection.close()


@pytest.fixture
def remote_emulator() -> Iterator[tuple[str, int]]:
    address = machine_address()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RemoteExposureWarning)
        with run_emulator(host=address, allow_remote=True, control_token=CONTROL_TOKEN) as emu:
            yield address, emu.port


def test_a_remote_peer_gets_403_on_the_control_api_without_the_token(remote_emulator: tuple[str, int]) -> None:
    address, port = remote_emulator
    for path in ("/_emulator/state", "/_emulator/requests", "/_emulator/nowhere"):
        status, body = call(address, port, "GET", path, source=address)
        assert status == 403, (path, body)
        error = body["errors"][0]
        assert error["code"] == "forbidden"
        assert "loopback" in error["message"] and "X-Emulator-Token" in error["message"]
    wrong = {"X-Emulator-Token": "wrong"}
    status, body = call(address, port, "POST", "/_emulator/datasources", source=address, **wrong)
    assert status == 403 and "send the token the emulator was started with" in body["errors"][0]["message"]
    assert CONTROL_TOKEN not in json.dumps(body)


def test_a_remote_peer_with_the_control_token_is_let_in(remote_emulator: tuple[str, int]) -> None:
    address, port = remote_emulator
    status, body = call(address, port, "GET", "/_emulator/state", source=address, **{"X-Emulator-Token": CONTROL_TOKEN})
    assert status == 200 and "connections" in body


def test_the_api_itself_still_answers_a_remote_peer(remote_emulator: tuple[str, int]) -> None:
    """Only /_emulator is loopback-only: the emulated API is what a remote client came for."""
    address, port = remote_emulator
    status, body = call(address, port, "GET", "/v2/connections/api/docs", source=address)
    assert status == 200 and "paths" in body


def exposure_warnings(caught: list[warnings.WarningMessage]) -> list[str]:
    return [str(w.message) for w in caught if issubclass(w.category, RemoteExposureWarning)]


def test_without_a_control_token_a_remote_peer_is_refused_even_with_a_header() -> None:
    address = machine_address()
    with warnings.catch_warnings(record=True) as caught, run_emulator(host=address, allow_remote=True) as emu:
        status, body = call(address, emu.port, "GET", "/_emulator/state", source=address, **{"X-Emulator-Token": "x"})
    assert status == 403 and CONTROL_TOKEN_ENV in body["errors"][0]["message"]
    assert "answers loopback clients only" in exposure_warnings(caught)[0]


def test_a_request_forwarded_for_a_remote_client_counts_as_remote() -> None:
    """A reverse proxy on this machine does not open /_emulator to whoever it forwards."""
    with run_emulator() as emu:
        status, _ = call(emu.host, emu.port, "GET", "/_emulator/state", **{"X-Forwarded-For": "203.0.113.7"})
        assert status == 403
        status, _ = call(emu.host, emu.port, "GET", "/_emulator/state", Forwarded='for="[2001:db8::1]"')
        assert status == 403
        status, _ = call(emu.host, emu.port, "GET", "/_emulator/state", **{"X-Forwarded-For": "127.0.0.1"})
        assert status == 200


def test_binding_beyond_loopback_without_allow_remote_is_refused_before_binding() -> None:
    with pytest.raises(RemoteBindRefusedError, match="allow_remote=True") as caught, run_emulator(host="0.0.0.0"):
        pass
    assert "read every stored secret" in str(caught.value)


def test_binding_beyond_loopback_with_allow_remote_warns_what_it_exposes() -> None:
    address = machine_address()
    settings = {"host": address, "allow_remote": True, "api_keys": ["Key-Never-Printed"]}
    with warnings.catch_warnings(record=True) as caught, run_emulator(**settings) as emu:
        status, _ = call(address, emu.port, "GET", "/v2/connections/api/docs", source=address)
    assert status == 200
    [text] = exposure_warnings(caught)
    assert f"{address}:{emu.port}" in text and "secrets in clear" in text and "/_emulator/" in text
    assert "Key-Never-Printed" not in text


def test_localhost_needs_no_flag() -> None:
    with run_emulator(host="localhost") as emu:
        assert call("127.0.0.1", emu.port, "GET", "/_emulator/requests")[0] == 200


@pytest.mark.parametrize(
    ("peer", "forwarded", "presented", "token", "allowed"),
    [
        ("127.0.0.1", [], None, None, True),
        ("127.8.9.10", [], None, None, True),
        ("::1", [], None, None, True),
        ("::ffff:127.0.0.1", [], None, None, True),
        ("::ffff:192.0.2.1", [], None, None, False),
        ("192.0.2.1", [], None, None, False),
        ("192.0.2.1", [], "t", None, False),
        ("192.0.2.1", [], "t", "t", True),
        ("192.0.2.1", [], "T", "t", False),
        ("127.0.0.1", ["198.51.100.2"], None, None, False),
        ("127.0.0.1", ["198.51.100.2"], "t", "t", True),
        (None, [], None, None, False),
        ("localhost", [], None, None, False),  # a name, not an address: never taken on trust
    ],
)
def test_control_access_decision(
    peer: str | None, forwarded: list[str], presented: str | None, token: str | None, allowed: bool
) -> None:
    assert (control_refusal(peer, forwarded, presented, token) is None) is allowed


def test_forwarded_clients_reads_both_headers() -> None:
    assert forwarded_clients("203.0.113.7, 127.0.0.1", 'for=192.0.2.60;proto=http, For="[2001:db8::1]:4711"') == [
        "203.0.113.7",
        "127.0.0.1",
        "192.0.2.60",
        "2001:db8::1",
    ]


def test_the_control_token_stays_out_of_reprs_and_must_be_printable() -> None:
    settings = EmulatorSettings(control_token=CONTROL_TOKEN)
    assert CONTROL_TOKEN not in repr(settings)
    with pytest.raises(ValueError, match="printable ASCII"):
        EmulatorSettings(control_token="bad\ntoken")


# --- the command line ---


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", MODULE, "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
    )


def test_cli_refuses_a_remote_host_without_allow_remote() -> None:
    result = run_cli("--host", "0.0.0.0")
    assert result.returncode == 2
    assert "--allow-remote" in result.stderr and "not a loopback address" in result.stderr
    assert "emulator listening" not in result.stdout


def test_cli_with_allow_remote_warns_on_stderr_and_opens_control_api_with_the_env_token() -> None:
    import os
    import signal

    address = machine_address()
    env = {**os.environ, CONTROL_TOKEN_ENV: CONTROL_TOKEN}
    process = subprocess.Popen(
        [sys.executable, "-m", MODULE, "--port", "0", "--host", address, "--allow-remote"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first_line = process.stdout.readline().strip()
        assert first_line.startswith(f"emulator listening on http://{address}:"), first_line
        port = int(first_line.rsplit(":", 1)[1])
        assert call(address, port, "GET", "/_emulator/state", source=address)[0] == 403
        headers = {"X-Emulator-Token": CONTROL_TOKEN}
        assert call(address, port, "GET", "/_emulator/state", source=address, **headers)[0] == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
        _, stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
    assert f"warning: the emulator listens on {address}:{port}, beyond loopback" in stderr
    assert "X-Emulator-Token" in stderr and CONTROL_TOKEN not in stderr
    assert stderr.count("warning:") == 1


def test_the_control_token_comes_from_the_flag_or_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow_connections_provider.emulator.run.cli import build_parser, settings_from_args

    monkeypatch.delenv(CONTROL_TOKEN_ENV, raising=False)
    assert settings_from_args(build_parser().parse_args([])).control_token is None
    flagged = settings_from_args(build_parser().parse_args(["--control-token", CONTROL_TOKEN]))
    assert flagged.control_token == CONTROL_TOKEN
    monkeypatch.setenv(CONTROL_TOKEN_ENV, CONTROL_TOKEN)
    assert settings_from_args(build_parser().parse_args([])).control_token == CONTROL_TOKEN


def test_the_exposure_warning_says_whether_a_token_opens_the_control_api() -> None:
    from airflow_connections_provider.emulator.run.server import exposure_warning

    closed = exposure_warning("192.0.2.1", 8080)
    assert "loopback clients only" in closed and CONTROL_TOKEN_ENV in closed
    opened = exposure_warning("192.0.2.1", 8080, CONTROL_TOKEN)
    assert "X-Emulator-Token" in opened and "loopback clients only" not in opened
    assert CONTROL_TOKEN not in opened
