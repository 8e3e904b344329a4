"""Pytest fixtures for the emulator, registered through the `pytest11` entry point.

- `ibm_emulator`: a fresh emulator per test (function scope), configured by the
  `ibm_emulator_settings` fixture, which a conftest may override.
- `ibm_emulator_session`: one emulator for the whole session (configured by
  `ibm_emulator_session_settings`), reset before every test that uses it: cheaper, and
  enough when a test does not need its own settings.

The emulator is imported inside the fixtures so that merely having this plugin installed costs
other test sessions nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .handle import EmulatorHandle
    from .settings import EmulatorSettings


@pytest.fixture
def ibm_emulator_settings() -> EmulatorSettings:
    """Settings of `ibm_emulator`; override this fixture to change them."""
    from .settings import EmulatorSettings

    return EmulatorSettings()


@pytest.fixture
def ibm_emulator(ibm_emulator_settings: EmulatorSettings) -> Iterator[EmulatorHandle]:
    """A fresh emulator on a free 127.0.0.1 port, stopped after the test."""
    from .handle import run_emulator

    with run_emulator(ibm_emulator_settings.replace(host="127.0.0.1", port=0)) as handle:
        yield handle


@pytest.fixture(scope="session")
def ibm_emulator_session_settings() -> EmulatorSettings:
    """Settings of `ibm_emulator_session`; override this fixture (session scope) to change them."""
    from .settings import EmulatorSettings

    return EmulatorSettings()


@pytest.fixture(scope="session")
def _ibm_emulator_session_server(ibm_emulator_session_settings: EmulatorSettings) -> Iterator[EmulatorHandle]:
    from .handle import run_emulator

    with run_emulator(ibm_emulator_session_settings.replace(host="127.0.0.1", port=0)) as handle:
        yield handle


@pytest.fixture
def ibm_emulator_session(_ibm_emulator_session_server: EmulatorHandle) -> EmulatorHandle:
    """The session's emulator, reset (no connections, no faults, empty log) for this test."""
    _ibm_emulator_session_server.reset()
    return _ibm_emulator_session_server
