"""Pytest fixtures for the emulator. Opt-in: load them with `pytest_plugins =
["airflow_connections_provider.emulator.pytest_plugin"]` in a root conftest.py, or `pytest -p
airflow_connections_provider.emulator.pytest_plugin` (see docs/emulator.md).

- `ibm_emulator`: a fresh emulator per test (function scope), configured by the
  `ibm_emulator_settings` fixture, which a conftest may override.
- `ibm_emulator_session`: one emulator for the whole session (configured by
  `ibm_emulator_session_settings`), reset before every test that uses it: cheaper, and
  enough when a test does not need its own settings.

The emulator is imported inside the fixtures, so a session that loads this plugin but uses none of
its fixtures never imports FastAPI or uvicorn. Without the provider's `emulator` extra, a test that
uses one fails with a message naming it (`pip install 'airflow-connections-provider[emulator]'`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from .extra import missing_extra_message, missing_modules

if TYPE_CHECKING:
    from .run.handle import EmulatorHandle
    from .settings import EmulatorSettings


def _require_extra() -> None:
    missing = missing_modules()
    if missing:
        pytest.fail(missing_extra_message(missing), pytrace=False)


@pytest.fixture
def ibm_emulator_settings() -> EmulatorSettings:
    """Settings of `ibm_emulator`; override this fixture to change them."""
    from .settings import EmulatorSettings

    return EmulatorSettings()


@pytest.fixture
def ibm_emulator(ibm_emulator_settings: EmulatorSettings) -> Iterator[EmulatorHandle]:
    """A fresh emulator on a free 127.0.0.1 port, stopped after the test."""
    _require_extra()
    from .run.handle import run_emulator

    with run_emulator(ibm_emulator_settings.replace(host="127.0.0.1", port=0)) as handle:
        yield handle


@pytest.fixture(scope="session")
def ibm_emulator_session_settings() -> EmulatorSettings:
    """Settings of `ibm_emulator_session`; override this fixture (session scope) to change them."""
    from .settings import EmulatorSettings

    return EmulatorSettings()


class _SessionEmulators:
    """One running emulator per distinct settings value, kept for the whole session.

    Keyed by settings because conftest files in different directories may override
    `ibm_emulator_session_settings`: each directory then gets an emulator configured its way,
    instead of whichever one a session-scoped fixture happened to cache first.
    """

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._running: dict[EmulatorSettings, EmulatorHandle] = {}

    def get(self, settings: EmulatorSettings) -> EmulatorHandle:
        _require_extra()
        from .run.handle import run_emulator

        handle = self._running.get(settings)
        if handle is None:
            handle = self._stack.enter_context(run_emulator(settings))
            self._running[settings] = handle
        return handle

    def close(self) -> None:
        self._stack.close()
        self._running.clear()


@pytest.fixture(scope="session")
def _ibm_emulator_session_pool() -> Iterator[_SessionEmulators]:
    pool = _SessionEmulators()
    try:
        yield pool
    finally:
        pool.close()


@pytest.fixture
def ibm_emulator_session(
    ibm_emulator_session_settings: EmulatorSettings, _ibm_emulator_session_pool: _SessionEmulators
) -> EmulatorHandle:
    """The session's emulator, reset (no connections, no faults, empty log) for this test."""
    handle = _ibm_emulator_session_pool.get(ibm_emulator_session_settings.replace(host="127.0.0.1", port=0))
    handle.reset()
    return handle
