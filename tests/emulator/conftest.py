"""Fixtures of the emulator's own tests: a shared emulator reset per test, factories for
emulators with special settings, and tiny local data sources (HTTP server, TCP listener)."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from airflow_connections_provider.emulator import EmulatorHandle, run_emulator
from tests.support.datasources import HttpDataSource

from .helpers import Api


@pytest.fixture(scope="session")
def _shared_emulator() -> Iterator[EmulatorHandle]:
    with run_emulator(projects=["demo", "other"], static_tokens=["static-token-1"]) as handle:
        yield handle


@pytest.fixture
def emu(_shared_emulator: EmulatorHandle) -> EmulatorHandle:
    """A running emulator with projects "demo" and "other", reset for this test."""
    _shared_emulator.reset()
    return _shared_emulator


@pytest.fixture
def api(emu: EmulatorHandle) -> Api:
    return Api(emu.url, emu.issue_token())


@pytest.fixture
def demo(emu: EmulatorHandle) -> str:
    return emu.project_id("demo")


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., EmulatorHandle]]:
    """Start emulators with their own settings; all are stopped after the test."""
    with contextlib.ExitStack() as stack:

        def start(**overrides: Any) -> EmulatorHandle:
            return stack.enter_context(run_emulator(**overrides))

        yield start


@pytest.fixture
def http_source() -> Iterator[str]:
    """A tiny local HTTP server: the data source of an `http` connection. Yields its URL."""
    with HttpDataSource() as source:
        yield source.url


@pytest.fixture
def tcp_source() -> Iterator[int]:
    """A listening TCP socket on 127.0.0.1 (a database that accepts connections). Yields its port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock.getsockname()[1]


@pytest.fixture
def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port
