"""SIGTERM to pytest (a CI timeout) leaves no process behind: a real pytest runs
``sigterm_target.py``, which starts an emulator, a demo data-source process in its own session and a
process tree that leaves its process group; once they serve, pytest gets SIGTERM. Afterwards none of the
processes that ran under it may be left, and nothing may remain in its process group."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.support.termination import EXIT_STATUS
from tools.procs import alive, descendants, group_members, port_open, start_ticks, stop_trees

ROOT = Path(__file__).resolve().parents[2]
TARGET = Path(__file__).with_name("sigterm_target.py")


def live_group_members(pgid: int) -> list[int]:
    """Live (not zombie) processes whose process group is ``pgid``."""
    return [pid for pid in group_members(pgid) if alive(pid)]


@pytest.mark.timeout(400)
def test_sigterm_to_pytest_stops_every_process_its_tests_started(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    output = tmp_path / "pytest.out"
    env = {**os.environ, "ACP_SIGTERM_READY": str(ready)}
    seen: set[tuple[int, int | None]] = set()  # (PID, start time): one process for good

    def watch(pid: int) -> None:
        seen.update((p, start_ticks(p)) for p in descendants(pid))

    def survivors() -> list[int]:
        return sorted(pid for pid, began in seen if alive(pid) and start_ticks(pid) == began)

    with output.open("w") as out:
        inner = subprocess.Popen(
            [sys.executable, "-m", "pytest", str(TARGET), "-q", "-p", "no:cacheprovider"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, checked empty at the end
        )
    try:
        deadline = time.monotonic() + 240
        while not ready.exists() and inner.poll() is None and time.monotonic() < deadline:
            watch(inner.pid)
            time.sleep(0.2)
        assert ready.exists(), output.read_text()[-4000:]
        watch(inner.pid)
        state = json.loads(ready.read_text())
        pids = {state["emulator"]["pid"], state["sources"]["pid"], state["tree"]["pid"], state["tree"]["grandchild"]}
        assert pids <= {pid for pid, _ in seen}, (pids, seen)
        emulator_port = urlsplit(state["emulator"]["url"]).port
        assert emulator_port is not None and port_open("127.0.0.1", emulator_port)
        assert port_open("127.0.0.1", state["sources"]["port"])

        os.kill(inner.pid, signal.SIGTERM)
        inner.wait(120)
        settle = time.monotonic() + 15  # a process SIGKILLed a moment ago may still be on its way out
        while (survivors() or live_group_members(inner.pid)) and time.monotonic() < settle:
            time.sleep(0.2)
        left, in_group = survivors(), live_group_members(inner.pid)
    finally:
        # Whatever the outcome, this test leaves nothing running itself.
        stop_trees([*([inner.pid] if inner.poll() is None else []), *survivors()], grace=5)
        inner.wait(10)
    text = output.read_text()

    assert left == [], f"still running after pytest's SIGTERM: {left}\n{text[-4000:]}"
    assert in_group == []
    assert inner.returncode == EXIT_STATUS, text[-4000:]
    assert "SIGTERM" in text
    assert not port_open("127.0.0.1", emulator_port)
    assert not port_open("127.0.0.1", state["sources"]["port"])
