"""Reliability tests: bad inputs, faults, TLS and secret leaks, each recorded as a scenario.

The emulator fixtures are the integration tests' (real HTTP on loopback). Every test may record what
it injected and what it observed through the ``scenario`` fixture; with ``RELIABILITY_REPORT=<path>``
set, the run writes those records as JSON, which ``make reliability-report`` renders into
docs/reliability.md. Observations are measured by the test, never typed in.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import (  # noqa: F401 - fixtures shared with the integration tests
    FAST_RETRY,
    SECRET,
    airflow_conn,
    client,
    emu,
    ibm_emulator_session_settings,
    make_client,
    pg_source,
)

_RECORDS: list[dict[str, Any]] = []


def writes(handle: Any) -> int:
    """Write requests (create, update or re-test, delete) the emulator has received on connections."""
    return sum(handle.requests_count(m, "/v2/connections*") for m in ("POST", "PATCH", "PUT", "DELETE"))


@pytest.fixture
def scenario(request: pytest.FixtureRequest) -> Callable[..., None]:
    """``scenario(area=..., injected=..., outcome=..., **figures)`` records one observed scenario."""

    def record(*, area: str, injected: str, outcome: str, **figures: Any) -> None:
        _RECORDS.append(
            {
                "test": request.node.nodeid,
                "area": area,
                "injected": injected,
                "outcome": outcome,
                "figures": figures,
            }
        )

    return record


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    target = os.environ.get("RELIABILITY_REPORT")
    if not target or not _RECORDS:
        return
    path = Path(target)
    path.parent.mkdir(parents=True, exist_ok=True)
    passed = session.testsfailed == 0
    path.write_text(json.dumps({"all_passed": passed, "scenarios": _RECORDS}, indent=2, sort_keys=True))


@pytest.fixture
def no_writes(request: pytest.FixtureRequest) -> Callable[[], int]:
    """Call it to get the writes sent since the test started."""
    handle = request.getfixturevalue("emu")
    before = writes(handle)
    return lambda: writes(handle) - before
