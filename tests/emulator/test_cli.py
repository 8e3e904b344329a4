"""The command line: starts on a free port, prints the first line, stops cleanly on signals."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from .helpers import Api

MODULE = "airflow_connections_provider.emulator"


@pytest.fixture
def start_cli() -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], str]:
        process = subprocess.Popen(
            [sys.executable, "-m", MODULE, "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        first_line = process.stdout.readline().rstrip("\n")
        return process, first_line

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=10)


@pytest.mark.parametrize("stop_signal", [signal.SIGTERM, signal.SIGINT])
def test_cli_prints_its_url_serves_and_stops_on_signal(start_cli: object, stop_signal: signal.Signals) -> None:
    process, first_line = start_cli("--project", "demo", "--project", "second", "--user", "bob:pw")  # type: ignore[operator]
    prefix = "emulator listening on http://127.0.0.1:"
    assert first_line.startswith(prefix), first_line
    port = int(first_line[len(prefix) :])
    assert port > 0
    url = f"http://127.0.0.1:{port}"
    zen = "ZenApiKey " + base64.b64encode(b"bob:emulator-api-key").decode()
    projects = Api(url, authorization=zen).get("/v2/projects").json()["resources"]
    assert [p["entity"]["name"] for p in projects] == ["demo", "second"]
    process.send_signal(stop_signal)
    assert process.wait(timeout=10) == 0
    _, stderr = process.communicate(timeout=10)
    assert zen.split()[1] not in stderr
    with pytest.raises(OSError):
        Api(url).get("/_emulator/requests", timeout=2)


def test_cli_rejects_bad_options() -> None:
    result = subprocess.run(
        [sys.executable, "-m", MODULE, "--user", "no-password"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2 and "NAME:PASSWORD" in result.stderr


def test_module_help() -> None:
    result = subprocess.run(
        [sys.executable, "-m", MODULE, "--help"], capture_output=True, text=True, timeout=60, check=True
    )
    for flag in (
        "--port",
        "--project",
        "--api-key",
        "--user",
        "--static-token",
        "--token-ttl",
        "--latency",
        "--rate-limit",
        "--fault-rate",
        "--fault-seed",
        "--secret-mode",
        "--test-action-failure-status",
        "--tls-cert",
        "--tls-key",
        "--tls",
        "--allow-remote",
    ):
        assert flag in result.stdout


def test_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "airflow-connections-emulator"
    if not script.exists():
        pytest.skip("console script not installed in this environment")
    result = subprocess.run(
        [str(script), "--help"], capture_output=True, text=True, timeout=60, check=True, env={**os.environ}
    )
    assert "usage: airflow-connections-emulator" in result.stdout


def test_catalog_and_space_flags_seed_workspaces() -> None:
    from airflow_connections_provider.emulator.run.cli import build_parser, settings_from_args

    args = build_parser().parse_args(["--catalog", "cat=c1", "--catalog", "other", "--space", "QA"])
    settings = settings_from_args(args)
    assert settings.catalogs == ("cat=c1", "other") and settings.spaces == ("QA",)
    assert ("catalog", "cat", "c1") in settings.seed_workspaces()
    assert ("space", "QA", None) in settings.seed_workspaces()
    assert settings_from_args(build_parser().parse_args([])).catalogs == ()
