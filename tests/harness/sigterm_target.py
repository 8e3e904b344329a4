"""Not collected by the suite (no ``test_`` prefix): ``test_sigterm.py`` runs it in a pytest of its own,
then sends that pytest SIGTERM while everything below is up.

It starts what the suite's tests start: a server as pytest's own child, stopped by its fixture's
teardown (the emulator's CLI, as ``tests/emulator/test_cli.py`` runs it); a component of the demo stack
in a session of its own (``tools.demo_sources``, through ``tools.procs.ManagedProcess`` as the demo starts
it); a process whose child starts a session of its own (as Airflow's task supervisors do). The last two
are stopped by nothing but the SIGTERM handling. It writes their PIDs to ``$ACP_SIGTERM_READY`` once
they all serve, then waits to be stopped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tools.procs import ManagedProcess, free_port, port_open

# A parent that starts a child in a new session (like a task supervisor), prints its PID, then waits.
TREE = """
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(900)"], start_new_session=True)
print(child.pid, flush=True)
time.sleep(900)
"""


@pytest.fixture
def emulator_cli() -> Iterator[tuple[subprocess.Popen[str], str]]:
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_connections_provider.emulator", "--port", "0", "--static-token", "t0k"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()  # "emulator listening on http://127.0.0.1:<port>"
        yield process, first.rsplit(" ", 1)[1]
    finally:
        process.terminate()
        process.wait(10)


@pytest.mark.timeout(600)
def test_everything_up_until_sigterm(emulator_cli: tuple[subprocess.Popen[str], str], tmp_path: Path) -> None:
    ready = Path(os.environ["ACP_SIGTERM_READY"])
    emulator, url = emulator_cli
    reply = requests.get(f"{url}/v2/connections/version", headers={"Authorization": "Bearer t0k"}, timeout=10)
    assert reply.status_code == 200

    port = free_port()
    sources = ManagedProcess(
        "data sources",
        [sys.executable, "-m", "tools.demo_sources", "--http", str(port)],
        tmp_path / "sources.log",
        env=os.environ,
        cwd=Path(__file__).resolve().parents[2],
    ).start()
    tree = subprocess.Popen([sys.executable, "-c", TREE], stdout=subprocess.PIPE, text=True)
    assert tree.stdout is not None
    grandchild = int(tree.stdout.readline())
    deadline = time.monotonic() + 120
    while not port_open("127.0.0.1", port):
        assert sources.running() and time.monotonic() < deadline, sources.tail()
        time.sleep(0.1)

    state = {
        "emulator": {"pid": emulator.pid, "url": url},
        "sources": {"pid": sources.pid, "port": port},
        "tree": {"pid": tree.pid, "grandchild": grandchild},
    }
    scratch = ready.with_suffix(".tmp")
    scratch.write_text(json.dumps(state))
    scratch.rename(ready)  # the watcher never reads half a file
    time.sleep(600)  # until the SIGTERM
