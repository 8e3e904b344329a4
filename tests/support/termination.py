"""SIGTERM to pytest (what CI timeouts send) stops every process the tests started.

Python's default answer to SIGTERM is to die on the spot: no ``finally`` block, no fixture teardown
runs, so an emulator started as a child, the demo (its own session) and the Airflow components under
it would all outlive pytest. Loaded by the root conftest, this plugin turns SIGTERM into
``pytest.exit``: the running test unwinds through its ``finally`` blocks and pytest tears down every
fixture, as after Ctrl-C. Fixtures and tests stop their own processes that way.

A safety net stops the rest by PID: at the signal, every descendant of pytest is recorded (PID and
start time, which name one process for good); after the teardown, whichever of them still runs is
stopped with its process group and descendants (``tools.procs.stop_trees``: SIGTERM, then SIGKILL),
together with anything that still descends from pytest. Nothing is found or killed by name.

Linux only (``/proc``), like the rest of the process tooling.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType

import pytest

from tools.procs import alive, descendants, start_ticks, stop_trees

#: Exit status after a SIGTERM, as a shell reports a process ended by that signal.
EXIT_STATUS = 128 + signal.SIGTERM
_GRACE = 10.0  # seconds a leftover process gets between SIGTERM and SIGKILL

_pytest_pid = os.getpid()
_recorded: set[tuple[int, int | None]] = set()
_received = False


def _on_sigterm(signum: int, frame: FrameType | None) -> None:
    global _received
    if os.getpid() != _pytest_pid:
        # A child forked from pytest inherited this handler: it should die as it would have.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGTERM)
        return
    if _received:
        return  # already unwinding: a second SIGTERM must not interrupt the clean-up
    _received = True
    # Before anything stops: once a parent dies, its children are reparented and out of sight.
    _recorded.update((pid, start_ticks(pid)) for pid in descendants(_pytest_pid))
    print("\nSIGTERM: stopping the tests and every process they started", file=sys.stderr, flush=True)
    pytest.exit("SIGTERM received", returncode=EXIT_STATUS)


def _install() -> None:
    # Code under test may install its own handler for a while (Airflow's task runner does): put ours
    # back around every test. Signal handlers can only be set from the main thread.
    if signal.getsignal(signal.SIGTERM) is not _on_sigterm and os.getpid() == _pytest_pid:
        signal.signal(signal.SIGTERM, _on_sigterm)


def leftovers() -> list[int]:
    """Recorded processes still running (the same process: same start time), and pytest's descendants."""
    recorded = [pid for pid, began in _recorded if alive(pid) and start_ticks(pid) == began]
    return sorted(set(recorded) | set(descendants(_pytest_pid)))


def pytest_configure(config: pytest.Config) -> None:
    _install()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Iterator[None]:
    _install()
    try:
        return (yield)
    finally:
        _install()


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """After every fixture was torn down: stop what is left, when the session ended on SIGTERM."""
    if not _received:
        return
    left = leftovers()
    if left:
        print(f"SIGTERM: stopping {len(left)} process(es) the teardown left running", file=sys.stderr, flush=True)
        stop_trees(left, grace=_GRACE)
