"""Starting and stopping in-process, and the pytest fixtures users get from the plugin."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading

import pytest
import requests

from airflow_connections_provider.emulator import EmulatorHandle, EmulatorServer, EmulatorSettings, run_emulator

from .helpers import Api


def _emulator_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("emulator-")]


def test_run_emulator_uses_a_free_loopback_port_and_leaves_nothing_behind() -> None:
    before = _emulator_threads()
    with run_emulator(projects=["demo"]) as emu:
        assert emu.url.startswith("http://127.0.0.1:") and emu.port > 0
        assert Api(emu.url, emu.issue_token()).get("/v2/connections/version").status_code == 200
        assert len(_emulator_threads()) == len(before) + 1
    assert _emulator_threads() == before
    with socket.socket() as probe:
        probe.settimeout(2)
        with pytest.raises(OSError):
            probe.connect(("127.0.0.1", emu.port))


def test_two_emulators_are_independent() -> None:
    with run_emulator(projects=["a"]) as first, run_emulator(projects=["b"]) as second:
        assert first.port != second.port
        first.create_connection("only-in-first", "http", {"url": "http://x"})
        assert second.stored_connections() == []


def test_server_can_be_used_directly() -> None:
    server = EmulatorServer(EmulatorSettings(projects=("p",)))
    with server:
        assert server.running
        assert requests.get(server.url + "/_emulator/state", timeout=5).json()["projects"][0]["name"] == "p"
    assert not server.running


def test_a_busy_port_fails_to_start() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        with pytest.raises(OSError), run_emulator(port=taken.getsockname()[1]):
            pass


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"secret_mode": "reveal"}, id="secret-mode"),
        pytest.param({"test_action_failure_status": 418}, id="action-failure-status"),
        pytest.param({"tls_cert": "/tmp/cert.pem"}, id="cert-without-key"),
        pytest.param({"tls": "yes-please"}, id="tls-mode"),
        pytest.param({"tls": "self-signed", "tls_cert": "c.pem", "tls_key": "k.pem"}, id="tls-twice"),
        pytest.param({"fault_rate": 2.0}, id="fault-rate"),
        pytest.param({"fault_kinds": ["boom"]}, id="fault-kind"),
        pytest.param({"token_ttl": 0}, id="ttl"),
    ],
)
def test_invalid_settings_are_refused_early(overrides: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        EmulatorSettings(**overrides)  # type: ignore[arg-type]


def test_handle_create_connection_applies_the_service_checks(emu: EmulatorHandle) -> None:
    with pytest.raises(Exception, match="port"):
        emu.create_connection(
            "bad", "postgresql", {"host": "h", "port": "x", "database": "d", "username": "u", "password": "p"}
        )


def test_plugin_function_fixture(ibm_emulator: EmulatorHandle) -> None:
    assert ibm_emulator.project_id("default")
    assert Api(ibm_emulator.url, ibm_emulator.issue_token()).get("/v2/projects").status_code == 200


@pytest.mark.parametrize("round_", [1, 2])
def test_plugin_session_fixture_is_reset_per_test(ibm_emulator_session: EmulatorHandle, round_: int) -> None:
    assert ibm_emulator_session.stored_connections() == []
    assert ibm_emulator_session.requests_count() == 0
    ibm_emulator_session.create_connection(f"round-{round_}", "http", {"url": "http://x"})
    Api(ibm_emulator_session.url, ibm_emulator_session.issue_token()).get("/v2/projects")


def test_the_emulator_imports_neither_airflow_nor_the_client() -> None:
    code = (
        "import sys\n"
        "import airflow_connections_provider.emulator.pytest_plugin\n"
        "assert 'fastapi' not in sys.modules, 'the plugin must stay import-light'\n"
        "from airflow_connections_provider.emulator import run_emulator, create_app\n"
        "create_app()\n"
        "prefixes = ('airflow.', 'airflow_connections_provider.client')\n"
        "bad = [m for m in sys.modules if m == 'airflow' or m.startswith(prefixes)]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_an_unexpected_error_still_answers_in_the_error_container() -> None:
    """A bug in a route is a 500 with the trace and no detail (the detail could hold a secret)."""

    async def broken() -> None:
        raise RuntimeError("detail-with-a-secret")

    server = EmulatorServer(EmulatorSettings())
    server.app.add_api_route("/v2/broken", broken)
    with server:
        reply = requests.get(server.url + "/v2/broken", timeout=10)
    assert reply.status_code == 500
    body = reply.json()
    assert set(body) == {"trace", "errors"} and body["trace"] == reply.headers["x-global-transaction-id"]
    assert body["errors"][0]["code"] == "internal_server_error"
    assert "report it with this trace" in body["errors"][0]["message"]
    assert "detail-with-a-secret" not in reply.text
